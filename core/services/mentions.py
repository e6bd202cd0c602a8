"""``@username`` mentions: notify the people a text names, if they may read it."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import Membership, User
from . import notifications
from .markdown import mentioned_usernames
from .permissions import can, prime_roles

#: At most this many handles of one text are looked at (no notification storms).
MAX_MENTIONS = 50


def mentioned_users(text: str, limit: int = MAX_MENTIONS) -> list[User]:
    """Active users named by ``@handle`` in ``text`` (one query)."""
    handles = sorted(mentioned_usernames(text))[:limit]
    if not handles:
        return []
    return list(
        db.session.scalars(
            db.select(User)
            .filter(db.func.lower(User.username).in_(handles), User.active.is_(True))
            .order_by(User.id)
        )
    )


def notify_mentions(*, text: str, space: Any, actor: Any, title: str, url: str) -> list[User]:
    """Notify the users ``text`` mentions who may read ``space``; return them.

    The actor is never notified; users who may not read the space (non-members of a
    private or secret space) are silently skipped, so a mention never leaks content.
    Callers commit.
    """
    users = [u for u in mentioned_users(text) if u.id != getattr(actor, "id", None)]
    if not users:
        return []
    roles = dict(
        db.session.execute(
            db.select(Membership.user_id, Membership.role).filter(
                Membership.space_id == space.id,
                Membership.user_id.in_([u.id for u in users]),
            )
        ).all()
    )
    for user in users:
        prime_roles(user, {space.id: roles.get(user.id)})
    readers = [u for u in users if can(u, "space.read", space)]
    notifications.notify(readers, kind="mention", title=title, url=url, actor=actor, space=space)
    return readers
