"""Socket.IO events of the discussions module (declared on the core's hub).

Every event names its channel or message by id; the handler loads it, checks that the
user may read its space (and that the module is on there), then the action's own
permission. Refusals come back as ``{"ok": false, "error": ...}`` plus a
``parvis:error`` event, and are never broadcast.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request
from flask_babel import gettext
from flask_login import current_user
from marshmallow import Schema, fields, validate

from parvis.extensions import db
from parvis.models import Space, utcnow
from parvis.realtime import Hub, Rate, RealtimeError
from parvis.services.content_errors import ContentError
from parvis.services.permissions import can
from parvis.services.spaces import enabled_modules

from . import broadcast, history, service
from .models import MAX_BODY, Channel, Message
from .payload import author_payload, payloads

MAX_ID = 2**31 - 1
Id = lambda **kw: fields.Integer(strict=True, validate=validate.Range(1, MAX_ID), **kw)  # noqa: E731

#: Messages: a burst of 10, then one a second per user (per worker process).
MESSAGE_RATE = Rate(10, 1.0)
TYPING_RATE = Rate(5, 0.5)
ACTION_RATE = Rate(30, 3.0)


class ChannelSchema(Schema):
    channel_id = Id(required=True)


class WatchSchema(Schema):
    space_id = Id(required=True)


class SendSchema(Schema):
    channel_id = Id(required=True)
    thread_id = Id(load_default=None, allow_none=True)
    body = fields.String(required=True, validate=validate.Length(max=MAX_BODY * 2))
    client_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class EditSchema(Schema):
    message_id = Id(required=True)
    body = fields.String(required=True, validate=validate.Length(max=MAX_BODY * 2))


class MessageSchema(Schema):
    message_id = Id(required=True)


class ReactSchema(Schema):
    message_id = Id(required=True)
    emoji = fields.String(required=True, validate=validate.Length(max=16))


class FlagSchema(Schema):
    message_id = Id(required=True)
    value = fields.Boolean(required=True)


class TypingSchema(Schema):
    channel_id = Id(required=True)
    thread_id = Id(load_default=None, allow_none=True)


class CatchUpSchema(Schema):
    channel_id = Id(required=True)
    after_seq = fields.Integer(strict=True, required=True, validate=validate.Range(0, MAX_ID))
    since = fields.AwareDateTime(load_default=None, allow_none=True)


class HistorySchema(Schema):
    channel_id = Id(required=True)
    before = Id(required=True)
    thread_id = Id(load_default=None, allow_none=True)


class ReadSchema(Schema):
    channel_id = Id(required=True)
    seq = fields.Integer(strict=True, required=True, validate=validate.Range(0, MAX_ID))


def _not_found() -> RealtimeError:
    return RealtimeError(gettext("This content does not exist or is not visible."), "not_found")


def _readable_space(space_id: int) -> Space:
    space = db.session.get(Space, space_id)
    if space is None or not can(current_user, "space.read", space):
        raise _not_found()
    if not any(spec.id == service.MODULE_ID for spec, _state in enabled_modules(space)):
        raise _not_found()
    return space


def _channel(channel_id: int) -> tuple[Channel, Space]:
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise _not_found()
    return channel, _readable_space(channel.space_id)


def _message(message_id: int) -> tuple[Message, Space]:
    message = db.session.get(Message, message_id)
    if message is None:
        raise _not_found()
    return message, _readable_space(message.space_id)


def _act(fn: Any, *args: Any) -> Any:
    """Run a service call, turning its refusals into real-time errors."""
    try:
        return fn(*args)
    except PermissionError:
        raise RealtimeError(gettext("You may not do this."), "forbidden") from None
    except ContentError as exc:
        raise RealtimeError(exc.message, "invalid", {exc.field or "_schema": [exc.message]}) from None


def _me() -> Any:
    return current_user._get_current_object()


# -- handlers ----------------------------------------------------------------------


def on_join(data: dict[str, Any]) -> dict[str, Any]:
    channel, space = _channel(data["channel_id"])
    others = [broadcast.elsewhere_key(c.id) for c in service.channels_of(space) if c.id != channel.id]
    hub.join_all(space, [broadcast.channel_key(channel.id), *others])
    return {
        "channel": {"id": channel.id, "name": channel.name, "topic": channel.topic},
        "last_seq": channel.last_seq,
        "server_time": utcnow().isoformat(),
    }


def on_watch(data: dict[str, Any]) -> dict[str, Any]:
    space = _readable_space(data["space_id"])
    hub.join_all(space, [broadcast.elsewhere_key(c.id) for c in service.channels_of(space)])
    return {"unread": {str(k): v for k, v in service.unread_counts(space, _me()).items()}}


def on_leave(data: dict[str, Any]) -> dict[str, Any]:
    channel = db.session.get(Channel, data["channel_id"])
    if channel is not None:
        hub.leave(channel.space_id, broadcast.channel_key(channel.id))
    return {}


def on_send(data: dict[str, Any]) -> dict[str, Any]:
    channel, space = _channel(data["channel_id"])
    thread = None
    if data.get("thread_id"):
        thread = service.get_message(space, data["thread_id"])
        if thread is None:
            raise _not_found()
    message = _act(
        lambda: service.post_message(
            space=space, channel=channel, author=_me(), body=data["body"], thread=thread
        )
    )
    return {"message": payloads(space, [message])[0], "client_id": data.get("client_id")}


def on_edit(data: dict[str, Any]) -> dict[str, Any]:
    message, space = _message(data["message_id"])
    _act(service.edit_message, message, space, _me(), data["body"])
    return {"id": message.id}


def on_delete(data: dict[str, Any]) -> dict[str, Any]:
    message, space = _message(data["message_id"])
    _act(service.delete_message, message, space, _me())
    return {"id": message.id}


def on_react(data: dict[str, Any]) -> dict[str, Any]:
    message, space = _message(data["message_id"])
    added = _act(service.toggle_reaction, message, space, _me(), data["emoji"])
    return {"id": message.id, "added": added}


def on_pin(data: dict[str, Any]) -> dict[str, Any]:
    message, space = _message(data["message_id"])
    _act(service.set_pinned, message, space, _me(), data["value"])
    return {"id": message.id}


def on_lock(data: dict[str, Any]) -> dict[str, Any]:
    message, space = _message(data["message_id"])
    _act(service.set_locked, message, space, _me(), data["value"])
    return {"id": message.id}


def on_typing(data: dict[str, Any]) -> dict[str, Any]:
    channel, space = _channel(data["channel_id"])
    if not service.may_post(_me(), space) or not hub.in_space(space.id):
        raise RealtimeError(gettext("You may not do this."), "forbidden")
    hub.emit(
        "discussions:typing",
        {"channel_id": channel.id, "thread_id": data.get("thread_id"), "user": author_payload(_me())},
        room=hub_room(space, channel),
        skip_sid=request.sid,
    )
    return {}


def hub_room(space: Space, channel: Channel) -> str:
    from parvis.realtime import space_room

    return space_room(space.id, broadcast.channel_key(channel.id))


def on_catch_up(data: dict[str, Any]) -> dict[str, Any]:
    channel, space = _channel(data["channel_id"])
    after = data["after_seq"]
    new, more = history.catch_up(channel, after)
    changed: list[Message] = []
    since: datetime | None = data.get("since")
    if since is not None and after > 0:
        changed = history.changed_since(channel, since, after)
    me = _me()
    return {
        "messages": payloads(space, new, me),
        "changed": payloads(space, changed, me),
        "more": more,
        "last_seq": new[-1].seq if new else after,
        "server_time": utcnow().isoformat(),
    }


def on_history(data: dict[str, Any]) -> dict[str, Any]:
    channel, space = _channel(data["channel_id"])
    if data.get("thread_id"):
        root = service.get_message(space, data["thread_id"])
        if root is None or root.channel_id != channel.id:
            raise _not_found()
        window = history.replies(root, before=data["before"])
    else:
        window = history.stream(channel, before=data["before"])
    return {"messages": payloads(space, window.messages, _me()), "has_older": window.has_older}


def on_read(data: dict[str, Any]) -> dict[str, Any]:
    channel, _space = _channel(data["channel_id"])
    return {"last_seq": service.mark_read(channel, _me(), data["seq"])}


class _HubProxy:
    """The handlers above reach the hub of the app serving the event."""

    def __getattr__(self, name: str) -> Any:
        from parvis.realtime import get_hub

        return getattr(get_hub(), name)


hub: Hub = _HubProxy()  # type: ignore[assignment]


def register(target: Hub) -> None:
    """Declare the module's events on an app's hub (from ``parvis_app_ready``)."""
    target.on("discussions:join", on_join, schema=ChannelSchema)
    target.on("discussions:watch", on_watch, schema=WatchSchema)
    target.on("discussions:leave", on_leave, schema=ChannelSchema)
    target.on("discussions:send", on_send, schema=SendSchema, rate=MESSAGE_RATE, bucket="discussions:messages")
    target.on("discussions:edit", on_edit, schema=EditSchema, rate=ACTION_RATE, bucket="discussions:actions")
    target.on("discussions:delete", on_delete, schema=MessageSchema, rate=ACTION_RATE, bucket="discussions:actions")
    target.on("discussions:react", on_react, schema=ReactSchema, rate=ACTION_RATE, bucket="discussions:actions")
    target.on("discussions:pin", on_pin, schema=FlagSchema, rate=ACTION_RATE, bucket="discussions:actions")
    target.on("discussions:lock", on_lock, schema=FlagSchema, rate=ACTION_RATE, bucket="discussions:actions")
    target.on("discussions:typing", on_typing, schema=TypingSchema, rate=TYPING_RATE)
    target.on("discussions:catch_up", on_catch_up, schema=CatchUpSchema, rate=ACTION_RATE, bucket="discussions:reads")
    target.on("discussions:history", on_history, schema=HistorySchema, rate=ACTION_RATE, bucket="discussions:reads")
    target.on("discussions:read", on_read, schema=ReadSchema, rate=ACTION_RATE, bucket="discussions:reads")
