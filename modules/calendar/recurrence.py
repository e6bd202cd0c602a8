"""RFC 5545 recurrence rules: validation with hard bounds, and windowed expansion.

The rule engine is ``python-dateutil``'s ``rrule``; this file only refuses what would
hurt the server (sub-daily frequencies, a billion occurrences, centuries of UNTIL) and
expands a series inside the visible window, with a cap on occurrences and iterations.
Expansion happens in the event's own time zone, so a 09:00 meeting in Europe/Paris stays
at 09:00 local time on both sides of a daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import rrule, rrulestr
from flask_babel import gettext

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
ALLOWED_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
#: Most occurrences a series may have when it gives COUNT.
MAX_COUNT = 1000
#: Farthest UNTIL after the start; a series without COUNT/UNTIL is expanded this far at most.
MAX_SPAN = timedelta(days=366 * 20)
#: Most occurrences of one event produced for one window.
MAX_PER_WINDOW = 1000
#: Most candidate dates walked for one event (guards odd BYxxx combinations).
MAX_ITERATIONS = 20_000
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
KEY_FORMAT = "%Y%m%dT%H%M%SZ"


class RuleError(ValueError):
    """A recurrence rule that is refused; ``str(exc)`` is a translated message."""


def zone(name: str | None) -> ZoneInfo:
    """The ``ZoneInfo`` of ``name``; raise :class:`RuleError` for an unknown zone."""
    if not name or name not in _zones():
        raise RuleError(gettext("Unknown time zone: %(name)s.", name=(name or "")[:64]))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuleError(gettext("Unknown time zone: %(name)s.", name=name[:64])) from exc


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
        _ZONES.add("UTC")
    return _ZONES


def timezone_names() -> list[str]:
    """Every IANA zone name, sorted (for the form's list)."""
    return sorted(_zones())


def occ_key(original_start: datetime) -> str:
    """The key of an occurrence: its original start in UTC."""
    return original_start.astimezone(UTC).strftime(KEY_FORMAT)


def parse_key(key: str) -> datetime | None:
    """The UTC datetime of an occurrence key, or None when it is malformed."""
    try:
        return datetime.strptime(key[:16], KEY_FORMAT).replace(tzinfo=UTC) if len(key) == 16 else None
    except ValueError:
        return None


def _split(text: str) -> dict[str, str]:
    raw = (text or "").strip()
    if raw.upper().startswith("RRULE:"):
        raw = raw[6:]
    if not raw:
        return {}
    if len(raw) > 500 or "\n" in raw or "\r" in raw:
        raise RuleError(gettext("This recurrence rule is not valid."))
    parts: dict[str, str] = {}
    for chunk in raw.upper().split(";"):
        if not chunk:
            continue
        name, sep, value = chunk.partition("=")
        if not sep or not value or name in parts:
            raise RuleError(gettext("This recurrence rule is not valid."))
        if name not in ALLOWED_PARTS:
            raise RuleError(gettext("Recurrence part %(name)s is not supported.", name=name[:20]))
        parts[name] = value
    return parts


def _int(value: str, low: int, high: int, message: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise RuleError(message) from exc
    if not low <= number <= high:
        raise RuleError(message)
    return number


def _until_utc(value: str, tz: Any, all_day: bool) -> datetime:
    try:
        if len(value) == 8:
            day = datetime.strptime(value, "%Y%m%d").date()
            local = datetime.combine(day, time(23, 59, 59), tzinfo=UTC if all_day else tz)
            return local.astimezone(UTC)
        if value.endswith("Z"):
            return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        naive = datetime.strptime(value, "%Y%m%dT%H%M%S")
        return naive.replace(tzinfo=UTC if all_day else tz).astimezone(UTC)
    except ValueError as exc:
        raise RuleError(gettext("The end date of the recurrence is not valid.")) from exc


def normalize(text: str, start: datetime, tz_name: str, all_day: bool = False) -> str:
    """Check a rule and return it in canonical form ("" for none), or raise :class:`RuleError`.

    ``start`` is the first occurrence (UTC). Refused: sub-daily frequencies, unknown
    parts, COUNT above :data:`MAX_COUNT`, UNTIL before the start or more than 20 years
    after it, and anything ``dateutil`` cannot read.
    """
    parts = _split(text)
    if not parts:
        return ""
    tz = UTC if all_day else zone(tz_name)
    freq = parts.get("FREQ")
    if freq not in FREQUENCIES:
        raise RuleError(
            gettext("An event may repeat at most once a day (daily, weekly, monthly or yearly).")
        )
    if "INTERVAL" in parts:
        parts["INTERVAL"] = str(_int(parts["INTERVAL"], 1, 999, gettext("The interval must be between 1 and 999.")))
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError(gettext("Give either a number of occurrences or an end date, not both."))
    if "COUNT" in parts:
        parts["COUNT"] = str(
            _int(parts["COUNT"], 1, MAX_COUNT, gettext("A series has at most %(n)s occurrences.", n=MAX_COUNT))
        )
    if "UNTIL" in parts:
        until = _until_utc(parts["UNTIL"], tz, all_day)
        if until < start:
            raise RuleError(gettext("The recurrence ends before the event starts."))
        if until - start > MAX_SPAN:
            raise RuleError(gettext("A series may last 20 years at most."))
        parts["UNTIL"] = until.strftime(KEY_FORMAT)
    if "BYDAY" in parts:
        for day in parts["BYDAY"].split(","):
            if day.lstrip("+-0123456789") not in WEEKDAYS or len(day) > 5:
                raise RuleError(gettext("This recurrence rule is not valid."))
    _check_possible(parts, freq)
    order = ["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS", "WKST"]
    canonical = ";".join(f"{name}={parts[name]}" for name in order if name in parts)
    try:
        build(canonical, start, tz_name, all_day)
        first = expand(canonical, start, start + timedelta(seconds=1), tz_name, all_day, start, start + MAX_SPAN, limit=1)
    except (ValueError, TypeError, OverflowError) as exc:
        raise RuleError(gettext("This recurrence rule is not valid.")) from exc
    if not first:
        raise RuleError(gettext("This recurrence rule never happens."))
    return canonical


#: Longest month (leap February included), to refuse "30 February" before dateutil
#: would search for it until year 9999.
MONTH_DAYS = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def _numbers(value: str, low: int, high: int) -> list[int]:
    invalid = gettext("This recurrence rule is not valid.")
    numbers = [_int(v, -high, high, invalid) for v in value.split(",")]
    if any(n == 0 or abs(n) < low for n in numbers) or len(numbers) > 31:
        raise RuleError(invalid)
    return numbers


def _check_possible(parts: dict[str, str], freq: str) -> None:
    """Refuse the BYxxx combinations that never (or only after centuries) happen.

    dateutil looks for a first occurrence until year 9999 without yielding: such a rule
    would hold a worker for seconds. What is left always happens within a few years.
    """
    never = gettext("This recurrence rule never happens.")
    months = _numbers(parts["BYMONTH"], 1, 12) if "BYMONTH" in parts else list(range(1, 13))
    if any(m < 0 for m in months):
        raise RuleError(gettext("This recurrence rule is not valid."))
    if "BYMONTHDAY" in parts:
        days = _numbers(parts["BYMONTHDAY"], 1, 31)
        if not any(abs(d) <= MONTH_DAYS[m] for d in days for m in months):
            raise RuleError(never)
    if "BYDAY" in parts:
        for day in parts["BYDAY"].split(","):
            prefix = day[:-2]
            if prefix:
                limit = 5 if freq == "MONTHLY" else 53
                if freq not in ("MONTHLY", "YEARLY"):
                    raise RuleError(gettext("This recurrence rule is not valid."))
                _numbers(prefix, 1, limit)
    if "BYSETPOS" in parts:
        if freq not in ("MONTHLY", "YEARLY") or "BYDAY" not in parts:
            raise RuleError(never)
        weekdays = {d[-2:] for d in parts["BYDAY"].split(",")}
        most = 4 * len(weekdays) if freq == "MONTHLY" else 52 * len(weekdays)
        if any(abs(n) > most for n in _numbers(parts["BYSETPOS"], 1, 366)):
            raise RuleError(never)


def build(text: str, start: datetime, tz_name: str, all_day: bool = False) -> rrule:
    """The ``dateutil`` rule of a (normalized) rule text, anchored at ``start`` in its zone."""
    tz = UTC if all_day else ZoneInfo(tz_name)
    dtstart = start.astimezone(tz)
    return rrulestr(text, dtstart=dtstart, cache=False)  # type: ignore[return-value]


@dataclass(frozen=True)
class Slot:
    """One occurrence of a series: its key and original start/end (UTC)."""

    key: str
    start: datetime
    end: datetime


def expand(
    text: str,
    start: datetime,
    end: datetime,
    tz_name: str,
    all_day: bool,
    window_start: datetime,
    window_end: datetime,
    limit: int = MAX_PER_WINDOW,
) -> list[Slot]:
    """Occurrences of a series that overlap ``[window_start, window_end)``, at most ``limit``."""
    duration = end - start
    if not text:
        if start < window_end and end > window_start:
            return [Slot("", start, end)]
        return []
    try:
        rule = build(text, start, tz_name, all_day)
    except (ValueError, TypeError, OverflowError, ZoneInfoNotFoundError):
        return [Slot(occ_key(start), start, end)] if start < window_end and end > window_start else []
    horizon = min(window_end, start + MAX_SPAN)
    slots: list[Slot] = []
    for steps, local in enumerate(rule):
        if steps >= MAX_ITERATIONS:
            break
        first = local.astimezone(UTC)
        if first >= horizon:
            break
        if first + duration > window_start:
            slots.append(Slot(occ_key(first), first, first + duration))
            if len(slots) >= limit:
                break
    return slots


def last_end(text: str, start: datetime, end: datetime, tz_name: str, all_day: bool) -> datetime | None:
    """End of the series' last occurrence, or None when it never ends (for ``until_at``)."""
    if not text:
        return end
    parts = _split(text)
    if "COUNT" not in parts and "UNTIL" not in parts:
        return None
    slots = expand(text, start, end, tz_name, all_day, start, start + MAX_SPAN + timedelta(days=1), MAX_COUNT * 40)
    return slots[-1].end if slots else end


def truncate_before(text: str, cut: datetime) -> str:
    """The rule ended just before ``cut`` (for "this and following": the old series' part)."""
    parts = _split(text)
    parts.pop("COUNT", None)
    parts["UNTIL"] = (cut.astimezone(UTC) - timedelta(seconds=1)).strftime(KEY_FORMAT)
    order = ["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS", "WKST"]
    return ";".join(f"{name}={parts[name]}" for name in order if name in parts)


def remaining_count(text: str, start: datetime, end: datetime, tz_name: str, all_day: bool, cut: datetime) -> str:
    """The rule for the new series starting at ``cut``: COUNT reduced by the occurrences before."""
    parts = _split(text)
    if "COUNT" in parts:
        # occurrences starting before ``cut`` stay with the old series
        before = len([1 for s in expand(text, start, end, tz_name, all_day, start, cut, MAX_COUNT + 1) if s.start < cut])
        parts["COUNT"] = str(max(1, int(parts["COUNT"]) - before))
    order = ["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS", "WKST"]
    return ";".join(f"{name}={parts[name]}" for name in order if name in parts)


def simple_rule(freq: str, interval: int, byday: list[str], ends: str, count: int | None, until: date | None) -> str:
    """The rule text built from the event form's plain fields ("" for no repetition)."""
    if freq not in FREQUENCIES:
        return ""
    parts = [f"FREQ={freq}"]
    if interval and interval > 1:
        parts.append(f"INTERVAL={interval}")
    if ends == "count" and count:
        parts.append(f"COUNT={count}")
    elif ends == "until" and until:
        parts.append(f"UNTIL={until.strftime('%Y%m%d')}")
    days = [d for d in byday if d in WEEKDAYS]
    if days and freq == "WEEKLY":
        parts.append("BYDAY=" + ",".join(days))
    return ";".join(parts)
