"""Calendar widgets: upcoming events (how many, which category) and a mini month.

Both batch their data in ``load``: every placement on a page shares two queries
(events with their exceptions) whatever the number of placements and events.
"""

from __future__ import annotations

from datetime import timedelta

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


def load_upcoming(contexts: list[WidgetContext]) -> None:
    """Upcoming occurrences for every placement (one window over all their spaces)."""
    live = [c for c in contexts if _enabled(c)]
    for ctx in contexts:
        ctx.data = []
    if not live:
        return
    now = queries.now()
    occs, _ = queries.window(sorted({c.space.id for c in live}), now, now + timedelta(days=UPCOMING_DAYS),
                             include_cancelled=False)
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
    today = _today()
    first = today.replace(day=1)
    last = grid.shift_month(first, 1) - timedelta(days=1)
    start, end = grid.bounds(first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday()))
    occs, _ = queries.window(sorted({c.space.id for c in live}), start, end, include_cancelled=False) if live else ([], False)
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
    ),
    WidgetSpec(
        "calendar.month", _l("Mini calendar"), render_month,
        description=_l("This month at a glance, days with events marked."), icon="calendar",
        form=MiniMonthWidgetForm, defaults={"show_list": False}, load=load_month,
    ),
)
