"""Wiki tables: pages, their revisions, outgoing links and old slugs.

Every save is a :class:`WikiRevision`; a page points at its current one. Nothing is
ever deleted by an edit: a deleted page only gets ``deleted_at`` (the trash).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parvis.extensions import db
from parvis.models import Space, User, UTCDateTime, utcnow

#: Longest title and page body accepted (characters).
MAX_TITLE = 200
MAX_BODY = 200_000
MAX_SUMMARY = 255


class WikiPage(db.Model):
    """A page of a space's wiki; its text lives in :attr:`current_revision`."""

    __tablename__ = "wiki_pages"
    __table_args__ = (
        UniqueConstraint("space_id", "slug"),
        Index("ix_wiki_pages_space_title_key", "space_id", "title_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("wiki_pages.id", ondelete="SET NULL"), index=True
    )
    slug: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    #: Normalised title (casefolded, single spaces) that ``[[wiki links]]`` match.
    title_key: Mapped[str] = mapped_column(String(MAX_TITLE))
    position: Mapped[int] = mapped_column(default=0)
    is_template: Mapped[bool] = mapped_column(default=False)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("wiki_revisions.id", use_alter=True, ondelete="SET NULL")
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    current_revision: Mapped[WikiRevision | None] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )
    space: Mapped[Space] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def body(self) -> str:
        """The current markdown text."""
        return self.current_revision.body if self.current_revision else ""

    def __repr__(self) -> str:
        return f"<WikiPage {self.space_id}/{self.slug}>"


class WikiRevision(db.Model):
    """One saved state of a page: title, markdown body, author and summary."""

    __tablename__ = "wiki_revisions"
    __table_args__ = (UniqueConstraint("page_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"))
    #: 1, 2, 3... per page, in save order.
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    body: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(String(MAX_SUMMARY), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The revision number this one restored, if it is a restore.
    restored_from: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class WikiLink(db.Model):
    """An outgoing ``[[wiki link]]`` of a page's current text (backlinks in one query).

    ``target_key`` is the normalised link target; ``target_page_id`` is the page it
    resolved to (filled in later when the page is created afterwards).
    """

    __tablename__ = "wiki_links"
    __table_args__ = (
        UniqueConstraint("source_id", "target_key"),
        Index("ix_wiki_links_space_key", "space_id", "target_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"), index=True)
    target_key: Mapped[str] = mapped_column(String(MAX_TITLE))
    target_page_id: Mapped[int | None] = mapped_column(
        ForeignKey("wiki_pages.id", ondelete="SET NULL"), index=True
    )


class WikiSlugHistory(db.Model):
    """A former slug of a page: its old URLs answer with a permanent redirect."""

    __tablename__ = "wiki_slug_history"
    __table_args__ = (UniqueConstraint("space_id", "old_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    old_slug: Mapped[str] = mapped_column(String(128))
    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
