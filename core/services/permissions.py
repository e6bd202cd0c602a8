"""Who may do what: ``can(user, action, obj)``.

An action is a dotted name (``space.invite``, ``posts.create``). Its default minimum
space role comes from the core list below or from the module's spec; a space may
override it (``SpacePermission``). Platform admins may do everything. Visibility
rules: a public space is readable by every signed-in user, a private one is listed
but its content is for members, a secret one does not exist for non-members.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context

from ..extensions import db
from ..i18n import N_
from ..models import Membership, Space, SpacePermission, role_rank
from ..plugins.manager import current_platform
from ..plugins.spec import Permission

CORE_PERMISSIONS: tuple[Permission, ...] = (
    Permission("space.read", N_("Read the space's content"), "guest"),
    Permission("space.comment", N_("Comment"), "member"),
    Permission("space.react", N_("React"), "member"),
    Permission("space.upload", N_("Upload attachments"), "member"),
    Permission("space.moderate", N_("Moderate content of others"), "moderator"),
    Permission("space.invite", N_("Invite people"), "admin"),
    Permission("space.manage_members", N_("Manage members and requests"), "admin"),
    Permission("space.settings", N_("Edit the space's settings"), "admin"),
    Permission("space.modules", N_("Switch modules on and off"), "admin"),
    Permission("space.delete", N_("Delete or archive the space"), "owner"),
)

#: Actions still allowed in an archived space.
READ_ONLY_ACTIONS = {"space.read"}


def all_permissions() -> dict[str, Permission]:
    """Every known action: core ones first, then each installed module's."""
    perms = {p.action: p for p in CORE_PERMISSIONS}
    for spec in current_platform().ordered_modules():
        for p in spec.permissions:
            perms[p.action] = p
    return perms


def _cache() -> dict[str, Any]:
    if not has_request_context():
        return {}
    if "_perm_cache" not in g:
        g._perm_cache = {}
    return g._perm_cache


def space_role(user: Any, space: Space) -> str | None:
    """The user's role in ``space`` (owner ... guest) or None; cached per request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cache = _cache()
    key = ("role", space.id, user.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            db.select(Membership.role).filter_by(space_id=space.id, user_id=user.id)
        )
    return cache[key]


def prime_roles(user: Any, roles: dict[int, str]) -> None:
    """Fill the per-request role cache (used by list pages to stay at one query)."""
    cache = _cache()
    for space_id, role in roles.items():
        cache[("role", space_id, user.id)] = role


def is_member(user: Any, space: Space) -> bool:
    return space_role(user, space) is not None


def can_see_space(user: Any, space: Space) -> bool:
    """May ``user`` know that ``space`` exists? (False means: answer 404.)"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_platform_admin or space.visibility != "secret":
        return True
    return is_member(user, space)


def can_read_space(user: Any, space: Space) -> bool:
    """May ``user`` read the space's content?"""
    if not can_see_space(user, space):
        return False
    if user.is_platform_admin or space.visibility == "public":
        return True
    return is_member(user, space)


def _overrides(space: Space) -> dict[str, str]:
    cache = _cache()
    key = ("overrides", space.id)
    if key not in cache:
        rows = db.session.execute(
            db.select(SpacePermission.action, SpacePermission.min_role).filter_by(space_id=space.id)
        ).all()
        cache[key] = dict(rows)
    return cache[key]


def min_role(space: Space, action: str) -> str:
    """The least role needed for ``action`` in ``space`` (override, then default).

    Guests are read-only for external people: an override can never open to guests
    an action whose default is above guest (it then needs at least a member).
    """
    perm = all_permissions().get(action)
    if perm is None:
        raise KeyError(f"unknown action {action!r}: declare it in the module spec")
    override = _overrides(space).get(action)
    if not override:
        return perm.default_role
    if override == "guest" and perm.default_role != "guest":
        return "member"
    return override


def _space_of(obj: Any) -> Space | None:
    if obj is None or isinstance(obj, Space):
        return obj
    space = getattr(obj, "space", None)
    if isinstance(space, Space):
        return space
    space_id = getattr(obj, "space_id", None)
    return db.session.get(Space, space_id) if space_id else None


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May ``user`` do ``action`` on ``obj`` (a space or an object with a ``space``)?"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    space = _space_of(obj)
    if space is None:
        return bool(user.is_platform_admin)
    # Archived means read-only for everyone, platform admins included (they reactivate
    # the space first, from its lifecycle page).
    if space.status == "archived" and action not in READ_ONLY_ACTIONS:
        return False
    if user.is_platform_admin:
        return True
    if action == "space.read":
        return can_read_space(user, space)
    role = space_role(user, space)
    if role is None:
        return False
    return role_rank(role) >= role_rank(min_role(space, action))


def can_edit_own(user: Any, obj: Any, moderate_action: str) -> bool:
    """Authors may edit their own objects while they may still write; moderators may edit all."""
    space = _space_of(obj)
    if can(user, moderate_action, space):
        return True
    author_id = getattr(obj, "author_id", None)
    return (
        author_id is not None
        and getattr(user, "id", None) == author_id
        and space is not None
        and space.status == "active"
        and role_rank(space_role(user, space)) >= role_rank("member")
    )
