"""URLs of channels and messages (pages, permalinks)."""

from __future__ import annotations

from typing import Any

from flask import url_for


def channel_url(space: Any, channel: Any, external: bool = False) -> str:
    """The channel's page."""
    return url_for(
        "discussions.channel", space_slug=space.slug, channel_id=channel.id, _external=external
    )


def message_url(space: Any, message: Any, external: bool = False) -> str:
    """A permalink to one message (it redirects to where the message is shown)."""
    return url_for(
        "discussions.permalink", space_slug=space.slug, message_id=message.id, _external=external
    )


def message_anchor(message: Any) -> str:
    return f"msg-{message.id}"
