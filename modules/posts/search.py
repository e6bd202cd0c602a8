"""Search documents, export and clean-up of a space's posts (used by the hooks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from parvis.extensions import db
from parvis.models import Space
from parvis.services.markdown import plain_text

from . import service
from .models import Post, Tag, post_tags


def _live_posts(space: Space) -> Iterator[Post]:
    stmt = (
        db.select(Post)
        .filter(Post.space_id == space.id, service.live_clause())
        .options(db.selectinload(Post.tags))
        .order_by(Post.id)
        .execution_options(yield_per=200)
    )
    yield from db.session.scalars(stmt)


def document(post: Post, space: Space) -> dict[str, Any]:
    """The search document of a live post (shape in docs/hooks.md)."""
    return {
        "type": service.CONTENT_TYPE,
        "object_id": post.id,
        "space_id": space.id,
        "title": post.title,
        "body": plain_text(post.body),
        "tags": [t.name for t in post.tags],
        "author_id": post.author_id,
        "created_at": post.published_at or post.created_at,
        "updated_at": post.updated_at,
        "url": service.post_url(post, space.slug),
    }


def search_documents(space: Space) -> Iterator[dict[str, Any]]:
    """One document per live post: drafts, pending, scheduled and hidden posts are left out."""
    for post in _live_posts(space):
        yield document(post, space)


def search_document(object_id: int) -> dict[str, Any] | None:
    """The document of one post, or None when it is not live (draft, hidden, deleted...)."""
    post = db.session.scalar(
        db.select(Post)
        .filter(Post.id == object_id, service.live_clause())
        .options(db.selectinload(Post.tags), db.joinedload(Post.space))
    )
    return document(post, post.space) if post is not None else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def export_space(space: Space) -> dict[str, Any]:
    """Every post of the space (whatever its state) as JSON-serialisable data."""
    posts = db.session.scalars(
        db.select(Post)
        .filter_by(space_id=space.id)
        .options(db.selectinload(Post.tags), db.selectinload(Post.author))
        .order_by(Post.id)
    ).unique()
    return {
        "module": service.MODULE_ID,
        "version": 1,
        "posts": [
            {
                "id": p.id,
                "title": p.title,
                "body": p.body,
                "status": p.state,
                "hidden": p.hidden,
                "pinned": p.pinned,
                "announcement": p.announcement,
                "tags": [t.name for t in p.tags],
                "author_id": p.author_id,
                "author_username": p.author.username if p.author else None,
                "cover_attachment_id": p.cover_id,
                "published_at": _iso(p.published_at),
                "created_at": _iso(p.created_at),
                "updated_at": _iso(p.updated_at),
            }
            for p in posts
        ],
    }


def delete_space_data(space: Space) -> None:
    """Delete the space's posts, tags and the comments, reactions and attachments on them."""
    ids = db.select(Post.id).filter_by(space_id=space.id)
    service.purge_content(ids)
    db.session.execute(db.delete(post_tags).where(post_tags.c.post_id.in_(ids)))
    db.session.execute(db.delete(Post).filter_by(space_id=space.id))
    db.session.execute(db.delete(Tag).filter_by(space_id=space.id))
