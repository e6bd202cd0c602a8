"""Documents tables: folders, documents, their versions and share links.

A :class:`Document` is a file or a markdown note in a folder (or at the root). Every
upload or save is a :class:`DocumentVersion` that owns its stored object (its
``storage_key``, never derived from the user's file name); the document points at its
current one. Deleting moves to the trash (``deleted_at``); only purging removes rows
and stored bytes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parvis.extensions import db
from parvis.models import Space, User, UTCDateTime, utcnow

MAX_NAME = 255
#: Extracted text kept per version for the search index (characters).
MAX_TEXT = 100_000
#: Longest markdown note accepted (characters).
MAX_NOTE = 200_000


class DocFolder(db.Model):
    """A folder of a space's documents; ``parent_id`` None is the root level."""

    __tablename__ = "documents_folders"
    __table_args__ = (Index("ix_documents_folders_space_parent", "space_id", "parent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents_folders.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    name_key: Mapped[str] = mapped_column(String(MAX_NAME))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The folder whose trashing trashed this one too (restored with it).
    trashed_with_id: Mapped[int | None] = mapped_column()

    space: Mapped[Space] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Document(db.Model):
    """A file or a note; its bytes or text live in :attr:`current_version`."""

    __tablename__ = "documents_documents"
    __table_args__ = (
        Index("ix_documents_documents_space_folder", "space_id", "folder_id", "deleted_at"),
        Index("ix_documents_documents_space_updated", "space_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("documents_folders.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    #: Casefolded name: one live document per name and folder, and the sort key.
    name_key: Mapped[str] = mapped_column(String(MAX_NAME))
    #: ``file`` or ``note``.
    kind: Mapped[str] = mapped_column(String(16), default="file")
    content_type: Mapped[str] = mapped_column(String(128), default="application/octet-stream")
    #: ``image``, ``pdf``, ``text``, ``markdown``, ``csv``, ``note`` or ``none``.
    preview: Mapped[str] = mapped_column(String(16), default="none")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    version_count: Mapped[int] = mapped_column(default=0)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents_versions.id", use_alter=True, ondelete="SET NULL")
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    trashed_with_id: Mapped[int | None] = mapped_column()
    lock_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    space: Mapped[Space] = relationship()
    folder: Mapped[DocFolder | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    lock_owner: Mapped[User | None] = relationship(foreign_keys=[lock_owner_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])
    current_version: Mapped[DocumentVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_note(self) -> bool:
        return self.kind == "note"

    @property
    def lock_active(self) -> bool:
        """Is the document locked right now (an expired lock counts as none)?"""
        return bool(
            self.lock_owner_id and self.lock_expires_at and self.lock_expires_at > utcnow()
        )


class DocumentVersion(db.Model):
    """One upload (or one save of a note), kept for ever until the document is purged."""

    __tablename__ = "documents_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents_documents.id", ondelete="CASCADE"), index=True
    )
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    #: The stored bytes (files); None for note versions, whose text is in ``body``.
    storage_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    body: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(MAX_NAME))
    content_type: Mapped[str] = mapped_column(String(128))
    preview: Mapped[str] = mapped_column(String(16), default="none")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    thumb_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    #: Why there is no preview (``too_large``, ``corrupted``, ...), for the page.
    preview_note: Mapped[str | None] = mapped_column(String(32))
    #: Text extracted for the search index (PDF, text files), at most ``MAX_TEXT``.
    text_content: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    restored_from: Mapped[int | None] = mapped_column()

    document: Mapped[Document] = relationship(foreign_keys=[document_id])
    author: Mapped[User | None] = relationship()


class ShareLink(db.Model):
    """A read-only link to one document for people without an account.

    Only the SHA-256 of the token is stored: the token itself is shown once.
    """

    __tablename__ = "documents_share_links"
    #: Never changes what a widget shows (parvis.services.widget_cache).
    widget_cache_neutral = True

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents_documents.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downloads: Mapped[int] = mapped_column(default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[Document] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()
