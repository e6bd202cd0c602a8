"""The wiki's widgets: an embedded page, recently changed pages, the page tree."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from parvis import WidgetContext, WidgetSpec
from parvis.services.permissions import can
from parvis.templating import render_fragment

from . import services
from .forms import EmbedPageWidgetForm, RecentWidgetForm, TreeWidgetForm
from .helpers import render_body
from .outline import load_outline


def _readable(ctx: WidgetContext) -> bool:
    return can(ctx.user, "space.read", ctx.space)


def _int(value: object, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value), low), high)
    except (TypeError, ValueError):
        return default


def render_page_widget(ctx: WidgetContext) -> Markup:
    """A chosen page of the wiki, rendered in full."""
    if not _readable(ctx):
        return Markup("")
    slug = str(ctx.settings.get("slug") or "").strip()
    page = None
    if slug:
        page, _moved = services.find_page(ctx.space, slug)
    if page is not None and page.is_deleted:
        page = None
    rendered = None
    if page is not None:
        rendered = render_body(
            page.body, ctx.space, can_create=can(ctx.user, "wiki.edit", ctx.space)
        )
    return render_fragment("wiki/widget_page.html", space=ctx.space, page=page, rendered=rendered)


def load_recent_widget(contexts: list[WidgetContext]) -> None:
    """Batch loader: one query per space on the page, whatever the placements."""
    groups: dict[int, list[WidgetContext]] = {}
    for ctx in contexts:
        groups.setdefault(ctx.space.id, []).append(ctx)
    for group in groups.values():
        most = max(_int(ctx.settings.get("limit"), 5, 1, 50) for ctx in group)
        pages = services.recent_pages(group[0].space, most)
        for ctx in group:
            ctx.data = pages[: _int(ctx.settings.get("limit"), 5, 1, 50)]


def render_recent_widget(ctx: WidgetContext) -> Markup:
    """The pages changed most recently."""
    if not _readable(ctx):
        return Markup("")
    if ctx.data is None:
        load_recent_widget([ctx])
    return render_fragment("wiki/widget_recent.html", space=ctx.space, pages=ctx.data)


def load_tree_widget(contexts: list[WidgetContext]) -> None:
    """Batch loader: the outline of each space on the page, once."""
    outlines: dict[int, object] = {}
    for ctx in contexts:
        if ctx.space.id not in outlines:
            outlines[ctx.space.id] = load_outline(ctx.space)
        ctx.data = outlines[ctx.space.id]


def render_tree_widget(ctx: WidgetContext) -> Markup:
    """The page tree, down to a chosen depth."""
    if not _readable(ctx):
        return Markup("")
    depth = _int(ctx.settings.get("depth"), 2, 1, 10)
    if ctx.data is None:
        load_tree_widget([ctx])
    return render_fragment("wiki/widget_tree.html", space=ctx.space, outline=ctx.data, depth=depth)


# The first widget is the one a space's default home page shows: recent changes
# need no setting, while an embedded page needs one chosen.
WIDGETS = (
    WidgetSpec(
        "wiki.recent", _l("Recently changed wiki pages"), render_recent_widget,
        description=_l("The wiki pages edited most recently."),
        icon="clock", form=RecentWidgetForm, defaults={"limit": 5}, load=load_recent_widget, cache_ttl=300,
    ),
    WidgetSpec(
        "wiki.page", _l("Wiki page"), render_page_widget,
        description=_l("Shows a chosen page of the wiki."),
        icon="book", form=EmbedPageWidgetForm, defaults={"slug": ""}, cache_ttl=300,
    ),
    WidgetSpec(
        "wiki.tree", _l("Wiki page tree"), render_tree_widget,
        description=_l("The pages of the wiki as a tree."),
        icon="tree", form=TreeWidgetForm, defaults={"depth": 2}, load=load_tree_widget, cache_ttl=300,
    ),
)

