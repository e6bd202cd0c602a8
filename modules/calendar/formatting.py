"""Template filters of the calendar: local dates and times in the reader's language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_time
from flask import Blueprint
from flask_babel import get_locale, gettext

from .queries import Occurrence, display_zone


def _locale() -> Any:
    return get_locale() or "fr"


def day_label(value: date, fmt: str = "full") -> str:
    """A date in words ("lundi 6 janvier 2027")."""
    return format_date(value, fmt, locale=_locale())


def month_label(value: date) -> str:
    return format_date(value, "LLLL yyyy", locale=_locale()).capitalize()


def weekday_short(value: date) -> str:
    return format_date(value, "EEE", locale=_locale())


def clock(value: datetime) -> str:
    return format_time(value.replace(tzinfo=None).time(), "short", locale=_locale())


def when(occ: Occurrence) -> str:
    """When an occurrence happens, in the display zone ("lundi 6 janvier 2027, 09:00 – 10:00")."""
    tz = display_zone()
    start, end = occ.local_start(tz), occ.local_end(tz)
    if occ.all_day:
        last = occ.days(tz)[-1]
        if last == start.date():
            return gettext("%(day)s, all day", day=day_label(start.date()))
        return gettext("%(first)s to %(last)s", first=day_label(start.date(), "long"), last=day_label(last, "long"))
    if start.date() == end.date():
        return f"{day_label(start.date())}, {clock(start)} – {clock(end)}"
    return f"{day_label(start.date(), 'long')} {clock(start)} – {day_label(end.date(), 'long')} {clock(end)}"


def short_time(occ: Occurrence) -> str:
    """The start time of an occurrence, or "all day"."""
    if occ.all_day:
        return gettext("All day")
    return clock(occ.local_start())


def register(bp: Blueprint) -> None:
    """Make the filters available to every template (blueprints register app-wide filters)."""
    bp.add_app_template_filter(day_label, "cal_day")
    bp.add_app_template_filter(month_label, "cal_month")
    bp.add_app_template_filter(weekday_short, "cal_weekday")
    bp.add_app_template_filter(when, "cal_when")
    bp.add_app_template_filter(short_time, "cal_time")
