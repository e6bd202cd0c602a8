"""JSON API of the discussions, mounted at ``/api/v1/spaces/<space_slug>/discussions/``.

Same rules as the pages and the Socket.IO events: readers of the space read, members
post, authors and moderators edit and delete, admins add channels. Messages are
paged with cursors: ``before=<id>`` backwards, ``after_seq=<seq>`` to catch up.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from parvis.api import ApiError, api_endpoint, current_space, me
from parvis.services.content_errors import ContentError

from . import history, links, service
from .payload import payloads
from .schemas import (
    DiscussionsChannelCreateSchema,
    DiscussionsChannelListSchema,
    DiscussionsChannelSchema,
    DiscussionsEditSchema,
    DiscussionsMessageListSchema,
    DiscussionsMessageSchema,
    DiscussionsMessagesQuerySchema,
    DiscussionsPostSchema,
    DiscussionsThreadSchema,
)

api_bp = Blueprint("discussions_api", __name__)
TAGS = ("discussions",)


def _channel_json(channel: Any, unread: dict[int, int]) -> dict[str, Any]:
    return {
        "id": channel.id,
        "name": channel.name,
        "topic": channel.topic,
        "is_default": channel.is_default,
        "last_seq": channel.last_seq,
        "unread": unread.get(channel.id, 0),
        "url": links.channel_url(current_space(), channel, external=True),
    }


def _channel(channel_id: int) -> Any:
    channel = service.get_channel(current_space(), channel_id)
    if channel is None:
        raise ApiError(404)
    return channel


def _message(message_id: int) -> Any:
    message = service.get_message(current_space(), message_id)
    if message is None:
        raise ApiError(404)
    return message


def _run(fn: Any) -> Any:
    try:
        return fn()
    except PermissionError:
        raise ApiError(403) from None
    except ContentError as exc:
        raise ApiError(422, exc.message, {exc.field or "_schema": [exc.message]}) from None


@api_endpoint(api_bp, "/channels", ["GET"], response=DiscussionsChannelListSchema, tags=TAGS)
def list_channels() -> Any:
    """The space's channels with my unread counts."""
    unread = service.unread_counts(current_space(), me())
    return {"data": [_channel_json(c, unread) for c in service.channels_of(current_space())]}


@api_endpoint(
    api_bp, "/channels", ["POST"], body=DiscussionsChannelCreateSchema,
    response=DiscussionsChannelSchema, tags=TAGS, errors=[403, 422],
)
def create_channel(body: dict[str, Any]) -> Any:
    """Add a channel (space admins)."""
    channel = _run(lambda: service.create_channel(current_space(), me(), body["name"], body.get("topic")))
    return _channel_json(channel, {})


@api_endpoint(
    api_bp, "/channels/<int:channel_id>/messages", ["GET"], query=DiscussionsMessagesQuerySchema,
    response=DiscussionsMessageListSchema, tags=TAGS, errors=[404],
)
def list_messages(channel_id: int, query: dict[str, Any]) -> Any:
    """Top-level messages (latest, or ``before`` an id), or every message after ``after_seq``."""
    channel = _channel(channel_id)
    limit = query["limit"]
    if query.get("after_seq") is not None:
        rows, more = history.catch_up(channel, query["after_seq"], limit)
        meta = {"has_older": False, "has_more": more, "last_seq": rows[-1].seq if rows else query["after_seq"]}
    else:
        window = history.stream(channel, before=query.get("before"), limit=limit)
        rows = window.messages
        meta = {"has_older": window.has_older, "has_more": False, "last_seq": channel.last_seq}
    return {"data": payloads(current_space(), rows, me()), "meta": meta}


@api_endpoint(
    api_bp, "/channels/<int:channel_id>/messages", ["POST"], body=DiscussionsPostSchema,
    response=DiscussionsMessageSchema, tags=TAGS, errors=[403, 404, 422],
)
def post_message(channel_id: int, body: dict[str, Any]) -> Any:
    """Post a message, or a reply when ``thread_id`` names the thread's first message."""
    channel = _channel(channel_id)
    thread = _message(body["thread_id"]) if body.get("thread_id") else None
    message = _run(
        lambda: service.post_message(
            space=current_space(), channel=channel, author=me(), body=body["body"], thread=thread
        )
    )
    return payloads(current_space(), [message], me())[0]


@api_endpoint(
    api_bp, "/messages/<int:message_id>", ["GET"], response=DiscussionsThreadSchema,
    tags=TAGS, errors=[404],
)
def get_message(message_id: int) -> Any:
    """A message and the latest 200 replies of its thread."""
    message = _message(message_id)
    replies = history.replies(message, limit=200).messages if message.thread_id is None else []
    items = payloads(current_space(), [message, *replies], me())
    return {"message": items[0], "replies": items[1:]}


@api_endpoint(
    api_bp, "/messages/<int:message_id>", ["PATCH"], body=DiscussionsEditSchema,
    response=DiscussionsMessageSchema, tags=TAGS, errors=[403, 404, 422],
)
def edit_message(message_id: int, body: dict[str, Any]) -> Any:
    """Change a message's text (its author, or a moderator)."""
    message = _message(message_id)
    _run(lambda: service.edit_message(message, current_space(), me(), body["body"]))
    return payloads(current_space(), [message], me())[0]


@api_endpoint(api_bp, "/messages/<int:message_id>", ["DELETE"], tags=TAGS, errors=[403, 404])
def delete_message(message_id: int) -> None:
    """Delete a message (its author, or a moderator)."""
    message = _message(message_id)
    _run(lambda: service.delete_message(message, current_space(), me()))
