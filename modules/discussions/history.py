"""Reading messages back: pages of a channel (cursors, never offsets), threads,
catch-up after a reconnection, pinned messages and search. Each is one query (plus
one ``exists`` for a page's "older" link)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parvis.extensions import db

from .models import Channel, Message

PAGE = 50
CATCH_UP_LIMIT = 200
MAX_SEARCH_TERMS = 8


@dataclass
class Window:
    """A page of messages in time order, and whether older/newer ones exist."""

    messages: list[Message] = field(default_factory=list)
    has_older: bool = False
    has_newer: bool = False


def _page(stmt: Any, *, before: int | None, after: int | None, limit: int) -> Window:
    if after is not None:
        rows = list(db.session.scalars(stmt.filter(Message.id > after).order_by(Message.id).limit(limit + 1)))
        window = Window(rows[:limit], has_newer=len(rows) > limit)
        if window.messages:
            first = window.messages[0].id
            window.has_older = db.session.scalar(
                db.select(stmt.filter(Message.id < first).exists())
            )
        return window
    if before is not None:
        stmt = stmt.filter(Message.id < before)
    rows = list(db.session.scalars(stmt.order_by(Message.id.desc()).limit(limit + 1)))
    return Window(list(reversed(rows[:limit])), has_older=len(rows) > limit, has_newer=before is not None)


def stream(
    channel: Channel, *, before: int | None = None, after: int | None = None, limit: int = PAGE
) -> Window:
    """Top-level messages of a channel: the latest, or those before/after an id."""
    stmt = db.select(Message).filter_by(channel_id=channel.id, thread_id=None)
    return _page(stmt, before=before, after=after, limit=limit)


def replies(
    root: Message, *, before: int | None = None, after: int | None = None, limit: int = PAGE
) -> Window:
    """Replies of a thread, same cursors as :func:`stream`."""
    stmt = db.select(Message).filter_by(thread_id=root.id)
    return _page(stmt, before=before, after=after, limit=limit)


def catch_up(channel: Channel, after_seq: int, limit: int = CATCH_UP_LIMIT) -> tuple[list[Message], bool]:
    """Every message of the channel (replies too) after ``after_seq``, in seq order."""
    rows = list(
        db.session.scalars(
            db.select(Message)
            .filter(Message.channel_id == channel.id, Message.seq > after_seq)
            .order_by(Message.seq)
            .limit(limit + 1)
        )
    )
    return rows[:limit], len(rows) > limit


def changed_since(
    channel: Channel, since: datetime, upto_seq: int, limit: int = CATCH_UP_LIMIT
) -> list[Message]:
    """Messages up to ``upto_seq`` changed (edited, deleted, reacted to) after ``since``."""
    return list(
        db.session.scalars(
            db.select(Message)
            .filter(
                Message.channel_id == channel.id,
                Message.seq <= upto_seq,
                Message.updated_at > since,
            )
            .order_by(Message.updated_at)
            .limit(limit)
        )
    )


def pinned(channel: Channel, limit: int = 20) -> list[Message]:
    """Pinned messages of a channel, newest first."""
    return list(
        db.session.scalars(
            db.select(Message)
            .filter_by(channel_id=channel.id, pinned=True, deleted_at=None)
            .order_by(Message.id.desc())
            .limit(limit)
        )
    )


def first_unread(channel: Channel, user: Any, last_seq: int) -> Message | None:
    """The oldest top-level message by someone else after ``last_seq``."""
    return db.session.scalar(
        db.select(Message)
        .filter(
            Message.channel_id == channel.id,
            Message.thread_id.is_(None),
            Message.seq > last_seq,
            Message.deleted_at.is_(None),
            db.or_(Message.author_id.is_(None), Message.author_id != user.id),
        )
        .order_by(Message.seq)
        .limit(1)
    )


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(space: Any, q: str, channel_ids: list[int], limit: int = 50) -> list[Message]:
    """Messages of these channels containing every word of ``q`` (newest first)."""
    terms = [t.lower() for t in (q or "").split() if t][:MAX_SEARCH_TERMS]
    if not terms or not channel_ids:
        return []
    stmt = db.select(Message).filter(
        Message.space_id == space.id,
        Message.channel_id.in_(channel_ids),
        Message.deleted_at.is_(None),
    )
    for term in terms:
        stmt = stmt.filter(db.func.lower(Message.body).like(f"%{_escape_like(term[:100])}%", escape="\\"))
    return list(db.session.scalars(stmt.order_by(Message.id.desc()).limit(limit)))
