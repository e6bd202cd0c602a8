"""The co-editing Socket.IO events (protocol: docs/coedit.md).

Every event is authorised: ``coedit:join`` checks that the user may read the space,
that the module is enabled there and the kind's ``can_read``, then enters the room
through :meth:`Hub.join` (so the core's revocation applies). The other events need the
connection to have joined the document *and* still be in its room (a removed member is
taken out by the core at once); writes also need the kind's ``can_edit``, checked again
at most every :data:`RIGHTS_TTL` seconds.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

from flask import current_app, request
from flask_babel import gettext
from flask_login import current_user
from marshmallow import Schema, fields, validate

from ..realtime import Rate, RealtimeError, space_room
from ..services.permissions import can
from ..space_context import module_enabled
from . import store
from .kinds import CoeditKind, parse_doc_key
from .service import CoeditService, Session, UpdateRefused, hold_connection
from .sweeper import autostart

#: Seconds a connection's edit right is trusted before it is checked again.
RIGHTS_TTL = 5.0
#: Largest awareness (cursor) update, decoded.
MAX_AWARENESS_BYTES = 4096


class _DocSchema(Schema):
    doc = fields.String(required=True, validate=validate.Length(min=3, max=80))


class JoinSchema(_DocSchema):
    sv = fields.String(load_default=None, allow_none=True)


class UpdateSchema(_DocSchema):
    update = fields.String(required=True, validate=validate.Length(min=1))


class SyncSchema(_DocSchema):
    sv = fields.String(required=True)


class SaveSchema(_DocSchema):
    summary = fields.String(load_default="", validate=validate.Length(max=255))


def _b64len(size: int) -> int:
    return 4 * ((size + 2) // 3)


def _not_found() -> RealtimeError:
    return RealtimeError(gettext("This content does not exist or is not visible."), "not_found")


def _decode(value: Any) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise RealtimeError(gettext("This data is not valid base64."), "invalid") from None


def may_read(user: Any, kind: CoeditKind, target: Any) -> bool:
    """May ``user`` read the text? (space, module enabled, the kind's own check)."""
    space = getattr(target, "space", None)
    return (
        space is not None
        and can(user, "space.read", space)
        and module_enabled(space, kind.module_id)
        and bool(kind.can_read(user, target))
    )


class Handlers:
    """The event handlers, bound to one service."""

    def __init__(self, hub: Any, service: CoeditService) -> None:
        self.hub = hub
        self.service = service

    # -- helpers ------------------------------------------------------------------

    def _kind_and_id(self, key: str) -> tuple[CoeditKind, int]:
        parsed = parse_doc_key(key)
        kind = self.service.kind(parsed[0]) if parsed else None
        if kind is None or parsed is None:
            raise _not_found()
        return kind, parsed[1]

    def _session(self, key: str) -> tuple[Session, CoeditKind, int]:
        """The connection's session of ``key`` if it joined and is still in the room."""
        kind, object_id = self._kind_and_id(key)
        sid = request.sid
        with self.service.sessions_lock:
            session = self.service.sessions.get((sid, key))
        room = space_room(session.space_id, f"coedit:{key}") if session else None
        if session is None or room not in self.hub.registry.rooms_of(sid, session.space_id):
            with self.service.sessions_lock:
                self.service.sessions.pop((sid, key), None)
            raise _not_found()
        return session, kind, object_id

    def _recheck(self, session: Session, kind: CoeditKind, object_id: int, key: str, *, force: bool = False) -> None:
        if not force and time.monotonic() - session.checked_at < RIGHTS_TTL:
            return
        user = current_user._get_current_object()
        target = kind.load(object_id)
        if target is None or not may_read(user, kind, target):
            with self.service.sessions_lock:
                self.service.sessions.pop((request.sid, key), None)
            self.hub.leave(session.space_id, f"coedit:{key}")
            raise _not_found()
        session.can_edit = bool(kind.can_edit(user, target))
        session.checked_at = time.monotonic()

    def _live(self, kind: CoeditKind, object_id: int) -> Any:
        live = self.service.open(kind, object_id)
        if live is None:
            raise _not_found()
        return live

    # -- events -------------------------------------------------------------------

    def join(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``coedit:join``: enter the room; answer the server state diffed against ``sv``."""
        key = payload["doc"]
        kind, object_id = self._kind_and_id(key)
        target = kind.load(object_id)
        if target is None:
            raise _not_found()
        user = current_user._get_current_object()
        self.hub.join(target.space, f"coedit:{key}", allowed=may_read(user, kind, target))
        can_edit = bool(kind.can_edit(user, target))
        sv = _decode(payload["sv"]) if payload.get("sv") else None
        live = self.service.open(kind, object_id, target)
        row = store.read_row(live.doc_id)
        if not row.dirty and row.revision_key != target.revision_key:
            # The stored text changed outside co-editing: follow it with a diff update.
            self.service.stored_text_changed(kind, object_id, target.text, target.revision_key)
            live = self._live(kind, object_id)
            row = store.read_row(live.doc_id)
        hold_connection()
        with live.lock:
            store.catch_up(live, row.snapshot_upto)
            try:
                update = live.doc.get_update(sv) if sv is not None else live.doc.get_update()
            except ValueError:
                raise RealtimeError(gettext("This state vector is not valid."), "invalid") from None
            state = live.doc.get_state()
            live.touch()
        with self.service.sessions_lock:
            self.service.sessions[(request.sid, key)] = Session(live.space_id, can_edit, time.monotonic())
        autostart(self.service)
        return {
            "doc": key,
            "update": base64.b64encode(update).decode("ascii"),
            "sv": base64.b64encode(state).decode("ascii"),
            "can_edit": can_edit,
            "revision": row.revision_key,
        }

    def update(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``coedit:update``: store (commit) then broadcast; acked only once stored."""
        key = payload["doc"]
        session, kind, object_id = self._session(key)
        data = _decode(payload["update"])
        limit = int(current_app.config["COEDIT_MAX_UPDATE_BYTES"])
        if len(data) > limit:
            self._reset(key)
            raise RealtimeError(gettext("This change is too large (at most %(n)s bytes).", n=limit), "too_large")
        self._recheck(session, kind, object_id, key)
        if not session.can_edit:
            raise RealtimeError(gettext("You may read this text but not edit it."), "forbidden")
        live = self._live(kind, object_id)
        try:
            count, size = self.service.accept(live, current_user.id, data)
        except UpdateRefused as exc:
            if exc.code == "too_large":
                self._reset(key)
                raise RealtimeError(
                    gettext("This text would be too long (at most %(n)s characters).", n=kind.max_chars),
                    "too_large",
                ) from None
            raise RealtimeError(gettext("This change is not a valid document update."), "invalid") from None
        self.hub.emit("coedit:update", {"doc": key, "update": payload["update"]},
                      room=space_room(live.space_id, live.room_key), skip_sid=request.sid)
        self.service.maybe_compact(live, count, size)
        return {}

    def awareness(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``coedit:awareness``: relay cursors to the room (readers too); never stored."""
        key = payload["doc"]
        session, _kind, _object_id = self._session(key)
        data = _decode(payload["update"])
        if len(data) > MAX_AWARENESS_BYTES:
            raise RealtimeError(
                gettext("This message is too long (at most %(n)s bytes).", n=MAX_AWARENESS_BYTES), "too_large"
            )
        self.hub.emit("coedit:awareness", {"doc": key, "update": payload["update"]},
                      room=space_room(session.space_id, f"coedit:{key}"), skip_sid=request.sid)
        return {}

    def sync(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``coedit:sync``: what the server has that the client's state vector lacks."""
        key = payload["doc"]
        session, kind, object_id = self._session(key)
        self._recheck(session, kind, object_id, key)
        sv = _decode(payload["sv"])
        live = self._live(kind, object_id)
        hold_connection()
        with live.lock:
            store.catch_up(live)
            try:
                update = live.doc.get_update(sv)
            except ValueError:
                raise RealtimeError(gettext("This state vector is not valid."), "invalid") from None
            state = live.doc.get_state()
            live.touch()
        return {"update": base64.b64encode(update).decode("ascii"), "sv": base64.b64encode(state).decode("ascii")}

    def save(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``coedit:save``: cut a revision now (editors only)."""
        key = payload["doc"]
        session, kind, object_id = self._session(key)
        self._recheck(session, kind, object_id, key, force=True)
        if not session.can_edit:
            raise RealtimeError(gettext("You may read this text but not edit it."), "forbidden")
        revision = self.service.cut(kind, object_id, current_user._get_current_object(), payload["summary"])
        return {"revision": revision}

    def leave(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``coedit:leave``: leave the room (harmless when not joined)."""
        key = payload["doc"]
        with self.service.sessions_lock:
            session = self.service.sessions.pop((request.sid, key), None)
        if session is not None:
            self.hub.leave(session.space_id, f"coedit:{key}")
        return {}

    def _reset(self, key: str) -> None:
        """Tell the sender its document holds a refused change: discard it and re-join."""
        self.hub.emit("coedit:reset", {"doc": key}, room=request.sid)


def register(hub: Any, service: CoeditService) -> Handlers:
    """Declare the ``coedit:*`` events on ``hub``."""
    handlers = Handlers(hub, service)
    limit = int(hub.app.config.get("COEDIT_MAX_UPDATE_BYTES", 262144))
    hub.on("coedit:join", handlers.join, schema=JoinSchema, rate=Rate(30, 2.0), bucket="coedit:join",
           max_bytes=65536)
    hub.on("coedit:sync", handlers.sync, schema=SyncSchema, rate=Rate(30, 2.0), bucket="coedit:join",
           max_bytes=65536)
    hub.on("coedit:update", handlers.update, schema=UpdateSchema, rate=Rate(60, 30.0),
           max_bytes=_b64len(limit) + 1024)
    hub.on("coedit:awareness", handlers.awareness, schema=UpdateSchema, rate=Rate(60, 20.0),
           max_bytes=_b64len(MAX_AWARENESS_BYTES) + 1024)
    hub.on("coedit:save", handlers.save, schema=SaveSchema, rate=Rate(10, 0.5))
    hub.on("coedit:leave", handlers.leave, schema=_DocSchema, rate=Rate(30, 2.0), bucket="coedit:join")
    return handlers
