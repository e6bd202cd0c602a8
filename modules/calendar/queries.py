"""Reading the calendar: occurrences of a window (bounded queries), permissions, RSVPs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from parvis.extensions import db
from parvis.input_guards import valid_id
from parvis.services.permissions import can

from . import recurrence
from .models import CalendarEvent, CalendarOverride, CalendarRsvp

MODULE_ID = "calendar"
CONTENT_TYPE = "calendar.event"
#: Most occurrences one page shows (the page says when there were more).
MAX_TOTAL = 2000


def display_zone() -> ZoneInfo:
    """The time zone pages are shown in (``CALENDAR_TIMEZONE``, default Europe/Paris)."""
    name = current_app.config.get("CALENDAR_TIMEZONE", "Europe/Paris") if has_app_context() else "Europe/Paris"
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - a bad setting falls back to the default
        return ZoneInfo("Europe/Paris")


@dataclass
class Occurrence:
    """One occurrence as shown: the event, its key, its (possibly moved) times and texts."""

    event: CalendarEvent
    key: str
    start: datetime
    end: datetime
    title: str
    location: str
    description: str
    cancelled: bool = False
    moved: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def all_day(self) -> bool:
        return self.event.all_day

    def local_start(self, tz: ZoneInfo | None = None) -> datetime:
        return self.start.astimezone(UTC if self.all_day else (tz or display_zone()))

    def local_end(self, tz: ZoneInfo | None = None) -> datetime:
        return self.end.astimezone(UTC if self.all_day else (tz or display_zone()))

    def days(self, tz: ZoneInfo | None = None) -> list[date]:
        """Local days the occurrence covers (an end at midnight does not cover that day)."""
        first = self.local_start(tz).date()
        last_moment = self.local_end(tz) - timedelta(seconds=1)
        last = max(first, last_moment.date())
        span = min((last - first).days, 62)
        return [first + timedelta(days=i) for i in range(span + 1)]


def get_event(space: Any, event_id: Any) -> CalendarEvent | None:
    """The event ``event_id`` of ``space`` (None when unknown or malformed)."""
    ident = valid_id(event_id)
    if ident is None:
        return None
    event = db.session.get(CalendarEvent, ident)
    return event if event is not None and event.space_id == space.id else None


def _events(
    space_ids: list[int], start: datetime, end: datetime, category: str | None
) -> tuple[list[CalendarEvent], dict[int, dict[str, CalendarOverride]]]:
    """Events overlapping the window with their exceptions that matter there (one query).

    An exception matters when its new times overlap the window or when the occurrence
    it replaces may (original start at most a year before the window: the longest
    event); occurrence keys sort like the times they name.
    """
    found: dict[int, dict[str, CalendarOverride]] = defaultdict(dict)
    if not space_ids:
        return [], found
    moved_in = db.select(CalendarOverride.event_id).where(
        CalendarOverride.start_at < end, CalendarOverride.end_at > start
    )
    relevant = db.and_(
        CalendarOverride.event_id == CalendarEvent.id,
        db.or_(
            db.and_(CalendarOverride.start_at < end, CalendarOverride.end_at > start),
            db.and_(
                CalendarOverride.occ >= recurrence.occ_key(start - timedelta(days=367)),
                CalendarOverride.occ < recurrence.occ_key(end),
            ),
        ),
    )
    stmt = (
        db.select(CalendarEvent, CalendarOverride)
        .outerjoin(CalendarOverride, relevant)
        .where(
            CalendarEvent.space_id.in_(space_ids),
            db.or_(
                db.and_(
                    CalendarEvent.start_at < end,
                    db.or_(CalendarEvent.until_at.is_(None), CalendarEvent.until_at > start),
                ),
                CalendarEvent.id.in_(moved_in),
            ),
        )
    )
    if category:
        stmt = stmt.where(CalendarEvent.category == category)
    events: dict[int, CalendarEvent] = {}
    for event, row in db.session.execute(stmt.order_by(CalendarEvent.start_at, CalendarEvent.id)).all():
        events.setdefault(event.id, event)
        if row is not None:
            found[event.id][row.occ] = row
    return list(events.values()), found


def overrides_for(event_ids: Iterable[int]) -> dict[int, dict[str, CalendarOverride]]:
    """Every exception of the given events, by event id then occurrence key (one query)."""
    ids = list(event_ids)
    found: dict[int, dict[str, CalendarOverride]] = defaultdict(dict)
    if not ids:
        return found
    for row in db.session.scalars(db.select(CalendarOverride).where(CalendarOverride.event_id.in_(ids))):
        found[row.event_id][row.occ] = row
    return found


def events_in(
    space_ids: list[int], start: datetime, end: datetime
) -> tuple[list[CalendarEvent], dict[int, dict[str, CalendarOverride]]]:
    """Events overlapping ``[start, end)`` with their exceptions (one query), for callers
    that expand several windows from one load with :func:`occurrences_of`."""
    return _events(space_ids, start, end, None)


def occurrences_of(
    events: list[CalendarEvent],
    overrides: dict[int, dict[str, CalendarOverride]],
    start: datetime,
    end: datetime,
    *,
    include_cancelled: bool = True,
    limit: int = MAX_TOTAL,
) -> tuple[list[Occurrence], bool]:
    """Expand ``events`` in ``[start, end)`` with their exceptions; (occurrences, truncated)."""
    result: list[Occurrence] = []
    truncated = False
    for event in events:
        exceptions = overrides.get(event.id, {})
        seen: set[str] = set()
        for slot in recurrence.expand(
            event.rrule, event.start_at, event.end_at, event.timezone, event.all_day, start, end
        ):
            seen.add(slot.key)
            occ = _apply(event, slot.key, slot.start, slot.end, exceptions.get(slot.key))
            if occ is not None and occ.start < end and occ.end > start:
                result.append(occ)
        for key, row in exceptions.items():  # moved into the window from outside it
            if key not in seen and not row.cancelled and row.start_at < end and row.end_at > start:
                if event.rrule:
                    result.append(_apply(event, key, row.start_at, row.end_at, row))  # type: ignore[arg-type]
    if not include_cancelled:
        result = [o for o in result if not o.cancelled]
    result.sort(key=lambda o: (o.start, o.event.id))
    if len(result) > limit:
        result, truncated = result[:limit], True
    return result, truncated


def _apply(
    event: CalendarEvent, key: str, start: datetime, end: datetime, row: CalendarOverride | None
) -> Occurrence:
    occ = Occurrence(
        event=event,
        key=key,
        start=start,
        end=end,
        title=event.title,
        location=event.location,
        description=event.description,
        cancelled=event.cancelled,
    )
    if row is not None:
        occ.cancelled = occ.cancelled or row.cancelled
        occ.moved = (row.start_at, row.end_at) != (start, end)
        occ.start, occ.end = row.start_at, row.end_at
        occ.title = row.title or event.title
        occ.location = row.location if row.location is not None else event.location
        occ.description = row.description if row.description is not None else event.description
    return occ


def window(
    space_ids: list[int],
    start: datetime,
    end: datetime,
    *,
    category: str | None = None,
    include_cancelled: bool = True,
    limit: int = MAX_TOTAL,
) -> tuple[list[Occurrence], bool]:
    """Occurrences of the spaces' events in ``[start, end)``: one query whatever the data."""
    events, overrides = _events(space_ids, start, end, category)
    return occurrences_of(events, overrides, start, end, include_cancelled=include_cancelled, limit=limit)


def occurrence(event: CalendarEvent, key: str | None) -> Occurrence | None:
    """One occurrence of ``event`` by key ("" or None: the first / the single one)."""
    if not event.rrule or not key:
        if event.rrule:
            key = recurrence.occ_key(event.start_at)
        else:
            return Occurrence(event, "", event.start_at, event.end_at, event.title,
                              event.location, event.description, cancelled=event.cancelled)
    original = recurrence.parse_key(key)
    if original is None:
        return None
    row = db.session.scalar(db.select(CalendarOverride).filter_by(event_id=event.id, occ=key))
    slots = recurrence.expand(
        event.rrule, event.start_at, event.end_at, event.timezone, event.all_day,
        original, original + timedelta(seconds=1), limit=100,
    )
    slot = next((s for s in slots if s.key == key), None)
    if slot is None:
        if row is None:
            return None
        return _apply(event, key, row.start_at, row.end_at, row)
    return _apply(event, key, slot.start, slot.end, row)


def next_occurrences(event: CalendarEvent, after: datetime, count: int = 5) -> list[Occurrence]:
    """The next ``count`` occurrences of ``event`` ending after ``after`` (cancelled ones included)."""
    horizon = after + timedelta(days=366 * 2)
    occs, _ = occurrences_of([event], overrides_for([event.id]), after, horizon, limit=count)
    return occs[:count]


# -- permissions --------------------------------------------------------------------


def may_create(user: Any, space: Any) -> bool:
    return can(user, "calendar.create", space)


def may_edit(user: Any, event: CalendarEvent) -> bool:
    """Moderators edit every event; authors and organisers their own (while members)."""
    if can(user, "calendar.moderate", event):
        return True
    uid = getattr(user, "id", None)
    return uid is not None and uid in (event.author_id, event.organiser_id) and can(user, "calendar.create", event)


def may_rsvp(user: Any, event: Any) -> bool:
    return can(user, "calendar.rsvp", event)


def may_see_attendees(user: Any, event: CalendarEvent) -> bool:
    return can(user, "calendar.see_attendees", event) or may_edit(user, event)


# -- RSVPs --------------------------------------------------------------------------


def rsvp_counts(event_ids: Iterable[int]) -> dict[tuple[int, str], dict[str, int]]:
    """Answers per (event, occurrence) and status (one query)."""
    ids = list(event_ids)
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if not ids:
        return counts
    rows = db.session.execute(
        db.select(CalendarRsvp.event_id, CalendarRsvp.occ, CalendarRsvp.status, db.func.count())
        .where(CalendarRsvp.event_id.in_(ids))
        .group_by(CalendarRsvp.event_id, CalendarRsvp.occ, CalendarRsvp.status)
    ).all()
    for event_id, occ, status, number in rows:
        counts[(event_id, occ)][status] = number
    return counts


def attendees(event: CalendarEvent, key: str) -> list[CalendarRsvp]:
    """Everyone's answer to one occurrence, with the people (one query), in answer order."""
    return list(
        db.session.scalars(
            db.select(CalendarRsvp)
            .filter_by(event_id=event.id, occ=key)
            .options(db.joinedload(CalendarRsvp.user))
            .order_by(CalendarRsvp.created_at, CalendarRsvp.id)
        )
    )


def my_rsvps(user: Any, pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """The user's answers for the given (event id, key) pairs (one query)."""
    wanted = set(pairs)
    ids = {event_id for event_id, _ in wanted}
    if not ids or not getattr(user, "is_authenticated", False):
        return {}
    rows = db.session.execute(
        db.select(CalendarRsvp.event_id, CalendarRsvp.occ, CalendarRsvp.status).where(
            CalendarRsvp.user_id == user.id, CalendarRsvp.event_id.in_(ids)
        )
    ).all()
    return {(e, o): s for e, o, s in rows if (e, o) in wanted}


def now() -> datetime:
    return datetime.now(UTC)
