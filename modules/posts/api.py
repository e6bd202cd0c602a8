"""JSON API of the posts module, mounted at ``/api/v1/spaces/<space_slug>/posts/``.

Errors use the core's shape (:func:`parvis.errors.api_error`); invalid input answers
422 with ``fields`` mapping each field to its messages. Bearer-token clients need no
CSRF token; browser-session clients send ``X-CSRFToken``.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import and_, or_
from sqlalchemy.sql import Select

from parvis.errors import api_error
from parvis.extensions import csrf, db
from parvis.input_guards import valid_id

from . import content, service
from .models import BODY_MAX, TITLE_MAX, Post
from .service import PostInput
from .tags import check_tags, parse_tags

api_bp = Blueprint("posts_api", __name__)
csrf.exempt(api_bp)


@api_bp.before_request
def _csrf_for_cookie_sessions() -> None:
    """Cookie-authenticated writes still need a CSRF token; bearer tokens do not."""
    if current_app.config.get("WTF_CSRF_ENABLED", True) and not g.get("api_token_auth"):
        csrf.protect()


# -- serialisation -------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def serialize(post: Post, *, comment_count: int | None = None) -> dict[str, Any]:
    """The JSON representation of a post."""
    slug = g.space.slug
    author = post.author
    data: dict[str, Any] = {
        "id": post.id,
        "title": post.title,
        "body": post.body,
        "body_html": str(_render(post.body)),
        "status": post.state,
        "hidden": post.hidden,
        "pinned": post.pinned,
        "announcement": post.announcement,
        "tags": [t.name for t in post.tags],
        "author": {"id": author.id, "username": author.username, "name": author.name}
        if author
        else None,
        "cover_url": service.cover_url(post, slug),
        "published_at": _iso(post.published_at),
        "created_at": _iso(post.created_at),
        "updated_at": _iso(post.updated_at),
        "url": service.post_url(post, slug),
    }
    if comment_count is not None:
        data["comment_count"] = comment_count
    return data


def _render(body: str) -> str:
    from parvis.services.markdown import render_markdown

    return render_markdown(body)


# -- input -------------------------------------------------------------------------------


def _fail(code: int, message: str, fields: dict[str, list[str]] | None = None) -> None:
    """Stop the request with a JSON error of the core's shape."""
    response, status = api_error(code, message, fields)
    response.status_code = status
    abort(response)


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        _fail(400, gettext("Send a JSON object."))
    return data


def _text(data: dict, name: str, limit: int, required: bool, errors: dict) -> str | None:
    if name not in data:
        if required:
            errors[name] = [gettext("This field is required.")]
        return None
    value = data[name]
    if not isinstance(value, str):
        errors[name] = [gettext("Must be a string.")]
        return None
    if required and not value.strip():
        errors[name] = [gettext("This field is required.")]
    elif len(value) > limit:
        errors[name] = [gettext("At most %(n)s characters.", n=limit)]
    return value


def _bool(data: dict, name: str, errors: dict) -> bool | None:
    if name not in data:
        return None
    if not isinstance(data[name], bool):
        errors[name] = [gettext("Must be true or false.")]
        return None
    return data[name]


def _datetime(data: dict, name: str, errors: dict) -> tuple[datetime | None, bool]:
    """(value, cleared): an ISO 8601 date-time (UTC when no offset), or null."""
    if name not in data:
        return None, False
    raw = data[name]
    if raw is None or raw == "":
        return None, True
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        errors[name] = [gettext("Use an ISO 8601 date and time, e.g. 2030-01-31T09:00:00Z.")]
        return None, False
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC), False


def clean(data: dict[str, Any], *, partial: bool) -> tuple[PostInput, dict[str, list[str]]]:
    """Validate a create (``partial=False``) or update payload."""
    errors: dict[str, list[str]] = {}
    title = _text(data, "title", TITLE_MAX, not partial, errors)
    if partial and title is not None and not title.strip() and "title" not in errors:
        errors["title"] = [gettext("This field is required.")]
    body = _text(data, "body", BODY_MAX, not partial, errors)
    if partial and body is not None and not body.strip() and "body" not in errors:
        errors["body"] = [gettext("This field is required.")]
    tags = None
    if "tags" in data:
        raw = data["tags"]
        if isinstance(raw, str) or (
            isinstance(raw, list) and all(isinstance(t, str) for t in raw)
        ):
            tags = parse_tags(raw)
            problem = check_tags(tags)
            if problem:
                errors["tags"] = [problem]
        else:
            errors["tags"] = [gettext("Give a list of strings.")]
    publish = None
    if "status" in data:
        if data["status"] not in ("draft", "published"):
            errors["status"] = [gettext("Use draft or published.")]
        else:
            publish = data["status"] == "published"
    publish_at, cleared = _datetime(data, "publish_at", errors)
    result = PostInput(
        title=title,
        body=body,
        tags=tags,
        publish=publish,
        publish_at=publish_at,
        clear_publish_at=cleared,
        pinned=_bool(data, "pinned", errors),
        announcement=_bool(data, "announcement", errors),
    )
    return result, errors


# -- listing -----------------------------------------------------------------------------


def _encode_cursor(post: Post) -> str:
    raw = json.dumps([post.pinned, _iso(post.published_at), post.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after_cursor(stmt: Select, cursor: str) -> Select:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        pinned, published, post_id = json.loads(base64.urlsafe_b64decode(padded))
        published_at = datetime.fromisoformat(published)
        if not isinstance(pinned, bool) or not isinstance(post_id, int):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        _fail(400, gettext("Invalid cursor."), {"cursor": [gettext("Invalid cursor.")]})
    later = or_(
        Post.published_at < published_at,
        and_(Post.published_at == published_at, Post.id < post_id),
    )
    if pinned:
        return stmt.filter(or_(Post.pinned.is_(False), and_(Post.pinned.is_(True), later)))
    return stmt.filter(Post.pinned.is_(False), later)


@api_bp.get("/")
def list_posts():  # noqa: ANN201
    """List the space's published posts, pinned first, then newest.

    Query parameters: ``tag`` (tag slug), ``author`` (user id), ``per_page`` (1-50),
    and either ``cursor`` (from ``next_cursor``) or ``page`` (1-based).
    """
    space = g.space
    service.release_due(space)
    per_page = request.args.get("per_page", type=int) or service.settings(space)["posts_per_page"]
    per_page = max(1, min(per_page, service.MAX_PER_PAGE))
    stmt = service.feed_query(
        space,
        tag=(request.args.get("tag") or "").strip()[:64] or None,
        author_id=valid_id(request.args.get("author")) if request.args.get("author") else None,
        include_hidden=service.may_moderate(current_user, space),
    )
    cursor = request.args.get("cursor")
    if cursor:
        stmt = _after_cursor(stmt, cursor)
        page = service.paginate(stmt, 1, per_page)
        number = None
    else:
        number = max(1, request.args.get("page", 1, type=int) or 1)
        page = service.paginate(stmt, number, per_page)
    counts = content.comment_counts([p.id for p in page.items])
    return jsonify(
        {
            "items": [serialize(p, comment_count=counts.get(p.id, 0)) for p in page.items],
            "page": number,
            "per_page": per_page,
            "has_more": page.has_next,
            "next_cursor": _encode_cursor(page.items[-1]) if page.has_next else None,
        }
    )


def _visible_or_404(post_id: int) -> Post:
    post = service.get_visible(g.space, post_id, current_user)
    if post is None:
        abort(404)
    return post


@api_bp.get("/<int:post_id>")
def get_post(post_id: int):  # noqa: ANN201
    """Get one post.

    Drafts are visible to their author only; pending, scheduled and hidden posts to
    their author and moderators.
    """
    post = _visible_or_404(post_id)
    counts = content.comment_counts([post.id])
    return jsonify(serialize(post, comment_count=counts.get(post.id, 0)))


@api_bp.post("/")
def create_post():  # noqa: ANN201
    """Create a post.

    JSON body: ``title`` and ``body`` (markdown) required; optional ``tags`` (list or
    comma-separated string), ``status`` (``published`` by default, or ``draft``),
    ``publish_at`` (ISO 8601; a future date schedules the post), ``pinned`` and
    ``announcement`` (ignored without the permission).
    """
    space = g.space
    if not service.may_create(current_user, space):
        abort(403)
    data, errors = clean(_payload(), partial=False)
    if errors:
        return api_error(422, None, errors)
    if data.publish is None:
        data.publish = True
    post = service.create_post(space, current_user, data)
    db.session.commit()
    return jsonify(serialize(post, comment_count=0)), 201


@api_bp.route("/<int:post_id>", methods=["PATCH", "PUT"])
def update_post(post_id: int):  # noqa: ANN201
    """Update a post (its author or a moderator); send only the fields to change."""
    post = _visible_or_404(post_id)
    if not service.may_edit(current_user, post):
        abort(403)
    data, errors = clean(_payload(), partial=True)
    if errors:
        return api_error(422, None, errors)
    service.update_post(post, current_user, data)
    db.session.commit()
    counts = content.comment_counts([post.id])
    return jsonify(serialize(post, comment_count=counts.get(post.id, 0)))


@api_bp.delete("/<int:post_id>")
def delete_post(post_id: int):  # noqa: ANN201
    """Delete a post (its author or a moderator) with its comments and reactions."""
    post = _visible_or_404(post_id)
    if not service.may_edit(current_user, post):
        abort(403)
    service.delete_post(post, current_user)
    db.session.commit()
    return "", 204
