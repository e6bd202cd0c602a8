"""What can happen to channels and messages, for pages, the API and Socket.IO alike.

Every write checks its permission, validates its input, stores, commits, and only then
broadcasts (:mod:`.broadcast`): a message reaches clients with its server id, its
channel ``seq`` and its timestamps, never before it is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from parvis.extensions import db
from parvis.models import Space, utcnow
from parvis.services import activity, notifications, search
from parvis.services import attachments as attachment_service
from parvis.services import reactions as reaction_service
from parvis.services.content_errors import ContentError
from parvis.services.markdown import plain_text
from parvis.services.mentions import notify_mentions
from parvis.services.permissions import can, can_edit_own

from . import broadcast, links
from .models import MAX_BODY, MAX_CHANNEL_NAME, MAX_TOPIC, Channel, ChannelRead, Message

MODULE_ID = "discussions"
CONTENT_TYPE = "discussions.message"
#: Thread participants notified of a reply, at most.
MAX_REPLY_NOTIFICATIONS = 50
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# -- permissions -------------------------------------------------------------------


def may_post(user: Any, space: Space) -> bool:
    return can(user, "discussions.post", space)


def may_moderate(user: Any, space: Space) -> bool:
    return can(user, "discussions.moderate", space)


def may_manage_channels(user: Any, space: Space) -> bool:
    return can(user, "discussions.manage_channels", space)


def may_edit(user: Any, message: Message) -> bool:
    """Authors edit and delete their own messages; moderators everybody's."""
    return not message.is_deleted and can_edit_own(user, message, "discussions.moderate")


def may_reply(user: Any, root: Message, space: Space) -> bool:
    """Members reply in open threads; a locked thread takes replies from moderators only."""
    if root.is_deleted or root.thread_id is not None or not may_post(user, space):
        return False
    return not root.locked or may_moderate(user, space)


# -- channels ----------------------------------------------------------------------


def channels_of(space: Space) -> list[Channel]:
    """The space's channels, default first, then by position and name (one query)."""
    return list(
        db.session.scalars(
            db.select(Channel)
            .filter_by(space_id=space.id)
            .order_by(Channel.is_default.desc(), Channel.position, Channel.name)
        )
    )


def get_channel(space: Space, channel_id: Any) -> Channel | None:
    """The channel of ``space`` with this id, or None (bad ids included)."""
    from parvis.input_guards import valid_id

    cid = valid_id(channel_id)
    if cid is None:
        return None
    return db.session.scalar(db.select(Channel).filter_by(id=cid, space_id=space.id))


def ensure_default_channel(space: Space, actor: Any = None) -> Channel:
    """The space's default channel, created ("général") when the space has none."""
    existing = db.session.scalar(
        db.select(Channel).filter_by(space_id=space.id).order_by(Channel.is_default.desc(), Channel.id)
    )
    if existing is not None:
        return existing
    channel = Channel(
        space_id=space.id,
        name=gettext("general"),
        topic=gettext("Conversations of the whole space."),
        is_default=True,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(channel)
    db.session.flush()
    return channel


def _clean_name(raw: str | None) -> str:
    name = " ".join(_CONTROL_RE.sub("", raw or "").split()).lstrip("#")
    if not name:
        raise ContentError(gettext("Give the channel a name."), "name")
    if len(name) > MAX_CHANNEL_NAME:
        raise ContentError(
            gettext("The name is too long (at most %(n)s characters).", n=MAX_CHANNEL_NAME), "name"
        )
    return name


def _clean_topic(raw: str | None) -> str:
    topic = " ".join(_CONTROL_RE.sub("", raw or "").split())
    if len(topic) > MAX_TOPIC:
        raise ContentError(
            gettext("The topic is too long (at most %(n)s characters).", n=MAX_TOPIC), "topic"
        )
    return topic


def _name_taken(space: Space, name: str, exclude: int | None = None) -> bool:
    # The database's lower() and Python's differ outside ASCII (SQLite folds only
    # ASCII; "İ".lower() is two code points): compare the exact name as well.
    stmt = db.select(Channel.id).filter(
        Channel.space_id == space.id,
        db.or_(Channel.name == name, db.func.lower(Channel.name) == name.lower()),
    )
    if exclude:
        stmt = stmt.filter(Channel.id != exclude)
    return db.session.scalar(stmt) is not None


def create_channel(space: Space, actor: Any, name: str | None, topic: str | None) -> Channel:
    """Add a channel (space admins); commits."""
    if not may_manage_channels(actor, space):
        raise PermissionError
    clean = _clean_name(name)
    if _name_taken(space, clean):
        raise ContentError(gettext("A channel already has this name."), "name")
    position = (
        db.session.scalar(db.select(db.func.max(Channel.position)).filter_by(space_id=space.id)) or 0
    )
    channel = Channel(
        space_id=space.id,
        name=clean,
        topic=_clean_topic(topic),
        position=position + 1,
        created_by_id=actor.id,
    )
    db.session.add(channel)
    db.session.flush()
    activity.record(
        "discussions.channel_created",
        actor=actor,
        space=space,
        target_type=None,
        title=clean,
        url=links.channel_url(space, channel),
    )
    db.session.commit()
    return channel


def update_channel(channel: Channel, space: Space, actor: Any, name: str | None, topic: str | None) -> None:
    """Rename a channel or change its topic (space admins); commits and tells the room."""
    if not may_manage_channels(actor, space):
        raise PermissionError
    clean = _clean_name(name)
    if _name_taken(space, clean, exclude=channel.id):
        raise ContentError(gettext("A channel already has this name."), "name")
    channel.name, channel.topic = clean, _clean_topic(topic)
    db.session.commit()
    broadcast.channel_updated(space, channel)


def delete_channel(channel: Channel, space: Space, actor: Any) -> None:
    """Delete a channel that is not the default one, with its messages; commits."""
    if not may_manage_channels(actor, space):
        raise PermissionError
    if channel.is_default:
        raise ContentError(gettext("The default channel cannot be deleted."), "channel")
    ids = list(db.session.scalars(db.select(Message.id).filter_by(channel_id=channel.id)))
    _forget_objects(ids)
    db.session.execute(db.delete(Message).filter(Message.channel_id == channel.id, Message.thread_id.is_not(None)))
    db.session.execute(db.delete(Message).filter_by(channel_id=channel.id))
    db.session.delete(channel)
    db.session.commit()


def _forget_objects(ids: list[int]) -> None:
    if not ids:
        return
    attachment_service.delete_for(CONTENT_TYPE, ids)
    reaction_service.delete_for(CONTENT_TYPE, ids)
    for message_id in ids:
        search.remove_later(CONTENT_TYPE, message_id)


# -- messages ----------------------------------------------------------------------


def clean_body(raw: Any) -> str:
    """A message body: text, not empty, at most :data:`MAX_BODY` characters."""
    if not isinstance(raw, str):
        raise ContentError(gettext("Write a message."), "body")
    body = _CONTROL_RE.sub("", raw.replace("\r\n", "\n")).strip()
    if not body:
        raise ContentError(gettext("Write a message."), "body")
    if len(body) > MAX_BODY:
        raise ContentError(
            gettext("This message is too long (at most %(n)s characters).", n=MAX_BODY), "body"
        )
    return body


def get_message(space: Space, message_id: Any) -> Message | None:
    """The message of ``space`` with this id (deleted ones included), or None."""
    from parvis.input_guards import valid_id

    mid = valid_id(message_id)
    if mid is None:
        return None
    return db.session.scalar(db.select(Message).filter_by(id=mid, space_id=space.id))


def _next_seq(channel: Channel) -> int:
    """Take the channel's next seq; the UPDATE locks the channel row until commit."""
    db.session.execute(
        db.update(Channel).filter_by(id=channel.id).values(last_seq=Channel.last_seq + 1)
    )
    return int(db.session.scalar(db.select(Channel.last_seq).filter_by(id=channel.id)))


def post_message(
    *,
    space: Space,
    channel: Channel,
    author: Any,
    body: Any,
    thread: Message | None = None,
    files: Iterable[FileStorage] = (),
) -> Message:
    """Store a message (a reply when ``thread`` is given), notify, commit, broadcast."""
    if not may_post(author, space):
        raise PermissionError
    text = clean_body(body)
    if thread is not None:
        if thread.channel_id != channel.id or thread.thread_id is not None or thread.is_deleted:
            raise ContentError(gettext("This thread does not exist."), "thread_id")
        if not may_reply(author, thread, space):
            raise ContentError(gettext("This thread is locked: no new replies."), "thread_id")
    uploads = [f for f in files if f and f.filename]
    if uploads and not can(author, "space.upload", space):
        raise PermissionError
    now = utcnow()
    message = Message(
        space_id=space.id,
        channel_id=channel.id,
        seq=_next_seq(channel),
        thread_id=thread.id if thread is not None else None,
        author_id=author.id,
        body=text,
        created_at=now,
        updated_at=now,
    )
    db.session.add(message)
    db.session.flush()
    for upload in uploads:
        attachment_service.save_upload(
            upload, space=space, uploader=author, target_type=CONTENT_TYPE, target_id=message.id
        )
    url = links.message_url(space, message)
    title = gettext("%(name)s in #%(channel)s", name=author.name, channel=channel.name)
    mentioned = notify_mentions(text=text, space=space, actor=author, title=title, url=url)
    if thread is not None:
        first_reply = thread.reply_count == 0
        db.session.execute(
            db.update(Message)
            .filter_by(id=thread.id)
            .values(reply_count=Message.reply_count + 1, last_reply_at=now, updated_at=now)
        )
        _notify_thread(thread, message, author, space, url, {u.id for u in mentioned})
        if first_reply:
            activity.record(
                "discussions.thread_started",
                actor=author,
                space=space,
                target_type=CONTENT_TYPE,
                target_id=thread.id,
                title=plain_text(thread.body, 120),
                url=links.message_url(space, thread),
            )
    search.index_later(CONTENT_TYPE, message.id)
    db.session.commit()
    if thread is not None:
        db.session.refresh(thread)
    broadcast.message_created(space, message, thread, [u.id for u in mentioned], title)
    return message


def _notify_thread(
    root: Message, reply: Message, author: Any, space: Space, url: str, skip: set[int]
) -> None:
    """Tell the thread's starter and earlier repliers about a reply (one query)."""
    rows = db.session.scalars(
        db.select(Message.author_id)
        .filter(Message.thread_id == root.id, Message.author_id.is_not(None))
        .distinct()
        .limit(MAX_REPLY_NOTIFICATIONS)
    )
    people = {uid for uid in rows if uid is not None}
    if root.author_id:
        people.add(root.author_id)
    people -= skip | {author.id}
    if people:
        notifications.notify(
            sorted(people),
            kind="reply",
            title=gettext("%(name)s replied in a discussion", name=author.name),
            url=url,
            actor=author,
            space=space,
        )


def edit_message(message: Message, space: Space, actor: Any, body: Any) -> None:
    """Change a message's text (marked "edited"); commits and broadcasts."""
    if not may_edit(actor, message):
        raise PermissionError
    text = clean_body(body)
    if text == message.body:
        return
    now = utcnow()
    message.body, message.edited_at, message.updated_at = text, now, now
    search.index_later(CONTENT_TYPE, message.id)
    db.session.commit()
    broadcast.message_updated(space, message)


def delete_message(message: Message, space: Space, actor: Any) -> None:
    """Delete a message: its text, files and reactions go, its place (and replies) stay."""
    if not may_edit(actor, message):
        raise PermissionError
    now = utcnow()
    message.body, message.deleted_at, message.updated_at = "", now, now
    message.pinned = False
    attachment_service.delete_for(CONTENT_TYPE, [message.id], actor)
    reaction_service.delete_for(CONTENT_TYPE, [message.id])
    search.remove_later(CONTENT_TYPE, message.id)
    db.session.commit()
    broadcast.message_updated(space, message)


def set_pinned(message: Message, space: Space, actor: Any, pinned: bool) -> None:
    """Pin a message at the top of its channel, or unpin it (moderators)."""
    if not may_moderate(actor, space) or message.is_deleted:
        raise PermissionError
    message.pinned, message.updated_at = bool(pinned), utcnow()
    db.session.commit()
    broadcast.message_updated(space, message)


def set_locked(message: Message, space: Space, actor: Any, locked: bool) -> None:
    """Lock a thread (no more replies) or open it again (moderators)."""
    if not may_moderate(actor, space) or message.thread_id is not None or message.is_deleted:
        raise PermissionError
    message.locked, message.updated_at = bool(locked), utcnow()
    db.session.commit()
    broadcast.message_updated(space, message)


def toggle_reaction(message: Message, space: Space, actor: Any, emoji: Any) -> bool:
    """Add or remove ``actor``'s reaction; commits and broadcasts the new counts."""
    if message.is_deleted or not can(actor, "space.react", space):
        raise PermissionError
    added = reaction_service.toggle_reaction(
        user=actor, target_type=CONTENT_TYPE, target_id=message.id, emoji=str(emoji or "")
    )
    message.updated_at = utcnow()
    db.session.commit()
    broadcast.message_updated(space, message)
    return added


# -- reading -----------------------------------------------------------------------


def mark_read(channel: Channel, user: Any, seq: int | None = None) -> int:
    """Record that ``user`` read ``channel`` up to ``seq`` (default: all); commits."""
    target = channel.last_seq if seq is None else max(0, min(int(seq), channel.last_seq))
    row = db.session.get(ChannelRead, (channel.id, user.id))
    if row is None:
        db.session.add(ChannelRead(channel_id=channel.id, user_id=user.id, last_seq=target))
    elif target > row.last_seq:
        row.last_seq, row.updated_at = target, utcnow()
    else:
        return row.last_seq
    db.session.commit()
    return target


def last_read(channel: Channel, user: Any) -> int:
    row = db.session.get(ChannelRead, (channel.id, user.id))
    return row.last_seq if row else 0


def unread_counts(space: Space, user: Any) -> dict[int, int]:
    """Unread messages (by others, not deleted) per channel of the space; one query."""
    if not getattr(user, "is_authenticated", False):
        return {}
    read = db.aliased(ChannelRead)
    rows = db.session.execute(
        db.select(Message.channel_id, db.func.count())
        .outerjoin(read, db.and_(read.channel_id == Message.channel_id, read.user_id == user.id))
        .filter(
            Message.space_id == space.id,
            Message.seq > db.func.coalesce(read.last_seq, 0),
            Message.deleted_at.is_(None),
            db.or_(Message.author_id.is_(None), Message.author_id != user.id),
        )
        .group_by(Message.channel_id)
    ).all()
    return {channel_id: int(count) for channel_id, count in rows}
