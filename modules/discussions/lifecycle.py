"""Search documents, export, deletion and demo content of the discussions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from parvis.extensions import db
from parvis.models import Space, User
from parvis.services import attachments as attachment_service
from parvis.services import reactions as reaction_service
from parvis.services.markdown import plain_text
from parvis.services.permissions import can

from . import links, service
from .models import Channel, Message

BATCH = 500


def resolve(object_id: int, user: Any) -> Message | None:
    """A message (not deleted) if ``user`` may read its space (for the core services)."""
    from parvis.input_guards import valid_id

    mid = valid_id(object_id)
    message = db.session.get(Message, mid) if mid else None
    if message is None or message.is_deleted:
        return None
    space = db.session.get(Space, message.space_id)
    if space is None or not can(user, "space.read", space):
        return None
    return message


def _document(message: Message, space: Space, channel: Channel) -> dict[str, Any]:
    author = message.author.name if message.author else ""
    return {
        "type": service.CONTENT_TYPE,
        "object_id": message.id,
        "space_id": space.id,
        "title": f"#{channel.name} · {author}".strip(" ·"),
        "body": plain_text(message.body),
        "url": links.message_url(space, message),
        "author_id": message.author_id,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
        "tags": [channel.name],
    }


def search_document(object_id: int) -> dict[str, Any] | None:
    """The search document of one message, None once deleted."""
    message = db.session.get(Message, object_id)
    if message is None or message.is_deleted:
        return None
    space = db.session.get(Space, message.space_id)
    return _document(message, space, message.channel) if space else None


def search_documents(space: Space) -> Iterator[dict[str, Any]]:
    """Every message of the space that is not deleted, in batches."""
    channels = {c.id: c for c in service.channels_of(space)}
    last = 0
    while True:
        rows = list(
            db.session.scalars(
                db.select(Message)
                .filter(Message.space_id == space.id, Message.id > last, Message.deleted_at.is_(None))
                .order_by(Message.id)
                .limit(BATCH)
            )
        )
        if not rows:
            return
        for message in rows:
            yield _document(message, space, channels[message.channel_id])
        last = rows[-1].id


def export_space(space: Space) -> dict[str, Any]:
    """Channels and their messages (deleted ones as empty placeholders)."""
    channels = service.channels_of(space)
    messages = db.session.scalars(
        db.select(Message).filter_by(space_id=space.id).order_by(Message.channel_id, Message.seq)
    )
    by_channel: dict[int, list[dict[str, Any]]] = {c.id: [] for c in channels}
    for m in messages:
        by_channel.setdefault(m.channel_id, []).append(
            {
                "id": m.id,
                "seq": m.seq,
                "thread_id": m.thread_id,
                "author_id": m.author_id,
                "author": m.author.email if m.author else None,
                "body": m.body,
                "created_at": m.created_at.isoformat(),
                "edited_at": m.edited_at.isoformat() if m.edited_at else None,
                "deleted": m.is_deleted,
                "pinned": m.pinned,
                "locked": m.locked,
            }
        )
    return {
        "channels": [
            {
                "id": c.id,
                "name": c.name,
                "topic": c.topic,
                "is_default": c.is_default,
                "created_at": c.created_at.isoformat(),
                "messages": by_channel.get(c.id, []),
            }
            for c in channels
        ]
    }


def delete_space_data(space: Space) -> None:
    """Files and reactions of the space's messages (rows go with the space)."""
    ids = list(db.session.scalars(db.select(Message.id).filter_by(space_id=space.id)))
    if ids:
        attachment_service.delete_for(service.CONTENT_TYPE, ids)
        reaction_service.delete_for(service.CONTENT_TYPE, ids)


def seed_default(space: Space) -> None:
    """The default channel, when the module is switched on."""
    service.ensure_default_channel(space)


def seed_demo(space: Space, users: list[User]) -> None:
    """A few plausible messages and a thread in the default channel."""
    if not users:
        return
    channel = service.ensure_default_channel(space, users[0])
    lines = [
        "Bonjour à toutes et à tous ! Bienvenue dans l'espace.",
        "Merci ! La réunion de lancement est-elle toujours prévue jeudi ?",
        "Oui, jeudi à 10 h, salle Condorcet ou en visio.",
    ]
    root = None
    for n, text in enumerate(lines):
        author = users[n % len(users)]
        channel.last_seq += 1
        msg = Message(
            space_id=space.id, channel_id=channel.id, seq=channel.last_seq, author_id=author.id,
            body=text, thread_id=root.id if root is not None else None,
        )
        db.session.add(msg)
        db.session.flush()
        if root is None:
            root = msg
        else:
            root.reply_count += 1
            root.last_reply_at = msg.created_at
