"""Tables of the discussions module: channels, messages (and their thread replies), reads.

Every message of a channel, thread replies included, takes the next ``seq`` of its
channel under a row lock on the channel (``Channel.last_seq``): within a channel, seq
order is commit order, so a client that saw seq ``n`` catches up with "after ``n``"
without gaps nor duplicates.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parvis.extensions import db
from parvis.models import User, UTCDateTime, utcnow

#: The longest message body accepted (characters).
MAX_BODY = 8000
MAX_CHANNEL_NAME = 80
MAX_TOPIC = 300


class Channel(db.Model):
    """A named stream of messages in a space (``général`` is created with the module)."""

    __tablename__ = "discussions_channels"
    __table_args__ = (
        UniqueConstraint("space_id", "name", name="uq_discussions_channels_space_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_CHANNEL_NAME))
    topic: Mapped[str] = mapped_column(String(MAX_TOPIC), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    space = relationship("Space")


class Message(db.Model):
    """A message; ``thread_id`` points at the message that started its thread."""

    __tablename__ = "discussions_messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "seq", name="uq_discussions_messages_channel_seq"),
        Index("ix_discussions_messages_channel_thread_id", "channel_id", "thread_id", "id"),
        Index("ix_discussions_messages_thread_id", "thread_id", "id"),
        Index("ix_discussions_messages_updated", "channel_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("discussions_channels.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussions_messages.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    last_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author = relationship(User, lazy="joined")
    channel = relationship(Channel)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ChannelRead(db.Model):
    """How far a member has read a channel (its ``seq``), for unread counts."""

    __tablename__ = "discussions_reads"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("discussions_channels.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
