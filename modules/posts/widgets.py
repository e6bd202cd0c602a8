"""Widgets: the latest posts and the pinned announcement of a space."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from parvis import WidgetContext, WidgetSpec
from parvis.extensions import db
from parvis.services.markdown import plain_text
from parvis.services.spaces import slugify
from parvis.templating import render_fragment

from . import service
from .forms import LatestPostsWidgetForm
from .models import Post, Tag


def _int_setting(value: object, default: int, low: int, high: int) -> int:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return max(low, min(number, high))


def _latest_params(ctx: WidgetContext) -> tuple[int, str | None]:
    return _int_setting(ctx.settings.get("n"), 5, 1, 20), slugify(str(ctx.settings.get("tag") or "")) or None


def load_latest(contexts: list[WidgetContext]) -> None:
    """Batch loader: one query per (space, tag) on the page, whatever the placements."""
    groups: dict[tuple[int, str | None], list[WidgetContext]] = {}
    for ctx in contexts:
        groups.setdefault((ctx.space.id, _latest_params(ctx)[1]), []).append(ctx)
    for (_space_id, tag), group in groups.items():
        most = max(_latest_params(ctx)[0] for ctx in group)
        posts = _latest(group[0].space, most, tag)
        for ctx in group:
            ctx.data = posts[: _latest_params(ctx)[0]]


def _latest(space: object, limit: int, tag: str | None) -> list[Post]:
    """The newest live posts (one query: the widget shows titles and dates only, so no
    author, cover or tags are loaded)."""
    stmt = db.select(Post).filter(Post.space_id == space.id, service.live_clause())
    if tag:
        stmt = stmt.filter(Post.tags.any(Tag.slug == tag))
    return list(db.session.scalars(
        stmt.order_by(Post.published_at.desc(), Post.id.desc()).limit(limit)
    ))


def _pinned(space: object) -> Post | None:
    """The newest pinned live post, announcements first (one query: the widget shows
    only its title and an excerpt, so no author, cover or tags are loaded)."""
    return db.session.scalars(
        db.select(Post)
        .filter(Post.space_id == space.id, Post.pinned.is_(True), service.live_clause())
        .order_by(Post.announcement.desc(), Post.published_at.desc(), Post.id.desc())
        .limit(1)
    ).first()


def load_announcement(contexts: list[WidgetContext]) -> None:
    """Batch loader: the pinned post of each space on the page, once."""
    found: dict[int, object] = {}
    for ctx in contexts:
        if ctx.space.id not in found:
            found[ctx.space.id] = _pinned(ctx.space)
        ctx.data = {"post": found[ctx.space.id]}


def render_latest(ctx: WidgetContext) -> Markup:
    """The ``n`` newest live posts, optionally only those with one tag."""
    if ctx.data is None:
        load_latest([ctx])
    _n, tag = _latest_params(ctx)
    posts = ctx.data
    return render_fragment(
        "posts/widget_latest.html", space=ctx.space, posts=posts, tag=tag
    )


def render_announcement(ctx: WidgetContext) -> Markup:
    """The newest pinned post (announcements first), or nothing."""
    if ctx.data is None:
        load_announcement([ctx])
    post = ctx.data["post"]
    if post is None:
        return Markup("")
    return render_fragment(
        "posts/widget_announcement.html",
        space=ctx.space,
        post=post,
        excerpt=plain_text(post.body, 300),
    )


WIDGETS = (
    WidgetSpec(
        id="posts.latest",
        label=_l("Latest posts"),
        description=_l("The newest posts of the space, optionally on one topic."),
        render=render_latest,
        icon="news",
        form=LatestPostsWidgetForm,
        defaults={"n": 5, "tag": ""},
        load=load_latest,
        cache_ttl=60,  # scheduled posts go live without a write
    ),
    WidgetSpec(
        id="posts.announcement",
        label=_l("Pinned announcement"),
        description=_l("The pinned announcement (or pinned post) of the space."),
        render=render_announcement,
        icon="megaphone",
        load=load_announcement,
        cache_ttl=60,
    ),
)
