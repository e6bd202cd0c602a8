"""Live co-editing storage: the live documents, their update log, revision co-authors.

A live document's state is ``snapshot`` merged with every row of its update log whose
id is above ``snapshot_upto`` (rows at or below it may linger a moment after a
compaction; applying them again is harmless: CRDT updates are idempotent). See
docs/coedit.md.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

#: Log ids are 64-bit on PostgreSQL; on SQLite an INTEGER primary key is the rowid.
LogId = BigInteger().with_variant(Integer(), "sqlite")


class CoeditDocument(db.Model):
    """The live (CRDT) document of one co-editable text, ``(kind, object_id)``."""

    __tablename__ = "coedit_documents"
    #: Never changes what a widget shows (parvis.services.widget_cache).
    widget_cache_neutral = True
    __table_args__ = (
        UniqueConstraint("kind", "object_id"),
        Index("ix_coedit_documents_dirty_updated", "dirty", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int] = mapped_column(BigInteger)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    #: Encoded state (a Yjs update v1) covering every log row up to ``snapshot_upto``.
    snapshot: Mapped[bytes] = mapped_column(LargeBinary, default=b"", deferred=True)
    snapshot_upto: Mapped[int] = mapped_column(LogId, default=0)
    #: Rows and bytes of the log above ``snapshot_upto`` (compaction thresholds).
    log_count: Mapped[int] = mapped_column(default=0)
    log_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The stored revision the live text started from, or was last cut to.
    revision_key: Mapped[str | None] = mapped_column(String(64))
    #: Changes not yet cut into a revision.
    dirty: Mapped[bool] = mapped_column(default=False)
    #: The log id the last revision cut covers.
    cut_upto: Mapped[int] = mapped_column(LogId, default=0)
    #: Ids of the users whose updates are not yet cut, the most recent last (survives compaction).
    authors: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CoeditUpdate(db.Model):
    """One accepted update (append-only; compaction deletes the rows a snapshot covers)."""

    __tablename__ = "coedit_updates"
    __table_args__ = (
        Index("ix_coedit_updates_doc_id_id", "doc_id", "id"),
        # SQLite must never reuse the id of a deleted (compacted) row.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(LogId, primary_key=True)
    doc_id: Mapped[int] = mapped_column(ForeignKey("coedit_documents.id", ondelete="CASCADE"))
    #: None for updates made by the server (the text stored outside co-editing).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CoeditCoauthor(db.Model):
    """A co-author of a revision cut from co-editing (for history pages)."""

    __tablename__ = "coedit_coauthors"
    __table_args__ = (UniqueConstraint("kind", "object_id", "revision_key", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int] = mapped_column(BigInteger)
    revision_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
