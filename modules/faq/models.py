"""Tables of the FAQ module: categories, entries and "was this helpful?" votes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parvis.extensions import db
from parvis.models import User, UTCDateTime, utcnow

#: Workflow of an entry: proposed -> answered -> published, or declined.
STATUSES = ("proposed", "answered", "published", "declined")
#: Statuses only the proposer and moderators may see.
PRIVATE_STATUSES = ("proposed", "answered", "declined")

QUESTION_MAX = 300
ANSWER_MAX = 50_000
CATEGORY_NAME_MAX = 120
REASON_MAX = 2_000
DETAILS_MAX = 5_000


class FaqCategory(db.Model):
    """A heading of a space's FAQ; ``position`` orders the categories."""

    __tablename__ = "faq_categories"
    __table_args__ = (Index("ix_faq_categories_space_position", "space_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(CATEGORY_NAME_MAX))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FaqEntry(db.Model):
    """A question and its markdown answer.

    ``author_id`` is whoever asked (the proposer, or the moderator who wrote the
    entry directly); ``details`` is the proposer's optional context.
    """

    __tablename__ = "faq_entries"
    __table_args__ = (
        Index("ix_faq_entries_space_status", "space_id", "status"),
        Index("ix_faq_entries_category", "category_id"),
        Index("ix_faq_entries_author", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("faq_categories.id", ondelete="SET NULL")
    )
    question: Mapped[str] = mapped_column(String(QUESTION_MAX))
    details: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Last change of the question, answer or status (votes do not count).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    category: Mapped[FaqCategory | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def anchor(self) -> str:
        """The stable fragment id of the entry on the FAQ page."""
        return f"q-{self.id}"


class FaqVote(db.Model):
    """One user's "was this helpful?" answer on one entry (changeable)."""

    __tablename__ = "faq_votes"
    __table_args__ = (UniqueConstraint("entry_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    helpful: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
