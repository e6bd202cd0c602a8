"""Messages as JSON (Socket.IO events and the API), with their reactions and files.

Rendering many messages costs a fixed number of queries: authors are joined, reactions
and attachments are fetched for the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import url_for

from parvis.services import attachments as attachment_service
from parvis.services import reactions as reaction_service
from parvis.services.markdown import mentioned_usernames
from parvis.templating import markdown_filter, prime_mentions

from . import links
from .models import Message

CONTENT_TYPE = "discussions.message"


def author_payload(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "initials": user.initials}


def payloads(space: Any, messages: Sequence[Message], user: Any = None) -> list[dict[str, Any]]:
    """JSON of each message; ``mine`` in reactions only when ``user`` is given."""
    ids = [m.id for m in messages]
    reactions = reaction_service.reaction_summary(CONTENT_TYPE, ids, user)
    files = attachment_service.attachments_for(CONTENT_TYPE, ids)
    handles: set[str] = set()
    for m in messages:
        if not m.is_deleted:
            handles |= mentioned_usernames(m.body)
    if handles:
        prime_mentions(handles)
    palette = reaction_service.ALLOWED_REACTIONS
    out = []
    for m in messages:
        deleted = m.is_deleted
        out.append(
            {
                "id": m.id,
                "seq": m.seq,
                "channel_id": m.channel_id,
                "thread_id": m.thread_id,
                "author": author_payload(m.author),
                "body": "" if deleted else m.body,
                "html": "" if deleted else str(markdown_filter(m.body)),
                "created_at": m.created_at.isoformat(),
                "updated_at": m.updated_at.isoformat(),
                "edited": m.edited_at is not None,
                "deleted": deleted,
                "pinned": m.pinned,
                "locked": m.locked,
                "reply_count": m.reply_count,
                "last_reply_at": m.last_reply_at.isoformat() if m.last_reply_at else None,
                "reactions": [
                    {"emoji": key, "char": palette[key].char, "label": str(palette[key].label),
                     "count": count, **({"mine": mine} if user is not None else {})}
                    for key, count, mine in reactions.get(m.id, [])
                ],
                "attachments": [
                    {
                        "id": att.id,
                        "name": att.label,
                        "size": att.size,
                        "url": url_for(
                            "content.attachment", space_slug=space.slug, attachment_id=att.id
                        ),
                    }
                    for att in files.get(m.id, [])
                ],
                "url": links.message_url(space, m),
            }
        )
    return out


def payload(space: Any, message: Message, user: Any = None) -> dict[str, Any]:
    """JSON of one message."""
    return payloads(space, [message], user)[0]
