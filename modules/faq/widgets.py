"""The FAQ widgets a space page may place in its layout: top questions, a category,
and an "ask a question" box. Only published entries are ever shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from parvis import WidgetContext, WidgetSpec
from parvis.services.spaces import enabled_modules
from parvis.templating import render_fragment

from . import queries
from .forms import AskWidgetForm, CategoryWidgetForm, TopWidgetForm


def _enabled(ctx: WidgetContext) -> bool:
    """Is the FAQ on in the widget's space? (Shares the core's per-request cache.)"""
    return any(spec.id == "faq" for spec, _state in enabled_modules(ctx.space))


def _limit(ctx: WidgetContext, default: int, most: int) -> int:
    try:
        value = int(ctx.settings.get("limit", default))
    except (TypeError, ValueError):
        value = default
    return max(1, min(value, most))


def load_top(contexts: list[WidgetContext]) -> None:
    """Batch loader: one query per space on the page, whatever the placements."""
    groups: dict[int, list[WidgetContext]] = {}
    for ctx in contexts:
        groups.setdefault(ctx.space.id, []).append(ctx)
    for group in groups.values():
        most = max(_limit(ctx, 5, 20) for ctx in group)
        entries = queries.published_entries(group[0].space, order="helpful", limit=most)
        for ctx in group:
            ctx.data = entries[: _limit(ctx, 5, 20)]


def render_top(ctx: WidgetContext) -> Markup:
    """The most helpful published questions."""
    if not _enabled(ctx):
        return Markup("")
    if ctx.data is None:
        load_top([ctx])
    entries = ctx.data
    return render_fragment("faq/widgets/top.html", space=ctx.space, entries=entries)


def render_category(ctx: WidgetContext) -> Markup:
    """The published questions of one chosen category."""
    if not _enabled(ctx):
        return Markup("")
    category = queries.get_category(ctx.space, ctx.settings.get("category_id"))
    entries = (
        queries.published_entries(ctx.space, category_id=category.id, limit=_limit(ctx, 10, 50))
        if category is not None
        else []
    )
    return render_fragment(
        "faq/widgets/category.html", space=ctx.space, category=category, entries=entries
    )


def render_ask(ctx: WidgetContext) -> Markup:
    """A small form posting a question to the propose page."""
    if not _enabled(ctx):
        return Markup("")
    return render_fragment(
        "faq/widgets/ask.html",
        space=ctx.space,
        title=str(ctx.settings.get("title") or ""),
        may_propose=queries.may_propose(ctx.user, ctx.space),
    )


WIDGETS = (
    WidgetSpec(
        "faq.top",
        _l("Top questions"),
        render_top,
        description=_l("The questions members found most helpful."),
        icon="faq",
        form=TopWidgetForm,
        defaults={"limit": 5},
        load=load_top,
        cache_ttl=300,
    ),
    WidgetSpec(
        "faq.category",
        _l("FAQ category"),
        render_category,
        description=_l("The questions of one FAQ category."),
        icon="faq",
        form=CategoryWidgetForm,
        defaults={"category_id": None, "limit": 10},
        cache_ttl=300,
    ),
    WidgetSpec(
        "faq.ask",
        _l("Ask a question"),
        render_ask,
        description=_l("A box where members send a question to the moderators."),
        icon="faq",
        form=AskWidgetForm,
        defaults={"title": ""},
    ),
)
