"""Bulk generation of realistic posts for load tests (``parvis seed``)."""

from __future__ import annotations

from typing import Any

from parvis import hookimpl


@hookimpl
def parvis_seed_content(space: Any, module_id: str, users: list[Any], count: int, rng: Any) -> int | None:
    """Create ``count`` published posts in ``space`` (the newest one pinned as an
    announcement), dated over two years, with a few comments and reactions."""
    if module_id != "posts":
        return None
    from flask import url_for

    from parvis.seeding import (
        add_activities,
        add_comments_and_reactions,
        french,
        insert_rows,
        sorted_dates,
    )

    from .models import Post
    from .service import CONTENT_TYPE

    text = french()
    author_ids = [u.id for u in users] or [space.created_by_id]
    dates = sorted_dates(rng, count)
    rows = []
    for n, when in enumerate(dates):
        newest = n == count - 1
        rows.append({
            "space_id": space.id, "author_id": rng.choice(author_ids), "title": text.title(rng),
            "body": text.markdown(rng), "status": "published", "pinned": newest, "announcement": newest,
            "published_at": when, "released_at": when, "announced_at": when if newest else None,
            "created_at": when, "updated_at": when,
        })
    ids = insert_rows(Post, rows)
    add_activities(space, [
        {"verb": "posts.published", "actor_id": row["author_id"], "target_type": CONTENT_TYPE, "target_id": pid,
         "title": row["title"], "url": url_for("posts.show", space_slug=space.slug, post_id=pid),
         "created_at": row["published_at"]}
        for pid, row in zip(ids, rows, strict=True)
    ])
    add_comments_and_reactions(space, CONTENT_TYPE, list(zip(ids, dates, strict=True)), author_ids, rng)
    return len(ids)
