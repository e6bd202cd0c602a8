"""Who may find what, decided at query time from the database (never from the index).

The index stores each document's *scope*; this module computes the set of scopes a
user may read **now**, in three queries whatever the data size:

* module content of a space (``"<space_id>:<module>"``): the space is readable by the
  user (public, or a member; platform admins read everything) and the module is
  enabled there and installed;
* spaces: every space that is not secret (:data:`OPEN_SPACES_SCOPE`) plus the secret
  spaces the user belongs to (``"<id>:core"``);
* people (:data:`PEOPLE_SCOPE`): every signed-in user.

A member removed from a space loses its scopes on their next query: nothing waits for
the index to catch up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g, has_request_context

from ..extensions import db
from ..models import Membership, Space, SpaceModule
from ..plugins.manager import current_platform
from .documents import CORE_MODULE, OPEN_SPACES_SCOPE, PEOPLE_SCOPE


@dataclass
class Access:
    """The scopes a user may read, and the spaces behind them."""

    scopes: frozenset[str]
    #: Spaces whose content the user may read (id -> visibility).
    readable: dict[int, str] = field(default_factory=dict)
    #: Secret spaces the user may see.
    secret_visible: frozenset[int] = frozenset()

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def may_see_space(self, space: Any) -> bool:
        """May the user see ``space`` in results (current visibility, not the index's)?"""
        return space.visibility != "secret" or space.id in self.secret_visible


def _switched_off() -> set[str]:
    from ..models.platform import switched_off_modules

    return set(switched_off_modules())


def access_for(user: Any) -> Access:
    """The :class:`Access` of ``user`` (empty for anonymous or inactive users); cached per request."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Access(frozenset())
    cache = g.setdefault("_search_access", {}) if has_request_context() else {}
    if user.id in cache:
        return cache[user.id]
    if user.is_platform_admin:
        rows = db.session.execute(db.select(Space.id, Space.visibility)).all()
        readable = {sid: vis for sid, vis in rows}
        secret = frozenset(sid for sid, vis in rows if vis == "secret")
    else:
        member_of = db.select(Membership.space_id).filter(Membership.user_id == user.id)
        rows = db.session.execute(
            db.select(Space.id, Space.visibility).filter(
                db.or_(Space.visibility == "public", Space.id.in_(member_of))
            )
        ).all()
        member_ids = set(db.session.scalars(member_of))
        readable = {sid: vis for sid, vis in rows if vis == "public" or sid in member_ids}
        secret = frozenset(sid for sid, vis in rows if vis == "secret" and sid in member_ids)
    installed = set(current_platform().modules) - _switched_off()
    scopes = {OPEN_SPACES_SCOPE, PEOPLE_SCOPE}
    scopes.update(f"{sid}:{CORE_MODULE}" for sid in secret)
    if readable:
        enabled = db.session.execute(
            db.select(SpaceModule.space_id, SpaceModule.module_id).filter(
                SpaceModule.enabled.is_(True), SpaceModule.space_id.in_(list(readable))
            )
        ).all()
        scopes.update(f"{sid}:{mid}" for sid, mid in enabled if mid in installed)
    access = Access(frozenset(scopes), readable, secret)
    cache[user.id] = access
    return access
