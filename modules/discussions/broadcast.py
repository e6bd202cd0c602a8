"""Real-time events the module sends, always after the change is committed.

Rooms (see docs/realtime.md): ``discussions:channel:<id>`` gets full messages;
``discussions:elsewhere:<id>`` (every open discussions page of the space that does not
show that channel) gets a light ``discussions:activity`` for unread counts, so a page
showing the channel gets the message once, not twice; each user's own room gets mentions.
"""

from __future__ import annotations

from typing import Any

from parvis.realtime import get_hub

from .models import Channel, Message
from .payload import payload


def channel_key(channel_id: int) -> str:
    return f"discussions:channel:{channel_id}"


def elsewhere_key(channel_id: int) -> str:
    """The room of the discussions pages that do not show ``channel_id`` (its unread count)."""
    return f"discussions:elsewhere:{channel_id}"


def _hub() -> Any:
    return get_hub()


def message_created(
    space: Any, message: Message, thread: Message | None, mentioned: list[int], title: str
) -> None:
    """A new message (or reply) to its channel; the thread's new reply count; mentions."""
    hub = _hub()
    if hub is None:
        return
    data = payload(space, message)
    hub.emit_to_space(space.id, channel_key(message.channel_id), "discussions:message", data)
    if thread is not None:
        hub.emit_to_space(
            space.id, channel_key(thread.channel_id), "discussions:message_updated", payload(space, thread)
        )
    hub.emit_to_space(
        space.id,
        elsewhere_key(message.channel_id),
        "discussions:activity",
        {
            "channel_id": message.channel_id,
            "seq": message.seq,
            "author_id": message.author_id,
            "thread_id": message.thread_id,
        },
    )
    excerpt = data["body"][:140]
    for user_id in mentioned:
        hub.emit_to_user(
            user_id,
            "discussions:mention",
            {"title": title, "body": excerpt, "url": data["url"], "space_id": space.id},
        )


def message_updated(space: Any, message: Message) -> None:
    """An edit, deletion, pin, lock or reaction change."""
    hub = _hub()
    if hub is not None:
        hub.emit_to_space(
            space.id, channel_key(message.channel_id), "discussions:message_updated", payload(space, message)
        )


def channel_updated(space: Any, channel: Channel) -> None:
    """A channel's new name or topic."""
    hub = _hub()
    if hub is not None:
        hub.emit_to_space(
            space.id,
            channel_key(channel.id),
            "discussions:channel_updated",
            {"id": channel.id, "name": channel.name, "topic": channel.topic},
        )
