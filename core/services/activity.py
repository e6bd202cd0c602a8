"""Activity records: what happened in a space, for its stream and analytics."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import Activity


def record(
    verb: str,
    *,
    actor: Any,
    space: Any,
    target_type: str | None = None,
    target_id: int | None = None,
    title: str = "",
    url: str = "",
) -> Activity:
    """Add an activity (``verb`` is namespaced: ``posts.published``)."""
    entry = Activity(
        verb=verb,
        actor_id=getattr(actor, "id", None),
        space_id=getattr(space, "id", None),
        target_type=target_type,
        target_id=target_id,
        title=title[:255],
        url=url[:512],
    )
    db.session.add(entry)
    return entry


def hidden_modules_clause(space: Any) -> Any:
    """A SQL condition leaving out the activities of the modules that are not enabled in
    ``space`` (their verbs are namespaced by module id: ``posts.published``); a module
    switched off hides its activity, switched on again it comes back."""
    from ..plugins.manager import current_platform
    from .spaces import enabled_modules

    enabled = {spec.id for spec, _row in enabled_modules(space)}
    hidden = [m for m in current_platform().modules if m not in enabled]
    if not hidden:
        return db.true()
    return db.not_(db.or_(*[Activity.verb.startswith(f"{m}.", autoescape=True) for m in hidden]))


def recent(space: Any, limit: int = 20) -> list[Activity]:
    """Latest activities of ``space`` with their actors (two queries), without those of
    modules that are not enabled in it."""
    return list(
        db.session.scalars(
            db.select(Activity)
            .filter_by(space_id=space.id)
            .filter(hidden_modules_clause(space))
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(limit)
            .options(db.selectinload(Activity.actor))
        )
    )
