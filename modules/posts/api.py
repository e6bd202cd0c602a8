"""JSON API of the posts module, mounted at ``/api/v1/spaces/<space_slug>/posts/``.

Every endpoint is declared with :func:`parvis.api.api_endpoint` and the schemas of
:mod:`.api_schemas`, so it is in the OpenAPI document. Errors use the core's shape;
invalid input answers 422 with ``fields`` naming each bad field. A post a user may not
see answers 404; changing one they may see but not edit answers 403. CSRF is the
core's: bearer-token clients need no token, browser-session clients send ``X-CSRFToken``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import and_, or_
from sqlalchemy.sql import Select

from parvis.api import ApiError, api_endpoint, current_space, me
from parvis.extensions import db
from parvis.services.markdown import render_markdown

from . import content, service
from .api_schemas import (
    FeedPosition,
    PostCreateSchema,
    PostListQuerySchema,
    PostListSchema,
    PostSchema,
    PostUpdateSchema,
    encode_cursor,
)
from .models import Post
from .service import PostInput

api_bp = Blueprint("posts_api", __name__)
TAGS = ("posts",)


def serialize(post: Post, *, comment_count: int) -> dict[str, Any]:
    """The values :class:`PostSchema` dumps for ``post``."""
    slug = current_space().slug
    author = post.author
    return {
        "id": post.id,
        "title": post.title,
        "body": post.body,
        "body_html": str(render_markdown(post.body)),
        "status": post.state,
        "hidden": post.hidden,
        "pinned": post.pinned,
        "announcement": post.announcement,
        "tags": [t.name for t in post.tags],
        "author": author,
        "cover_url": service.cover_url(post, slug),
        "published_at": post.published_at,
        "created_at": post.created_at,
        "updated_at": post.updated_at,
        "url": service.post_url(post, slug),
        "comment_count": comment_count,
    }


def _one(post: Post) -> dict[str, Any]:
    return serialize(post, comment_count=content.comment_counts([post.id]).get(post.id, 0))


def post_input(body: dict[str, Any]) -> PostInput:
    """The service's input for a loaded create or update body (absent means unchanged)."""
    status = body.get("status")
    return PostInput(
        title=body.get("title"),
        body=body.get("body"),
        tags=body.get("tags"),
        publish=None if status is None else status == "published",
        publish_at=body.get("publish_at"),
        clear_publish_at="publish_at" in body and body["publish_at"] is None,
        pinned=body.get("pinned"),
        announcement=body.get("announcement"),
    )


def _after(stmt: Select, position: FeedPosition) -> Select:
    """The feed after ``position`` (the feed is ordered pinned, published_at, id, descending)."""
    later = or_(
        Post.published_at < position.published_at,
        and_(Post.published_at == position.published_at, Post.id < position.post_id),
    )
    if position.pinned:
        return stmt.filter(or_(Post.pinned.is_(False), and_(Post.pinned.is_(True), later)))
    return stmt.filter(Post.pinned.is_(False), later)


def _visible(post_id: int) -> Post:
    post = service.get_visible(current_space(), post_id, me())
    if post is None:
        raise ApiError(404)
    return post


def _editable(post_id: int) -> Post:
    post = _visible(post_id)
    if not service.may_edit(me(), post):
        raise ApiError(403)
    return post


@api_endpoint(
    api_bp, "/", ["GET"], query=PostListQuerySchema, response=PostListSchema, tags=TAGS
)
def list_posts(query: dict[str, Any]) -> dict[str, Any]:
    """The space's published posts, pinned first, then the newest.

    Filters: ``tag`` (a tag's slug), ``author`` (a user id). Walk the feed with
    ``cursor`` (the previous answer's ``next_cursor``, stable while posts are added) or
    ``page`` (from 1). Moderators also see hidden posts.
    """
    space, user = current_space(), me()
    service.release_due(space)
    per_page = min(query["per_page"] or service.settings(space)["posts_per_page"], service.MAX_PER_PAGE)
    stmt = service.feed_query(
        space,
        tag=(query["tag"] or "").strip()[:64] or None,
        author_id=query["author"],
        include_hidden=service.may_moderate(user, space),
    )
    number: int | None
    if query["cursor"] is not None:
        page = service.paginate(_after(stmt, query["cursor"]), 1, per_page)
        number = None
    else:
        number = query["page"]
        page = service.paginate(stmt, number, per_page)
    counts = content.comment_counts([p.id for p in page.items])
    last = page.items[-1] if page.items else None
    return {
        "items": [serialize(p, comment_count=counts.get(p.id, 0)) for p in page.items],
        "page": number,
        "per_page": per_page,
        "has_more": page.has_next,
        "next_cursor": encode_cursor(last.pinned, last.published_at, last.id)
        if page.has_next and last
        else None,
    }


@api_endpoint(api_bp, "/<int:post_id>", ["GET"], response=PostSchema, tags=TAGS, errors=[404])
def get_post(post_id: int) -> dict[str, Any]:
    """One post.

    Drafts are visible to their author only; pending, scheduled and hidden posts to
    their author and the moderators; anything else answers 404.
    """
    return _one(_visible(post_id))


@api_endpoint(
    api_bp, "/", ["POST"], body=PostCreateSchema, response=PostSchema, tags=TAGS, errors=[403]
)
def create_post(body: dict[str, Any]) -> dict[str, Any]:
    """Write a post.

    ``title`` and ``body`` (markdown) are required. ``status`` is ``published`` by
    default (it waits for approval when the space requires it) or ``draft``; a future
    ``publish_at`` schedules the post; ``pinned`` and ``announcement`` are ignored
    without the permission.
    """
    space, user = current_space(), me()
    if not service.may_create(user, space):
        raise ApiError(403)
    data = post_input(body)
    if data.publish is None:
        data.publish = True
    post = service.create_post(space, user, data)
    db.session.commit()
    return serialize(post, comment_count=0)


@api_endpoint(
    api_bp, "/<int:post_id>", ["PATCH", "PUT"], body=PostUpdateSchema, response=PostSchema,
    tags=TAGS, errors=[403, 404],
)
def update_post(post_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Change a post (its author or a moderator).

    Send only the fields to change, with ``PATCH`` or ``PUT`` alike: the others keep
    their value. A moderator who publishes a pending post approves it.
    """
    post = _editable(post_id)
    service.update_post(post, me(), post_input(body))
    db.session.commit()
    return _one(post)


@api_endpoint(api_bp, "/<int:post_id>", ["DELETE"], tags=TAGS, errors=[403, 404])
def delete_post(post_id: int) -> None:
    """Delete a post (its author or a moderator) with its comments and reactions."""
    post = _editable(post_id)
    service.delete_post(post, me())
    db.session.commit()
