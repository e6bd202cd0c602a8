"""Widgets: the latest posts and the pinned announcement of a space."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from parvis import WidgetContext, WidgetSpec
from parvis.services.markdown import plain_text
from parvis.services.spaces import slugify
from parvis.templating import render_fragment

from . import service
from .forms import LatestPostsWidgetForm


def _int_setting(value: object, default: int, low: int, high: int) -> int:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return max(low, min(number, high))


def render_latest(ctx: WidgetContext) -> Markup:
    """The ``n`` newest live posts, optionally only those with one tag."""
    n = _int_setting(ctx.settings.get("n"), 5, 1, 20)
    tag = slugify(str(ctx.settings.get("tag") or "")) or None
    posts = service.latest(ctx.space, n, tag=tag)
    return render_fragment(
        "posts/widget_latest.html", space=ctx.space, posts=posts, tag=tag
    )


def render_announcement(ctx: WidgetContext) -> Markup:
    """The newest pinned post (announcements first), or nothing."""
    post = service.pinned_announcement(ctx.space)
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
    ),
    WidgetSpec(
        id="posts.announcement",
        label=_l("Pinned announcement"),
        description=_l("The pinned announcement (or pinned post) of the space."),
        render=render_announcement,
        icon="megaphone",
    ),
)
