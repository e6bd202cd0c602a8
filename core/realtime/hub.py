"""The real-time hub of one app: Socket.IO, authorised rooms, checked events.

One :class:`Hub` per app (``app.extensions["parvis_realtime"]``), holding one
Flask-SocketIO server (``app.extensions["socketio"]``) in threading mode (or gevent's,
see :mod:`.async_mode`), with Redis as message queue when ``SOCKETIO_MESSAGE_QUEUE``
(or ``REDIS_URL``) is set.

* A connection is accepted only with a live server-side session (or an API token);
  every event loads the user again, so an ended session is refused at its next event.
* Modules declare events with :meth:`Hub.on`: the payload must be a JSON object, at
  most ``REALTIME_MAX_EVENT_BYTES`` long, valid for the event's marshmallow schema and
  within the user's token bucket, before the handler runs. A refused event answers
  ``{"ok": false, "error": {"code", "message"}}`` and emits ``parvis:error`` to the
  sender; it never reaches anybody else and never crashes the worker.
* Rooms belong to a space: :meth:`Hub.join` checks that the user may read the space
  (and the module's own check) first. The core drops a user's rooms in a space as
  soon as they lose access (``parvis_member_removed``, ``parvis_space_access_changed``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import gettext
from flask_login import current_user
from flask_socketio import SocketIO, join_room, leave_room
from marshmallow import RAISE, Schema, ValidationError

from ..extensions import db
from ..models import Membership, User
from ..services.permissions import can, prime_roles
from .async_mode import resolve_async_mode
from .ratelimit import Rate, RedisTokenBuckets, TokenBuckets
from .registry import Entry, MemoryRegistry, RedisRegistry

log = logging.getLogger(__name__)

#: Events the core itself sends to clients.
ERROR_EVENT = "parvis:error"
PRESENCE_EVENT = "parvis:presence"
REVOKED_EVENT = "parvis:access_revoked"


class RealtimeError(Exception):
    """Raise from an event handler to refuse the event with a clear message."""

    def __init__(self, message: str, code: str = "refused", fields: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields


def space_room(space_id: int, key: str | None = None) -> str:
    """The name of a room of a space: ``space:12`` or ``space:12:discussions:channel:3``."""
    return f"space:{space_id}" if key is None else f"space:{space_id}:{key}"


def user_room(user_id: int) -> str:
    """The private room every connection of a user joins (for personal events)."""
    return f"user:{user_id}"


@dataclass(frozen=True)
class EventSpec:
    """A declared client event: its handler, payload schema and rate."""

    name: str
    handler: Callable[[dict[str, Any]], dict[str, Any] | None]
    schema: type[Schema] | Schema | None = None
    rate: Rate | None = None
    bucket: str = ""
    max_bytes: int | None = None


class Hub:
    """Socket.IO for one app, with the authorisation rules above."""

    def __init__(self, app: Flask) -> None:
        cfg = app.config
        queue = cfg.get("SOCKETIO_MESSAGE_QUEUE") or cfg.get("REDIS_URL") or None
        self.app = app
        self.queue = queue
        self.max_bytes = int(cfg.get("REALTIME_MAX_EVENT_BYTES", 16384))
        self.socketio = SocketIO(
            app,
            async_mode=resolve_async_mode(cfg),
            message_queue=queue,
            channel=cfg.get("SOCKETIO_CHANNEL", "parvis-socketio"),
            cors_allowed_origins=cfg.get("SOCKETIO_CORS_ALLOWED_ORIGINS"),
            ping_interval=int(cfg.get("SOCKETIO_PING_INTERVAL", 25)),
            ping_timeout=int(cfg.get("SOCKETIO_PING_TIMEOUT", 20)),
            # Co-editing updates (docs/coedit.md) travel base64-encoded: allow the largest.
            max_http_buffer_size=max(
                self.max_bytes * 4, 65536, 4 * (int(cfg.get("COEDIT_MAX_UPDATE_BYTES", 262144)) + 2) // 3 + 4096
            ),
            logger=bool(cfg.get("SOCKETIO_LOGGER", False)),
            engineio_logger=bool(cfg.get("SOCKETIO_LOGGER", False)),
        )
        channel = cfg.get("SOCKETIO_CHANNEL", "parvis-socketio")
        self.registry = RedisRegistry(queue, channel=channel) if queue else MemoryRegistry()
        self.buckets = RedisTokenBuckets(queue, channel=channel) if queue else TokenBuckets()
        self.events: dict[str, EventSpec] = {}
        self.socketio.on_event("connect", self._on_connect)
        self.socketio.on_event("disconnect", self._on_disconnect)
        self.on("parvis:presence", self._presence_list, schema=_PresenceSchema)

    # -- declaring events ---------------------------------------------------------

    def on(
        self,
        name: str,
        handler: Callable[[dict[str, Any]], dict[str, Any] | None],
        *,
        schema: type[Schema] | Schema | None = None,
        rate: Rate | None = None,
        bucket: str | None = None,
        max_bytes: int | None = None,
    ) -> None:
        """Declare the client event ``name`` (namespace it: ``discussions:send``).

        ``handler(payload)`` runs with ``current_user`` signed in and ``request.sid``
        set; it returns a dict merged into the acknowledgement ``{"ok": true, ...}``
        or raises :class:`RealtimeError`. ``rate`` limits it per user (events sharing a
        ``bucket`` share their tokens).
        """
        if name in self.events:
            raise ValueError(f"real-time event {name!r} declared twice")
        spec = EventSpec(name, handler, schema, rate, bucket or name, max_bytes)
        self.events[name] = spec

        def dispatch(*args: Any) -> dict[str, Any]:
            return self._dispatch(spec, args)

        dispatch.__name__ = f"rt_{name}"
        self.socketio.on_event(name, dispatch)

    # -- rooms --------------------------------------------------------------------

    def join(self, space: Any, key: str, allowed: bool = True) -> str:
        """Put the current connection in ``key``'s room of ``space``; return its name.

        Refused (``not_found``) unless the user may read the space and ``allowed``
        (the module's own check) is true. Also joins the space room, where presence
        changes are announced.
        """
        return self.join_all(space, [key], allowed)[0]

    def join_all(self, space: Any, keys: Iterable[str], allowed: bool = True) -> list[str]:
        """Put the current connection in the room of each of ``keys`` of ``space`` after
        one access check (as :meth:`join`); return the rooms' names."""
        user = current_user._get_current_object()
        if not allowed or not can(user, "space.read", space):
            raise RealtimeError(gettext("This content does not exist or is not visible."), "not_found")
        sid = request.sid
        was_online = self.is_online(space.id, user.id)
        rooms = [space_room(space.id, key) for key in keys]
        for name in (space_room(space.id), *rooms):
            join_room(name)
            self.registry.add(space.id, Entry(sid, user.id, name))
        if not was_online:
            self._announce(space.id, user.id, True, name=user.name)
        return rooms

    def leave(self, space_id: int, key: str) -> None:
        """Take the current connection out of ``key``'s room of the space."""
        room = space_room(space_id, key)
        leave_room(room)
        self.registry.remove(space_id, request.sid, room)

    def is_online(self, space_id: int, user_id: int) -> bool:
        """Has ``user_id`` at least one connection in a room of the space?"""
        return self.registry.is_online(space_id, user_id)

    def online_user_ids(self, space_id: int) -> list[int]:
        """Ids of the users connected to the space, in every worker process."""
        return self.registry.online_user_ids(space_id)

    def in_space(self, space_id: int, sid: str | None = None) -> bool:
        """Is the connection (default: current) in a room of the space?"""
        return bool(self.registry.rooms_of(sid or request.sid, space_id))

    # -- sending ------------------------------------------------------------------

    def emit(self, event: str, data: Any, *, room: str, skip_sid: str | None = None) -> None:
        """Send ``event`` to every connection in ``room`` (every process). Call after commit."""
        self.socketio.emit(event, data, to=room, skip_sid=skip_sid)

    def emit_to_space(self, space_id: int, key: str, event: str, data: Any) -> None:
        """Send ``event`` to ``key``'s room of a space."""
        self.emit(event, data, room=space_room(space_id, key))

    def emit_to_user(self, user_id: int, event: str, data: Any) -> None:
        """Send ``event`` to every connection of one user."""
        self.emit(event, data, room=user_room(user_id))

    # -- access changes -----------------------------------------------------------

    def revoke(self, space_id: int, user_ids: Iterable[int]) -> int:
        """Make every connection of these users leave the space's rooms; return how many."""
        users = set(user_ids)
        sids: set[str] = set()
        for entry in self.registry.entries(space_id):
            if entry.user_id not in users:
                continue
            self.socketio.server.leave_room(entry.sid, entry.room, namespace="/")
            self.registry.remove(space_id, entry.sid, entry.room)
            sids.add(entry.sid)
        for sid in sids:
            self.socketio.emit(REVOKED_EVENT, {"space_id": space_id}, to=sid)
        for user_id in users:
            self._announce(space_id, user_id, False)
        return len(sids)

    def revoke_after_commit(self, space_id: int, user_ids: Iterable[int]) -> None:
        """:meth:`revoke` once the current transaction commits."""
        from sqlalchemy import event

        users = list(user_ids)
        session = db.session()

        def _after_commit(_session: Any) -> None:
            self.revoke(space_id, users)

        event.listen(session, "after_commit", _after_commit, once=True)

    def recheck_space(self, space: Any) -> int:
        """Drop the connections of users who may no longer read ``space``."""
        user_ids = {e.user_id for e in self.registry.entries(space.id)}
        if not user_ids:
            return 0
        users = db.session.scalars(db.select(User).filter(User.id.in_(user_ids))).all()
        roles = dict(
            db.session.execute(
                db.select(Membership.user_id, Membership.role).filter(
                    Membership.space_id == space.id, Membership.user_id.in_(user_ids)
                )
            ).all()
        )
        lost = set(user_ids) - {u.id for u in users}
        for user in users:
            prime_roles(user, {space.id: roles.get(user.id)})
            if not can(user, "space.read", space):
                lost.add(user.id)
        return self.revoke(space.id, lost) if lost else 0

    def end_sessions(self, user_id: int, *, only: str | None = None, keep: str | None = None) -> int:
        """Disconnect at once the connections of ``user_id`` opened with the server-side
        session ``only`` (logout), or with any session but ``keep`` (password change,
        "end my other sessions"), in every process; return how many were cut.

        A connection authenticated by an API token has no session: only ``keep``-less
        calls (every session ended) cut it.
        """
        cut = 0
        for entry in self.registry.entries(_sessions_bucket(user_id)):
            session_id = entry.room.removeprefix("session:")
            if only is not None and session_id != only:
                continue
            if keep is not None and session_id == keep:
                continue
            # The owning process's disconnect handler forgets the connection and
            # announces the user offline in its spaces.
            self.socketio.server.disconnect(entry.sid, namespace="/")
            cut += 1
        return cut

    # -- internals ----------------------------------------------------------------

    def _announce(self, space_id: int, user_id: int, online: bool, name: str | None = None) -> None:
        if not online and self.is_online(space_id, user_id):
            return
        data: dict[str, Any] = {"space_id": space_id, "user_id": user_id, "online": online}
        if online:
            data["name"] = name
        self.emit(PRESENCE_EVENT, data, room=space_room(space_id))

    def _on_connect(self, auth: Any = None) -> bool:
        _fresh_request_state()
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("unauthorized")
        join_room(user_room(current_user.id))
        session_id = getattr(current_user, "current_session_id", None) or ""
        self.registry.add(_sessions_bucket(current_user.id), Entry(request.sid, current_user.id, f"session:{session_id}"))
        return True

    def _on_disconnect(self, *_args: Any) -> None:
        sid = request.sid
        for space_id, user_id in self.registry.forget(sid).items():
            if space_id > 0:
                self._announce(space_id, user_id, False)

    def _presence_list(self, payload: dict[str, Any]) -> dict[str, Any]:
        space_id = payload["space_id"]
        if not self.in_space(space_id):
            raise RealtimeError(gettext("This content does not exist or is not visible."), "not_found")
        ids = self.online_user_ids(space_id)
        users = db.session.scalars(db.select(User).filter(User.id.in_(ids)).order_by(User.name))
        return {"users": [{"id": u.id, "name": u.name} for u in users]}

    def _refuse(self, event: str, exc: RealtimeError) -> dict[str, Any]:
        error: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.fields:
            error["fields"] = exc.fields
        self.socketio.emit(ERROR_EVENT, {"event": event, **error}, to=request.sid)
        return {"ok": False, "error": error}

    def _validate(self, spec: EventSpec, args: tuple[Any, ...]) -> dict[str, Any]:
        if len(args) > 1 or (args and not isinstance(args[0], dict)):
            raise RealtimeError(gettext("This event's data must be one JSON object."), "invalid")
        data = args[0] if args else {}
        limit = spec.max_bytes or self.max_bytes
        try:
            size = len(json.dumps(data, ensure_ascii=False).encode())
        except (TypeError, ValueError):
            raise RealtimeError(gettext("This event's data is not valid JSON."), "invalid") from None
        if size > limit:
            raise RealtimeError(
                gettext("This message is too long (at most %(n)s bytes).", n=limit), "too_large"
            )
        if spec.schema is None:
            return data
        schema = spec.schema() if isinstance(spec.schema, type) else spec.schema
        try:
            return schema.load(data, unknown=RAISE)
        except ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
            first = next(iter(messages.values()), [""])
            text = first[0] if isinstance(first, list) and first else str(first)
            raise RealtimeError(str(text) or gettext("Invalid data."), "invalid", messages) from None

    def _dispatch(self, spec: EventSpec, args: tuple[Any, ...]) -> dict[str, Any]:
        _fresh_request_state()
        user = current_user._get_current_object()
        if not user.is_authenticated:
            result = self._refuse(
                spec.name,
                RealtimeError(gettext("Your session has ended: sign in again."), "unauthorized"),
            )
            self.socketio.server.disconnect(request.sid, namespace="/")
            return result
        try:
            payload = self._validate(spec, args)
            limited = spec.rate is not None and current_app.config.get("REALTIME_RATE_LIMIT_ENABLED", True)
            if limited and not self.buckets.allow(user.id, spec.bucket, spec.rate):
                raise RealtimeError(
                    gettext("You are sending too fast: wait a few seconds."), "rate_limited"
                )
            result = spec.handler(payload) or {}
            return {"ok": True, **result}
        except RealtimeError as exc:
            db.session.rollback()
            return self._refuse(spec.name, exc)
        except Exception:
            db.session.rollback()
            if current_app.config.get("REALTIME_PROPAGATE_EXCEPTIONS"):
                raise
            log.exception("real-time event %s failed", spec.name)
            return self._refuse(
                spec.name, RealtimeError(gettext("Something went wrong: try again."), "server_error")
            )


class _PresenceSchema(Schema):
    from marshmallow import fields as _f

    space_id = _f.Integer(required=True, strict=True, validate=lambda v: 0 < v < 2**31)


def _sessions_bucket(user_id: int) -> int:
    """The registry key holding a user's connections and their sessions (negative: never
    a space id, so presence and room clean-up ignore it)."""
    return -int(user_id)


def _fresh_request_state() -> None:
    """Start each event with an empty ``g`` (signed-in user, role caches), as a request."""
    g.__dict__.clear()
