"""The PostgreSQL backend's table: one row per findable object.

On SQLite the table exists too (the schema is the same everywhere) but stays empty:
only the PostgreSQL backend writes to it. ``tsv`` is a ``tsvector`` on PostgreSQL,
computed on write from the title (weight A), the tags (B) and the body (D).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models.base import UTCDateTime


class SearchEntry(db.Model):
    """A search document stored for the PostgreSQL backend (a cache of the database)."""

    __tablename__ = "search_entries"
    #: Never changes what a widget shows (parvis.services.widget_cache).
    widget_cache_neutral = True
    __table_args__ = (
        UniqueConstraint("type", "object_id"),
        Index("ix_search_entries_tsv", "tsv", postgresql_using="gin"),
        Index("ix_search_entries_scope_date", "scope", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int] = mapped_column(BigInteger)
    space_id: Mapped[int] = mapped_column(index=True)
    module: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(96))
    title: Mapped[str] = mapped_column(Text, default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(index=True)
    date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    tsv: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
