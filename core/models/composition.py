"""Composed pages of a space, their versioned compositions, and saved space templates.

A :class:`SpacePage` is a page of a space built in the builder (``home`` is the space
home; other pages appear in the space navigation). Each publication of a page's
composition writes a :class:`CompositionVersion` row; a page has one *published* version
(what members see) and at most one *draft* (what the builder edits): the version
rows carry the state, so the page row has no pointer back. ``lock`` is bumped
by every write, so a save based on an older ``lock`` is refused (optimistic
concurrency: two admins never overwrite each other silently).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

HOME_PAGE = "home"


class SpacePage(db.Model):
    """A composed page of a space (``slug == "home"`` for the space home)."""

    __tablename__ = "space_pages"
    __table_args__ = (UniqueConstraint("space_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(default=0)
    lock: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_home(self) -> bool:
        return self.slug == HOME_PAGE


class CompositionVersion(db.Model):
    """One saved composition of a page: its layout and widget placements.

    ``state`` is ``draft`` (being edited), ``published`` (the live one) or ``past``
    (an earlier published version, kept for the history and restore).
    """

    __tablename__ = "composition_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("space_pages.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    layout: Mapped[str] = mapped_column(String(64))
    placements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")


class SpaceTemplate(db.Model):
    """A space template saved from a space by its owner (``published``: offered to everyone).

    ``data`` has the same shape as a shipped template file (see docs/builder.md).
    """

    __tablename__ = "space_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
