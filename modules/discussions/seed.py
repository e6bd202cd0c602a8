"""Bulk generation of realistic discussion messages for load tests (``parvis seed``)."""

from __future__ import annotations

from typing import Any

from parvis import hookimpl


@hookimpl
def parvis_seed_content(space: Any, module_id: str, users: list[Any], count: int, rng: Any) -> int | None:
    """Create ``count`` messages in the channels of ``space`` (its default channel, created if
    needed), one in six a reply in a thread, dated over two years, with a few reactions."""
    if module_id != "discussions":
        return None
    from flask import url_for

    from parvis.extensions import db
    from parvis.models import Reaction
    from parvis.seeding import (
        EMOJIS,
        add_activities,
        french,
        insert_rows,
        sorted_dates,
        update_rows,
    )

    from .models import Channel, Message
    from .service import CONTENT_TYPE, ensure_default_channel

    text = french()
    author_ids = [u.id for u in users] or [space.created_by_id]
    ensure_default_channel(space)
    channels = list(db.session.scalars(db.select(Channel).filter_by(space_id=space.id).order_by(Channel.id)))
    next_seq = {c.id: c.last_seq for c in channels}
    roots: list[dict[str, Any]] = []
    replies: list[dict[str, Any]] = []
    for when in sorted_dates(rng, count):
        channel = rng.choice(channels)
        next_seq[channel.id] += 1
        row = {"space_id": space.id, "channel_id": channel.id, "seq": next_seq[channel.id],
               "author_id": rng.choice(author_ids), "body": text.paragraph(rng, rng.randint(1, 3)),
               "created_at": when, "updated_at": when}
        same_channel = [r for r in roots[-20:] if r["channel_id"] == channel.id]
        if same_channel and rng.random() < 1 / 6:
            row["root"] = rng.choice(same_channel)
            replies.append(row)
        else:
            roots.append(row)
    root_ids = insert_rows(Message, roots)
    for message_id, row in zip(root_ids, roots, strict=True):
        row["id"] = message_id
    threads: dict[int, dict[str, Any]] = {}
    for row in replies:
        root = row.pop("root")
        row["thread_id"] = root["id"]
        thread = threads.setdefault(root["id"], {"id": root["id"], "reply_count": 0, "last_reply_at": None})
        thread["reply_count"] += 1
        thread["last_reply_at"] = row["created_at"]
    insert_rows(Message, replies)
    update_rows(Message, list(threads.values()))
    update_rows(Channel, [{"id": cid, "last_seq": seq} for cid, seq in next_seq.items()])
    by_id = {row["id"]: row for row in roots}
    add_activities(space, [
        {"verb": "discussions.thread_started", "actor_id": by_id[tid]["author_id"], "target_type": CONTENT_TYPE,
         "target_id": tid, "title": by_id[tid]["body"][:120],
         "url": url_for("discussions.permalink", space_slug=space.slug, message_id=tid),
         "created_at": by_id[tid]["created_at"]}
        for tid in threads
    ])
    insert_rows(Reaction, [
        {"target_type": CONTENT_TYPE, "target_id": mid, "user_id": rng.choice(author_ids), "emoji": rng.choice(EMOJIS),
         "created_at": row["created_at"]}
        for mid, row in zip(root_ids, roots, strict=True) if rng.random() < 0.1
    ])
    return len(roots) + len(replies)
