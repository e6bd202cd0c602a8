"""Calendar widgets: upcoming events (how many, which category) and a mini month.

Both batch their data in ``load``, and share it: the first widget of a page loads the
events of both windows (the next three months and this month's grid) with their
exceptions in one query, kept for the request; each placement then expands its own
window from them. A page showing both widgets, any number of times, costs one query.
"""

from __future__ import annotations

from datetime import timedelta

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from parvis import WidgetContext, WidgetSpec
from parvis.services.spaces import enabled_modules
from parvis.templating import render_fragment

from . import grid, queries
from .forms import MiniMonthWidgetForm, UpcomingWidgetForm

UPCOMING_DAYS = 92


def _enabled(ctx: WidgetContext) -> bool:
    return any(spec.id == queries.MODULE_ID for spec, _row in enabled_modules(ctx.space))


def _limit(ctx: WidgetContext) -> int:
    try:
        return max(1, min(int(ctx.settings.get("limit", 5)), 20))
    except (TypeError, ValueError):
        return 5


def _today():  # noqa: ANN202
    return queries.now().astimezone(queries.display_zone()).date()


def _month_window():  # noqa: ANN202
    """This month's first and last day, and the datetimes its grid covers (whole weeks)."""
    today = _today()
    first = today.replace(day=1)
    last = grid.shift_month(first, 1) - timedelta(days=1)
    start, end = grid.bounds(first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday()))
    return today, first, last, start, end


def _occurrences(space_ids: list[int], start, end) -> list:  # noqa: ANN001
    """Occurrences in ``[start, end)`` from the events both widgets share for this request."""
    now = queries.now()
    key = tuple(space_ids)
    # Kept in the request's environ (``g`` may outlive a request, e.g. in tests).
    loaded = request.environ.setdefault("parvis.calendar.widget_events", {}) if has_request_context() else {}
    if key not in loaded:
        *_days, month_start, month_end = _month_window()
        loaded[key] = queries.events_in(space_ids, min(now, month_start),
                                        max(now + timedelta(days=UPCOMING_DAYS), month_end))
    events, overrides = loaded[key]
    occs, _ = queries.occurrences_of(events, overrides, start, end, include_cancelled=False)
    return occs


def load_upcoming(contexts: list[WidgetContext]) -> None:
    """Upcoming occurrences for every placement (one window over all their spaces)."""
    live = [c for c in contexts if _enabled(c)]
    for ctx in contexts:
        ctx.data = []
    if not live:
        return
    now = queries.now()
    occs = _occurrences(sorted({c.space.id for c in live}), now, now + timedelta(days=UPCOMING_DAYS))
    for ctx in live:
        category = str(ctx.settings.get("category") or "").strip()
        mine = [o for o in occs if o.event.space_id == ctx.space.id and o.end > now
                and (not category or o.event.category == category)]
        ctx.data = mine[: _limit(ctx)]


def render_upcoming(ctx: WidgetContext) -> Markup:
    if not _enabled(ctx):
        return Markup("")
    if ctx.data is None:
        load_upcoming([ctx])
    return render_fragment(
        "calendar/widgets/upcoming.html", space=ctx.space, occurrences=ctx.data or [],
        heading=str(ctx.settings.get("heading") or "").strip(),
    )


def load_month(contexts: list[WidgetContext]) -> None:
    """This month's occurrences for every placement (one window over all their spaces)."""
    live = [c for c in contexts if _enabled(c)]
    for ctx in contexts:
        ctx.data = None
    today, first, last, start, end = _month_window()
    occs = _occurrences(sorted({c.space.id for c in live}), start, end) if live else []
    for ctx in live:
        mine = [o for o in occs if o.event.space_id == ctx.space.id]
        weeks, _, _ = grid.month_grid(first, mine, today)
        ctx.data = {"weeks": weeks, "first": first, "occurrences": [
            o for o in mine if any(first <= d <= last for d in o.days())]}


def render_month(ctx: WidgetContext) -> Markup:
    if not _enabled(ctx):
        return Markup("")
    if ctx.data is None:
        load_month([ctx])
    data = ctx.data or {}
    return render_fragment("calendar/widgets/month.html", space=ctx.space, show_list=bool(ctx.settings.get("show_list")),
                           **data)


WIDGETS = (
    WidgetSpec(
        "calendar.upcoming", _l("Upcoming events"), render_upcoming,
        description=_l("The next events of the space's calendar."), icon="calendar",
        form=UpcomingWidgetForm, defaults={"heading": "", "limit": 5, "category": ""}, load=load_upcoming,
        cache_ttl=60,  # an event that ends leaves the list without a write
    ),
    WidgetSpec(
        "calendar.month", _l("Mini calendar"), render_month,
        description=_l("This month at a glance, days with events marked."), icon="calendar",
        form=MiniMonthWidgetForm, defaults={"show_list": False}, load=load_month, cache_ttl=300,
    ),
)
