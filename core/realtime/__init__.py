"""Real-time transport for every module: Flask-SocketIO behind a small public API.

Module authors use only what is exported here::

    from parvis.realtime import Rate, RealtimeError, get_hub, space_room

    def parvis_app_ready(app):
        hub = get_hub(app)
        if hub is not None:
            hub.on("links:watch", on_watch, schema=WatchSchema, rate=Rate(10, 1))

See docs/realtime.md for the events, rooms, authorisation rules and production set-up.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app

from .hub import (
    ERROR_EVENT,
    PRESENCE_EVENT,
    REVOKED_EVENT,
    Hub,
    RealtimeError,
    space_room,
    user_room,
)
from .ratelimit import Rate

__all__ = [
    "ERROR_EVENT",
    "PRESENCE_EVENT",
    "REVOKED_EVENT",
    "Hub",
    "Rate",
    "RealtimeError",
    "get_hub",
    "init_app",
    "space_room",
    "user_room",
]

#: Serves the vendored Socket.IO client and Parvis's small client helper.
bp = Blueprint("realtime", __name__, static_folder="static", static_url_path="/realtime/static")


def init_app(app: Flask) -> None:
    """Attach a :class:`Hub` (one Socket.IO server) to ``app`` unless switched off."""
    app.register_blueprint(bp)
    if not app.config.get("REALTIME_ENABLED", True):
        return
    hub = Hub(app)
    app.extensions["parvis_realtime"] = hub
    from .access import AccessHooks

    app.extensions["parvis"].pm.register(AccessHooks(hub), name="parvis.realtime")


def get_hub(app: Flask | None = None) -> Hub | None:
    """The app's hub (default: the current app's), or None when real time is off."""
    return (app or current_app).extensions.get("parvis_realtime")
