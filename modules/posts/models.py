"""Posts, their tags and the post-tag association.

A post is visible to readers when ``status == "published"``, it is not hidden and its
``published_at`` is in the past (a future ``published_at`` is a scheduled post;
readers' queries filter on it, so no background job is needed). ``released_at``
records when the publication side effects (activity, mentions, announcement) ran.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parvis.extensions import db
from parvis.models import Attachment, Space, User, UTCDateTime, utcnow

#: Stored statuses; "scheduled" is derived (published with a future ``published_at``).
STATUSES = ("draft", "pending", "published")
TITLE_MAX = 200
BODY_MAX = 100_000
TAG_MAX = 40
TAGS_PER_POST = 10

post_tags = Table(
    "posts_post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts_posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("posts_tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    """A topic of a space's posts; ``slug`` is the normalised form used in URLs."""

    __tablename__ = "posts_tags"
    __table_args__ = (UniqueConstraint("space_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(TAG_MAX))
    slug: Mapped[str] = mapped_column(String(64))


class Post(db.Model):
    """A news item or blog post of a space, written in markdown."""

    __tablename__ = "posts_posts"
    __table_args__ = (
        Index("ix_posts_posts_feed", "space_id", "status", "pinned", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    pinned: Mapped[bool] = mapped_column(default=False)
    announcement: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    cover_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    space: Mapped[Space] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    cover: Mapped[Attachment | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by=Tag.name)

    @property
    def is_scheduled(self) -> bool:
        """Published, but with a publication date still in the future."""
        return (
            self.status == "published"
            and self.published_at is not None
            and self.published_at > utcnow()
        )

    @property
    def is_live(self) -> bool:
        """Visible to every reader of the space."""
        return self.status == "published" and not self.hidden and not self.is_scheduled

    @property
    def state(self) -> str:
        """draft, pending, scheduled or published (hidden is a separate flag)."""
        return "scheduled" if self.is_scheduled else self.status

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.title!r}>"
