"""Emoji reactions on any module object: a fixed, small palette, one per kind per user."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Reaction
from .content_errors import ContentError


class ReactionKind(NamedTuple):
    """An allowed reaction: the emoji character and its accessible label."""

    char: str
    label: Any


#: Allowed reactions in display order: key -> (emoji, label).
ALLOWED_REACTIONS: dict[str, ReactionKind] = {
    "like": ReactionKind("👍", _l("Like")),
    "love": ReactionKind("❤️", _l("Love")),
    "idea": ReactionKind("💡", _l("Good idea")),
    "thanks": ReactionKind("🙏", _l("Thanks")),
    "laugh": ReactionKind("😄", _l("Funny")),
}


def toggle_reaction(*, user: Any, target_type: str, target_id: int, emoji: str) -> bool:
    """Add ``user``'s ``emoji`` reaction, or remove it if present; True when added.

    The caller checks the target is visible and that ``user`` may react; it commits.
    """
    if emoji not in ALLOWED_REACTIONS:
        raise ContentError(gettext("This reaction is not available."), "emoji")
    target_id = int(target_id)
    existing = db.session.scalar(
        db.select(Reaction).filter_by(
            target_type=target_type, target_id=target_id, user_id=user.id, emoji=emoji
        )
    )
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                Reaction(target_type=target_type, target_id=target_id, user_id=user.id, emoji=emoji)
            )
    except IntegrityError:
        # A concurrent click added it first: the reaction is there, as asked.
        return True
    return True


def reaction_summary(
    target_type: str, ids: Iterable[int], user: Any
) -> dict[int, list[tuple[str, int, bool]]]:
    """Per target id, ``(emoji key, count, mine)`` in palette order; one query.

    Every id is present (an empty list when nobody reacted).
    """
    ids = [int(i) for i in ids]
    summary: dict[int, list[tuple[str, int, bool]]] = {i: [] for i in ids}
    if not ids:
        return summary
    user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
    mine = db.func.sum(db.case((Reaction.user_id == user_id, 1), else_=0)) if user_id else db.literal(0)
    rows = db.session.execute(
        db.select(Reaction.target_id, Reaction.emoji, db.func.count(), mine)
        .filter(Reaction.target_type == target_type, Reaction.target_id.in_(ids))
        .group_by(Reaction.target_id, Reaction.emoji)
    ).all()
    order = {key: n for n, key in enumerate(ALLOWED_REACTIONS)}
    for target_id, emoji, count, own in rows:
        if emoji in order:
            summary[target_id].append((emoji, int(count), bool(own)))
    for items in summary.values():
        items.sort(key=lambda item: order[item[0]])
    return summary


def delete_for(target_type: str, ids: Iterable[int]) -> int:
    """Delete every reaction on these targets (a module deleting its objects calls it)."""
    ids = [int(i) for i in ids]
    if not ids:
        return 0
    result = db.session.execute(
        db.delete(Reaction).where(Reaction.target_type == target_type, Reaction.target_id.in_(ids))
    )
    return result.rowcount or 0
