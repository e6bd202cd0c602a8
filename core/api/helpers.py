"""Small helpers shared by the core API views (and usable by modules' API views)."""

from __future__ import annotations

from typing import Any

from flask import abort, g
from flask_login import current_user

from ..models import Space, User
from ..services.permissions import can
from ..services.spaces import SpaceError
from .endpoint import ApiError


def me() -> User:
    """The signed-in user (the real object, not Flask-Login's proxy)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def current_space() -> Space:
    """The space of a ``<space_slug>`` route, loaded and guarded by the core."""
    space = g.get("space")
    if space is None:
        abort(404)
    return space


def require(action: str, obj: Any = None) -> None:
    """403 unless the signed-in user may do ``action`` on ``obj``."""
    if not can(current_user, action, obj):
        abort(403)


def space_error(exc: SpaceError, status: int | None = None) -> ApiError:
    """A service's refusal as an API error: 422 naming the field, 409 for a state conflict."""
    field = getattr(exc, "field", None)
    if status is None:
        status = 422 if field and field != "status" else 409
    fields = {field: [str(exc)]} if field and status == 422 else None
    return ApiError(status, str(exc), fields)
