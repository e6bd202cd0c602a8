"""Bulk generation of realistic wiki pages for load tests (``parvis seed``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from parvis import hookimpl


@hookimpl
def parvis_seed_content(space: Any, module_id: str, users: list[Any], count: int, rng: Any) -> int | None:
    """Create ``count`` wiki pages in ``space`` (a fifth of them under another page), each
    with one to three revisions, dated over two years."""
    if module_id != "wiki":
        return None
    from flask import url_for

    from parvis.extensions import db
    from parvis.seeding import NOW, add_activities, french, insert_rows, sorted_dates, update_rows
    from parvis.services.spaces import slugify

    from .links import title_key
    from .models import WikiPage, WikiRevision
    from .services import CONTENT_TYPE

    text = french()
    author_ids = [u.id for u in users] or [space.created_by_id]
    taken = set(db.session.scalars(db.select(WikiPage.slug).filter_by(space_id=space.id)))
    titles = set(db.session.scalars(db.select(WikiPage.title_key).filter_by(space_id=space.id)))
    roots = max(1, count - count // 5)
    pages, revisions = [], []
    for n, when in enumerate(sorted_dates(rng, count)):
        title = text.title(rng, 100)
        if title_key(title) in titles:
            title = f"{title} ({n + 1})"
        titles.add(title_key(title))
        slug = slugify(title)[:60].strip("-") or "page"
        if slug in taken:
            slug = f"{slug}-{n + 1}"
        taken.add(slug)
        author = rng.choice(author_ids)
        pages.append({
            "space_id": space.id, "title": title, "title_key": title_key(title), "slug": slug,
            "position": n, "author_id": author, "updated_by_id": author, "created_at": when, "updated_at": when,
        })
    root_ids = insert_rows(WikiPage, pages[:roots])
    child_rows = pages[roots:]
    for row in child_rows:
        row["parent_id"] = rng.choice(root_ids)
    ids = root_ids + insert_rows(WikiPage, child_rows)
    current: dict[int, int] = {}
    for page_id, page in zip(ids, pages, strict=True):
        body = text.markdown(rng)
        for number in range(1, rng.randint(1, 3) + 1):
            when = min(NOW, page["created_at"] + timedelta(days=(number - 1) * rng.randint(1, 60)))
            revisions.append({
                "page_id": page_id, "number": number, "title": page["title"], "body": body,
                "summary": "" if number == 1 else text.title(rng, 80), "author_id": rng.choice(author_ids),
                "created_at": when,
            })
            page["updated_at"] = when
            body = body + "\n\n" + text.paragraph(rng)
    revision_ids = insert_rows(WikiRevision, revisions)
    for revision_id, revision in zip(revision_ids, revisions, strict=True):
        current[revision["page_id"]] = revision_id  # the last (highest number) wins
    update_rows(WikiPage, [
        {"id": page_id, "current_revision_id": current[page_id], "updated_at": page["updated_at"]}
        for page_id, page in zip(ids, pages, strict=True)
    ])
    add_activities(space, [
        {"verb": "wiki.created", "actor_id": page["author_id"], "target_type": CONTENT_TYPE, "target_id": page_id,
         "title": page["title"], "url": url_for("wiki.view_page", space_slug=space.slug, slug=page["slug"]),
         "created_at": page["created_at"]}
        for page_id, page in zip(ids, pages, strict=True)
    ])
    return len(ids)
