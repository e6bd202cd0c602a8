"""In-app notifications."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g, has_request_context

from ..extensions import db
from ..models import Notification, utcnow


def notify(
    users: Iterable[Any],
    *,
    kind: str,
    title: str,
    url: str = "",
    actor: Any = None,
    space: Any = None,
) -> int:
    """Notify each of ``users`` (the actor is skipped); return how many were notified."""
    seen: set[int] = set()
    actor_id = getattr(actor, "id", None)
    for user in users:
        uid = getattr(user, "id", user)
        if uid in seen or uid == actor_id:
            continue
        seen.add(uid)
        db.session.add(
            Notification(
                user_id=uid,
                kind=kind,
                title=title[:255],
                url=url[:512],
                actor_id=actor_id,
                space_id=getattr(space, "id", None),
            )
        )
    return len(seen)


def unread_count(user: Any) -> int:
    """Unread notifications of ``user`` (cached per request)."""
    if has_request_context() and "_unread" in g:
        return g._unread
    count = db.session.scalar(
        db.select(db.func.count())
        .select_from(Notification)
        .filter_by(user_id=user.id, read_at=None)
    ) or 0
    if has_request_context():
        g._unread = count
    return count


def mark_read(user: Any, notification_id: int | None = None) -> None:
    """Mark one notification, or all of them, as read."""
    stmt = db.update(Notification).filter_by(user_id=user.id, read_at=None)
    if notification_id is not None:
        stmt = stmt.filter_by(id=notification_id)
    db.session.execute(stmt.values(read_at=utcnow()))
