"""Month, week and agenda windows: which dates a page covers and how occurrences fall in days."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .queries import Occurrence, display_zone

#: Days an agenda page covers.
AGENDA_DAYS = 31


def parse_month(raw: str | None, today: date) -> date:
    """The first day of ``YYYY-MM`` (today's month when missing or malformed)."""
    try:
        if raw and len(raw) == 7:
            year, month = int(raw[:4]), int(raw[5:])
            if 1970 <= year <= 2199 and 1 <= month <= 12:
                return date(year, month, 1)
    except ValueError:
        pass
    return today.replace(day=1)


def parse_day(raw: str | None, today: date) -> date:
    """``YYYY-MM-DD`` as a date (today when missing or malformed)."""
    try:
        if raw and len(raw) == 10:
            day = date.fromisoformat(raw)
            if 1970 <= day.year <= 2199:
                return day
    except ValueError:
        pass
    return today


def shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def bounds(first_day: date, last_day: date, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """UTC window covering local days ``first_day``..``last_day`` (inclusive), all-day events included."""
    tz = tz or display_zone()
    start = datetime.combine(first_day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    # all-day events are stored at UTC midnight: widen so they are never missed
    return min(start, datetime.combine(first_day, time(0), tzinfo=UTC)), max(
        end, datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC))


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    items: list[Occurrence]


def month_grid(first: date, occs: list[Occurrence], today: date) -> tuple[list[list[Day]], date, date]:
    """Weeks (Monday first) of the month of ``first``, with each day's occurrences."""
    grid_start = first - timedelta(days=first.weekday())
    last = shift_month(first, 1) - timedelta(days=1)
    grid_end = last + timedelta(days=6 - last.weekday())
    per_day = by_day(occs, grid_start, grid_end)
    weeks: list[list[Day]] = []
    current = grid_start
    while current <= grid_end:
        week = []
        for _ in range(7):
            week.append(Day(current, current.month == first.month, current == today, per_day.get(current, [])))
            current += timedelta(days=1)
        weeks.append(week)
    return weeks, grid_start, grid_end


def by_day(occs: list[Occurrence], first: date, last: date) -> dict[date, list[Occurrence]]:
    """Occurrences of each local day between ``first`` and ``last`` (multi-day ones on each day)."""
    tz = display_zone()
    days: dict[date, list[Occurrence]] = defaultdict(list)
    for occ in occs:
        for day in occ.days(tz):
            if first <= day <= last:
                days[day].append(occ)
    return days


def week_days(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]
