"""iCalendar (RFC 5545) export and import with the ``icalendar`` library.

Export: one event, a space's calendar, or the feeds. A recurring event is one VEVENT
with its RRULE, an EXDATE per cancelled occurrence and one VEVENT with a RECURRENCE-ID
per moved or changed occurrence, so calendar clients expand it themselves.

Import: a bounded, defensive reader. Files above :data:`MAX_IMPORT_BYTES`, more than
:data:`MAX_IMPORT_EVENTS` events, undecodable bytes, unknown time zones and refused
recurrence rules are reported, never fatal; text fields stay text (escaped on output,
descriptions rendered through the sanitising markdown service).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext
from icalendar import Calendar, Event, vRecur

from parvis.extensions import db
from parvis.models import Space
from parvis.services.content_errors import ContentError
from parvis.services.markdown import plain_text

from . import recurrence, service
from .models import CalendarEvent, CalendarOverride

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def max_import_bytes() -> int:
    """Largest accepted .ics upload (``CALENDAR_IMPORT_MAX_BYTES``, default 2 MB)."""
    from flask import current_app, has_app_context

    return int(current_app.config.get("CALENDAR_IMPORT_MAX_BYTES", MAX_IMPORT_BYTES)) if has_app_context() \
        else MAX_IMPORT_BYTES
MAX_IMPORT_EVENTS = 2000
PRODID = "-//Parvis//Calendar//FR"


# -- export ---------------------------------------------------------------------------


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _when(moment: datetime, event: CalendarEvent) -> date | datetime:
    if event.all_day:
        return moment.astimezone(UTC).date()
    return moment.astimezone(ZoneInfo(event.timezone))


def _vevent(event: CalendarEvent, space: Space, url: str, stamp: datetime) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", event.sequence)
    vevent.add("summary", event.title)
    vevent.add("dtstart", _when(event.start_at, event))
    end = event.end_at if event.end_at > event.start_at else event.start_at
    vevent.add("dtend", _when(end, event))
    description = plain_text(event.description)
    if event.online_url:
        description = (description + "\n\n" if description else "") + event.online_url
    if description:
        vevent.add("description", description)
    if event.location or event.online_url:
        vevent.add("location", event.location or event.online_url)
    if event.online_url:
        vevent.add("conference", event.online_url, parameters={"value": "URI"})
    vevent.add("url", url)
    if event.category:
        vevent.add("categories", [event.category])
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("last-modified", event.updated_at)
    vevent.add("created", event.created_at)
    vevent.add("x-parvis-space", space.name)
    if event.rrule:
        vevent.add("rrule", vRecur.from_ical(event.rrule))
    return vevent


def _blocks(
    event: CalendarEvent, overrides: dict[str, CalendarOverride], space: Space, url: str, stamp: datetime
) -> list[Event]:
    """The VEVENT of an event, then one per moved or changed occurrence."""
    master = _vevent(event, space, url, stamp)
    children = []
    for key, row in sorted(overrides.items()):
        original = recurrence.parse_key(key)
        if original is None or not event.rrule:
            continue
        if row.cancelled:
            master.add("exdate", _when(original, event))
            continue
        child = _vevent(event, space, url, stamp)
        child.pop("rrule", None)
        child.add("recurrence-id", _when(original, event))
        for name in ("dtstart", "dtend"):
            child.pop(name, None)
        child.add("dtstart", _when(row.start_at, event))
        child.add("dtend", _when(max(row.end_at, row.start_at), event))
        if row.title:
            child.pop("summary", None)
            child.add("summary", row.title)
        if row.location is not None:
            child.pop("location", None)
            if row.location:
                child.add("location", row.location)
        children.append(child)
    return [*children, master]


#: Serialized VEVENTs by (event id, sequence, last change, space name, url): feeds are
#: polled again and again by calendar apps, and icalendar's serializer is the costly
#: part. Any change of an event (or of one of its occurrences) raises its sequence.
_CACHE: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_CACHE_SIZE = 20_000
_TZ_CACHE: dict[tuple[str, ...], bytes] = {}


def _event_bytes(
    event: CalendarEvent, overrides: dict[str, CalendarOverride], space: Space, url: str, stamp: datetime
) -> bytes:
    key = (event.id, event.sequence, event.updated_at, event.cancelled, space.name, url, len(overrides))
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    body = b"".join(block.to_ical() for block in _blocks(event, overrides, space, url, stamp))
    _CACHE[key] = body
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return body


def _timezones(names: set[str]) -> bytes:
    """The VTIMEZONE components for ``names`` (computed once per set of zones)."""
    key = tuple(sorted(names))
    if key not in _TZ_CACHE:
        cal = Calendar()
        for name in key:
            probe = Event()
            probe.add("dtstart", datetime(2025, 1, 1, tzinfo=ZoneInfo(name)))
            cal.add_component(probe)
        with contextlib.suppress(Exception):  # clients know IANA names anyway
            cal.add_missing_timezones()
        _TZ_CACHE[key] = b"".join(tz.to_ical() for tz in cal.walk("VTIMEZONE"))
        if len(_TZ_CACHE) > 256:
            _TZ_CACHE.clear()
    return _TZ_CACHE[key]


def render(name: str, events: list[CalendarEvent], spaces: dict[int, Space], urls: dict[int, str]) -> bytes:
    """A complete VCALENDAR (with the VTIMEZONEs it needs) of ``events``."""
    from .queries import overrides_for

    overrides = overrides_for(e.id for e in events)
    head = _calendar(name).to_ical()
    head = head[: head.rindex(b"END:VCALENDAR")]
    stamp = datetime.now(UTC).replace(microsecond=0)
    zones = {e.timezone for e in events if not e.all_day and e.timezone != "UTC"}
    body = b"".join(
        _event_bytes(e, overrides.get(e.id, {}), spaces[e.space_id], urls[e.id], stamp) for e in events
    )
    return head + _timezones(zones) + body + b"END:VCALENDAR\r\n"


# -- import ---------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did, for the person who sent the file."""

    created: int = 0
    updated: int = 0
    exceptions: int = 0
    skipped: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        if len(self.skipped) < 50:
            self.skipped.append(message)


def _text(component: Any, name: str, limit: int) -> str:
    value = component.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    if hasattr(value, "cats"):  # CATEGORIES
        value = value.cats[0] if value.cats else ""
    try:
        text = str(value)
    except Exception:  # noqa: BLE001
        return ""
    return text.replace("\x00", "").strip()[:limit]


def _moment(value: Any, tz_name: str) -> tuple[datetime, bool]:
    """A DTSTART/DTEND value as (UTC datetime, all-day)."""
    raw = value.dt if hasattr(value, "dt") else value
    if isinstance(raw, datetime):
        if raw.tzinfo is None:
            raw = raw.replace(tzinfo=ZoneInfo(tz_name))
        return raw.astimezone(UTC), False
    if isinstance(raw, date):
        return datetime.combine(raw, time(0), tzinfo=UTC), True
    raise ValueError("not a date")


def _zone_of(value: Any, default: str) -> str:
    raw = getattr(value, "dt", None)
    tz = getattr(raw, "tzinfo", None)
    name = getattr(tz, "key", None) or (value.params.get("TZID") if hasattr(value, "params") else None)
    if name and name in recurrence._zones():
        return str(name)
    return default


def decode(raw: bytes) -> str:
    """Text of an uploaded file: UTF-8 (with BOM) first, then Latin-1; NUL bytes dropped."""
    limit = max_import_bytes()
    if len(raw) > limit:
        raise ContentError(gettext("The file is too large (%(size)s KB at most).", size=limit // 1024), "file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.replace("\x00", "")


def import_ics(space: Space, actor: Any, raw: bytes, default_tz: str = "Europe/Paris") -> ImportReport:
    """Create or update (same UID) the events of an ``.ics`` file in ``space``."""
    text = decode(raw)
    try:
        cal = Calendar.from_ical(text)
    except Exception as exc:  # noqa: BLE001 - any parser failure is the file's fault
        raise ContentError(gettext("This file is not a valid iCalendar (.ics) file."), "file") from exc
    if not isinstance(cal, Calendar):
        raise ContentError(gettext("This file is not a valid iCalendar (.ics) file."), "file")
    report = ImportReport()
    components = [c for c in cal.walk("VEVENT")]
    if len(components) > MAX_IMPORT_EVENTS:
        report.note(gettext("Only the first %(n)s events were read.", n=MAX_IMPORT_EVENTS))
        components = components[:MAX_IMPORT_EVENTS]
    masters = [c for c in components if c.get("recurrence-id") is None]
    children = [c for c in components if c.get("recurrence-id") is not None]
    existing = {
        e.uid: e for e in db.session.scalars(db.select(CalendarEvent).filter_by(space_id=space.id))
    } if masters else {}
    by_uid: dict[str, CalendarEvent] = {}
    for comp in masters:
        title = _text(comp, "summary", 200) or gettext("Untitled event")
        try:
            event = _import_one(space, actor, comp, title, default_tz, existing, report)
        except (ContentError, ValueError, TypeError, OverflowError) as exc:
            message = exc.message if isinstance(exc, ContentError) else gettext("unreadable dates")
            report.note(gettext("%(title)s: skipped (%(reason)s)", title=title[:80], reason=message))
            continue
        if event is not None:
            by_uid[event.uid] = event
    for comp in children:
        _import_exception(comp, by_uid, report)
    db.session.flush()
    return report


def _import_one(
    space: Space, actor: Any, comp: Any, title: str, default_tz: str,
    existing: dict[str, CalendarEvent], report: ImportReport,
) -> CalendarEvent | None:
    dtstart = comp.get("dtstart")
    if dtstart is None:
        raise ContentError(gettext("no start date"))
    tz_name = _zone_of(dtstart, default_tz)
    start, all_day = _moment(dtstart, tz_name)
    if comp.get("dtend") is not None:
        end, _ = _moment(comp.get("dtend"), tz_name)
    elif comp.get("duration") is not None:
        end = start + comp.get("duration").dt
    else:
        end = start + (timedelta(days=1) if all_day else timedelta(hours=1))
    rule = ""
    if comp.get("rrule") is not None:
        rrules = comp.get("rrule")
        first = rrules[0] if isinstance(rrules, list) else rrules
        rule = first.to_ical().decode("ascii", "replace")
        try:
            rule = recurrence.normalize(rule, start, tz_name, all_day)
        except recurrence.RuleError as exc:
            report.note(gettext("%(title)s: repetition ignored (%(reason)s)", title=title[:80], reason=str(exc)))
            rule = ""
    uid = (_text(comp, "uid", 255) or service.new_uid())
    data = service.EventData(
        title=title, start=start, end=end, timezone=tz_name, all_day=all_day,
        description=_text(comp, "description", 20_000), location=_text(comp, "location", 300),
        rrule=rule, category=_text(comp, "categories", 60),
    )
    url = _text(comp, "url", 1000)
    if url.lower().startswith(("https://", "http://")):
        data.online_url = url
    event = existing.get(uid)
    if event is not None:
        service.update_event(event, actor, data)
        report.updated += 1
    else:
        event = service.create_event(space, actor, data, uid=uid)
        existing[uid] = event
        report.created += 1
    if str(comp.get("status", "")).upper() == "CANCELLED":
        event.cancelled = True
    exdates = comp.get("exdate")
    if exdates is not None and event.rrule:
        for group in (exdates if isinstance(exdates, list) else [exdates])[:100]:
            for item in getattr(group, "dts", [])[:1000]:
                moment, _ = _moment(item, tz_name)
                key = recurrence.occ_key(moment)
                if db.session.scalar(db.select(CalendarOverride.id).filter_by(event_id=event.id, occ=key)) is None:
                    db.session.add(CalendarOverride(event_id=event.id, occ=key, cancelled=True,
                                                    start_at=moment, end_at=moment + (end - start)))
                    report.exceptions += 1
    return event


def _import_exception(comp: Any, by_uid: dict[str, CalendarEvent], report: ImportReport) -> None:
    event = by_uid.get(_text(comp, "uid", 255))
    if event is None or not event.rrule:
        return
    try:
        original, _ = _moment(comp.get("recurrence-id"), event.timezone)
        start, _ = _moment(comp.get("dtstart"), event.timezone)
        end, _ = _moment(comp.get("dtend"), event.timezone) if comp.get("dtend") is not None else (
            start + (event.end_at - event.start_at), False)
    except (ValueError, TypeError, AttributeError):
        return
    if end < start or end - start > service.MAX_DURATION:
        return
    key = recurrence.occ_key(original)
    db.session.flush()
    row = db.session.scalar(db.select(CalendarOverride).filter_by(event_id=event.id, occ=key))
    if row is None:
        row = CalendarOverride(event_id=event.id, occ=key)
        db.session.add(row)
    row.start_at, row.end_at = start, end
    row.cancelled = str(comp.get("status", "")).upper() == "CANCELLED"
    summary = _text(comp, "summary", 200)
    row.title = summary if summary and summary != event.title else None
    report.exceptions += 1
