"""Resolve ``<space_slug>`` in URLs to ``g.space`` and guard module routes.

Every route under ``/s/<space_slug>/...`` (core and module blueprints) passes here:
an unknown space, or a secret one the user may not see, answers 404; a module that is
switched off in the space (or platform-wide) answers 404 too; a private space's
content answers 403 to signed-in non-members; anonymous visitors are sent to log in.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, g, request
from flask_login import current_user

from .extensions import db, login_manager
from .models import Space
from .plugins.manager import current_platform
from .services.permissions import can_read_space, can_see_space

#: Core endpoints a signed-in non-member of a private space may open (to ask to join).
OUTSIDER_ENDPOINTS = {
    "spaces.home",
    "spaces.join",
    "api.get_space",
    "api.join_space",
    "media.space_image",
    "builder.accent_css",
}


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(_pull_space)
    app.url_defaults(_push_space)
    app.before_request(_guard_space)


def _pull_space(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and "space_slug" in values:
        g.space_slug = values.pop("space_slug")


def _push_space(endpoint: str, values: dict[str, Any]) -> None:
    if "space_slug" in values:
        return
    space = g.get("space")
    if space is not None and _expects_space(endpoint):
        values["space_slug"] = space.slug


def _expects_space(endpoint: str) -> bool:
    from flask import current_app

    for rule in current_app.url_map.iter_rules(endpoint):
        return "space_slug" in rule.arguments
    return False


def load_space(slug: str) -> Space:
    """The space ``slug`` if the current user may know it exists, else 404."""
    space = db.session.scalar(db.select(Space).filter_by(slug=slug))
    if space is None or not can_see_space(current_user, space):
        abort(404)
    return space


def module_enabled(space: Space, module_id: str) -> bool:
    """Is ``module_id`` installed, not blocked, and switched on in ``space``?"""
    if current_platform().module(module_id) is None:
        return False
    from .services.spaces import enabled_modules

    # Shares enabled_modules' per-request cache with the navigation (one query per page);
    # it also leaves out modules switched off platform-wide.
    return any(spec.id == module_id for spec, _row in enabled_modules(space))


def _guard_space():  # noqa: ANN202
    slug = g.pop("space_slug", None)
    if slug is None:
        return None
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        return login_manager.unauthorized()
    space = load_space(slug)
    g.space = space
    module_id = _module_of_request()
    if module_id is not None and not module_enabled(space, module_id):
        abort(404)
    if request.endpoint not in OUTSIDER_ENDPOINTS and not can_read_space(current_user, space):
        abort(403)
    return None


def _module_of_request() -> str | None:
    owners = current_platform().blueprint_owners
    for name in request.blueprints:
        if name in owners:
            return owners[name]
    return None
