"""``/spaces``: the list of spaces you may see, one space, its settings."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import and_, func, or_

from ...extensions import db
from ...models import Membership, Space
from ...services import audit
from ...services.permissions import can, can_read_space, prime_roles, space_role
from ...services.spaces import SpaceError, check_slug, enabled_modules
from .. import api_bp
from ..endpoint import ApiError, api_endpoint
from ..helpers import current_space, me, require, space_error
from ..pagination import Page, paginate
from ..schemas import Extra, SpaceDetailSchema, SpaceSchema, SpacesQuerySchema, SpaceUpdateSchema


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE wildcards in ``text`` escaped (use with ``escape="\\\\"``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def member_counts(space_ids: list[int]) -> dict[int, int]:
    """Members per space, for a page of spaces (one query)."""
    if not space_ids:
        return {}
    rows = db.session.execute(
        db.select(Membership.space_id, func.count())
        .filter(Membership.space_id.in_(space_ids))
        .group_by(Membership.space_id)
    ).all()
    return dict(rows)


@api_endpoint(
    api_bp, "/spaces", ["GET"], query=SpacesQuerySchema, response=SpaceSchema, paginated=True,
    tags=["spaces"],
)
def list_spaces(query: dict[str, Any]) -> Page:
    """Spaces you may see: public and private ones, and secret ones you belong to."""
    user = me()
    stmt = (
        db.select(Space, Membership.role)
        .outerjoin(Membership, and_(Membership.space_id == Space.id, Membership.user_id == user.id))
        .order_by(Space.name, Space.id)
    )
    if not user.is_platform_admin:
        stmt = stmt.filter(or_(Space.visibility != "secret", Membership.id.is_not(None)))
    if query.get("q"):
        pattern = like_pattern(query["q"])
        stmt = stmt.filter(
            or_(Space.name.ilike(pattern, escape="\\"), Space.slug.ilike(pattern, escape="\\"))
        )
    if query.get("visibility"):
        stmt = stmt.filter(Space.visibility == query["visibility"])
    if query.get("member") is True:
        stmt = stmt.filter(Membership.id.is_not(None))
    elif query.get("member") is False:
        stmt = stmt.filter(Membership.id.is_(None))
    page = paginate(stmt, query, scalars=False)
    prime_roles(user, {space.id: role for space, role in page.items})
    counts = member_counts([space.id for space, _ in page.items])
    page.items = [
        Extra(space, role=role, member_count=counts.get(space.id, 0)) for space, role in page.items
    ]
    return page


def space_detail(space: Space) -> Extra:
    """``space`` with your role, its member count, enabled modules and your permissions."""
    readable = can_read_space(current_user, space)
    return Extra(
        space,
        role=space_role(current_user, space),
        member_count=member_counts([space.id]).get(space.id, 0),
        enabled_modules=[spec.id for spec, _ in enabled_modules(space)] if readable else [],
        permissions={
            "read": readable,
            "settings": can(current_user, "space.settings", space),
            "modules": can(current_user, "space.modules", space),
            "invite": can(current_user, "space.invite", space),
            "manage_members": can(current_user, "space.manage_members", space),
        },
    )


@api_endpoint(
    api_bp, "/spaces/<space_slug>", ["GET"], response=SpaceDetailSchema, tags=["spaces"],
)
def get_space() -> Any:
    """One space (private spaces answer their card to non-members too)."""
    return space_detail(current_space())


def _choice_errors(body: dict[str, Any]) -> dict[str, list[str]]:
    from ...layouts import discover_layouts
    from ...themes import discover_themes

    errors: dict[str, list[str]] = {}
    if "layout" in body and body["layout"] not in discover_layouts():
        errors["layout"] = [gettext("Unknown layout.")]
    if "theme" in body and body["theme"] not in discover_themes(current_app):
        errors["theme"] = [gettext("Unknown theme.")]
    return errors


@api_endpoint(
    api_bp, "/spaces/<space_slug>", ["PATCH"], body=SpaceUpdateSchema, response=SpaceDetailSchema,
    tags=["spaces"], errors=[403],
)
def update_space(body: dict[str, Any]) -> Any:
    """Change the space's settings (needs the ``space.settings`` permission)."""
    space = current_space()
    require("space.settings", space)
    errors = _choice_errors(body)
    if "slug" in body and body["slug"] != space.slug:
        try:
            check_slug(body["slug"], exclude_space_id=space.id)
        except SpaceError as exc:
            errors.update(space_error(exc).fields or {})
    if errors:
        raise ApiError(422, gettext("Some values are invalid."), errors)
    changed = sorted(key for key, value in body.items() if getattr(space, key) != value)
    for key in changed:
        setattr(space, key, body[key])
    if changed:
        audit.record("space.settings_changed", actor=me(), space=space, details={"fields": changed})
    db.session.commit()
    return space_detail(space)
