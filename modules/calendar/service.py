"""Writing the calendar: events, exceptions, RSVPs, with notifications, activity and search.

Views and the API call these functions; they never commit (the caller does), and
raise :class:`parvis.services.content_errors.ContentError` with a translated message
(and the form field it concerns) when the input is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import url_for
from flask_babel import gettext

from parvis.extensions import db
from parvis.models import Membership, utcnow
from parvis.services import activity, notifications
from parvis.services.content_errors import ContentError
from parvis.services.mentions import notify_mentions
from parvis.services.search import index_later, remove_later

from . import queries, recurrence
from .models import CalendarEvent, CalendarOverride, CalendarReminder, CalendarRsvp

#: Longest event: 366 days (longer is almost surely a typing mistake).
MAX_DURATION = timedelta(days=366)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass
class EventData:
    """What a form or an API body says about an event (times in UTC)."""

    title: str
    start: datetime
    end: datetime
    timezone: str = "Europe/Paris"
    all_day: bool = False
    description: str = ""
    location: str = ""
    online_url: str = ""
    rrule: str = ""
    category: str = ""
    color: str = "blue"
    capacity: int | None = None


def event_url(event: CalendarEvent, key: str = "", *, external: bool = False, space: Any = None) -> str:
    """The page of an event (of one occurrence when ``key`` is given)."""
    slug = (space or event_space(event)).slug
    params: dict[str, Any] = {"space_slug": slug, "event_id": event.id}
    if key:
        params["occ"] = key
    return url_for("calendar.event", _external=external, **params)


def event_space(event: CalendarEvent) -> Any:
    from parvis.models import Space

    return db.session.get(Space, event.space_id)


def check(data: EventData) -> EventData:
    """Validate times, zone and rule; return the data with a canonical rule."""
    title = (data.title or "").strip()
    if not title:
        raise ContentError(gettext("The title cannot be empty."), "title")
    data.title = title
    try:
        recurrence.zone(data.timezone)
    except recurrence.RuleError as exc:
        raise ContentError(str(exc), "timezone") from exc
    if data.start.tzinfo is None or data.end.tzinfo is None:
        raise ContentError(gettext("Times must have a time zone."), "start")
    if not EARLIEST <= data.start < LATEST or not EARLIEST <= data.end < LATEST:
        raise ContentError(gettext("Dates must be between 1970 and 2199."), "start")
    if data.end < data.start or (data.end == data.start and data.all_day):
        raise ContentError(gettext("The event cannot end before it starts."), "end")
    if data.end - data.start > MAX_DURATION:
        raise ContentError(gettext("An event lasts one year at most."), "end")
    if data.capacity is not None and not 1 <= data.capacity <= 100_000:
        raise ContentError(gettext("The number of places must be between 1 and 100000."), "capacity")
    if data.online_url and not data.online_url.lower().startswith(("https://", "http://")):
        raise ContentError(gettext("The meeting link must start with https://."), "online_url")
    try:
        data.rrule = recurrence.normalize(data.rrule, data.start, data.timezone, data.all_day)
    except recurrence.RuleError as exc:
        raise ContentError(str(exc), "rrule") from exc
    return data


def _fill(event: CalendarEvent, data: EventData) -> None:
    event.title = data.title
    event.description = data.description or ""
    event.location = data.location or ""
    event.online_url = data.online_url or ""
    event.start_at = data.start
    event.end_at = data.end
    event.all_day = data.all_day
    event.timezone = data.timezone
    event.rrule = data.rrule
    event.until_at = recurrence.last_end(data.rrule, data.start, data.end, data.timezone, data.all_day)
    event.category = (data.category or "").strip()
    event.color = data.color if data.color in ("blue", "green", "red", "orange", "purple", "teal", "grey") else "blue"
    event.capacity = data.capacity
    event.updated_at = utcnow()


def new_uid() -> str:
    return f"{secrets.token_hex(12)}@parvis"


def create_event(space: Any, actor: Any, data: EventData, *, invite: bool = False, uid: str | None = None) -> CalendarEvent:
    """Create an event; record the activity; with ``invite``, notify every member."""
    check(data)
    event = CalendarEvent(space_id=space.id, uid=uid or new_uid(), author_id=actor.id, organiser_id=actor.id)
    _fill(event, data)
    db.session.add(event)
    db.session.flush()
    url = event_url(event, space=space)
    activity.record(
        "calendar.created", actor=actor, space=space, target_type=queries.CONTENT_TYPE,
        target_id=event.id, title=event.title, url=url,
    )
    notify_mentions(text=event.description, space=space, actor=actor, title=event.title, url=url)
    if invite:
        members = db.session.scalars(db.select(Membership.user_id).filter_by(space_id=space.id)).all()
        notifications.notify(
            members, kind="calendar.invited",
            title=gettext("You are invited: %(title)s", title=event.title), url=url, actor=actor, space=space,
        )
    index_later(queries.CONTENT_TYPE, event.id)
    return event


def _answered(event: CalendarEvent, key: str | None = None) -> list[int]:
    """People who said yes or maybe (to ``key``, or to any occurrence)."""
    stmt = db.select(CalendarRsvp.user_id).filter(
        CalendarRsvp.event_id == event.id, CalendarRsvp.status.in_(("yes", "maybe", "waiting"))
    )
    if key is not None:
        stmt = stmt.filter(CalendarRsvp.occ == key)
    return sorted(set(db.session.scalars(stmt)))


def _tell(event: CalendarEvent, actor: Any, users: list[int], kind: str, title: str, key: str = "") -> None:
    space = event_space(event)
    notifications.notify(users, kind=kind, title=title, url=event_url(event, key, space=space), actor=actor, space=space)


def update_event(event: CalendarEvent, actor: Any, data: EventData) -> CalendarEvent:
    """Change the whole series; people who answered yes/maybe are told."""
    check(data)
    moved_anchor = data.start != event.start_at or data.rrule != event.rrule or data.all_day != event.all_day
    _fill(event, data)
    event.sequence += 1
    if moved_anchor:  # occurrence keys changed: exceptions no longer point anywhere
        db.session.execute(db.delete(CalendarOverride).filter_by(event_id=event.id))
    _tell(event, actor, _answered(event), "calendar.changed", gettext("Event changed: %(title)s", title=event.title))
    reschedule_reminders(event)
    index_later(queries.CONTENT_TYPE, event.id)
    return event


def edit_occurrence(event: CalendarEvent, key: str, actor: Any, data: EventData) -> CalendarOverride:
    """Move or change one occurrence of a series (an exception keyed by its original start)."""
    occ = queries.occurrence(event, key)
    if occ is None or not event.rrule:
        raise ContentError(gettext("This occurrence does not exist."))
    if data.end < data.start:
        raise ContentError(gettext("The event cannot end before it starts."), "end")
    if data.end - data.start > MAX_DURATION:
        raise ContentError(gettext("An event lasts one year at most."), "end")
    row = db.session.scalar(db.select(CalendarOverride).filter_by(event_id=event.id, occ=key))
    if row is None:
        row = CalendarOverride(event_id=event.id, occ=key)
        db.session.add(row)
    row.start_at, row.end_at = data.start, data.end
    row.title = data.title.strip() if data.title and data.title.strip() != event.title else None
    row.location = data.location if data.location != event.location else None
    row.description = data.description if data.description != event.description else None
    row.cancelled = False
    row.updated_at = utcnow()
    event.sequence += 1
    event.updated_at = utcnow()
    _tell(event, actor, _answered(event, key), "calendar.changed",
          gettext("Event changed: %(title)s", title=data.title or event.title), key)
    reschedule_reminders(event)
    return row


def cancel_occurrence(event: CalendarEvent, key: str, actor: Any) -> None:
    """Cancel one occurrence of a series."""
    occ = queries.occurrence(event, key)
    if occ is None or not event.rrule:
        raise ContentError(gettext("This occurrence does not exist."))
    row = db.session.scalar(db.select(CalendarOverride).filter_by(event_id=event.id, occ=key))
    if row is None:
        row = CalendarOverride(event_id=event.id, occ=key, start_at=occ.start, end_at=occ.end)
        db.session.add(row)
    row.cancelled = True
    row.updated_at = utcnow()
    event.sequence += 1
    event.updated_at = utcnow()
    _tell(event, actor, _answered(event, key), "calendar.cancelled",
          gettext("Event cancelled: %(title)s", title=occ.title), key)
    reschedule_reminders(event)


def split_series(event: CalendarEvent, key: str, actor: Any, data: EventData) -> CalendarEvent:
    """"This and following": end the series before ``key``; a new series takes the rest."""
    occ = queries.occurrence(event, key)
    if occ is None or not event.rrule:
        raise ContentError(gettext("This occurrence does not exist."))
    cut = recurrence.parse_key(key)
    assert cut is not None
    if cut <= event.start_at:  # the first occurrence: the whole series changes
        return update_event(event, actor, data)
    old_rule = event.rrule
    data.rrule = data.rrule if data.rrule else ""
    if data.rrule == old_rule:
        data.rrule = recurrence.remaining_count(old_rule, event.start_at, event.end_at, event.timezone, event.all_day, cut)
    check(data)
    new = CalendarEvent(
        space_id=event.space_id, uid=new_uid(), author_id=event.author_id, organiser_id=event.organiser_id
    )
    _fill(new, data)
    db.session.add(new)
    event.rrule = recurrence.truncate_before(old_rule, cut)
    event.until_at = recurrence.last_end(event.rrule, event.start_at, event.end_at, event.timezone, event.all_day)
    event.sequence += 1
    event.updated_at = utcnow()
    db.session.flush()
    same_keys = data.start == cut
    later_rsvps = db.select(CalendarRsvp).filter(CalendarRsvp.event_id == event.id, CalendarRsvp.occ >= key)
    people = sorted({r.user_id for r in db.session.scalars(later_rsvps) if r.status != "no"})
    if same_keys:  # the occurrences keep their keys: answers and exceptions follow them
        db.session.execute(
            db.update(CalendarRsvp).filter(CalendarRsvp.event_id == event.id, CalendarRsvp.occ >= key)
            .values(event_id=new.id)
        )
        db.session.execute(
            db.update(CalendarOverride).filter(CalendarOverride.event_id == event.id, CalendarOverride.occ >= key)
            .values(event_id=new.id)
        )
    else:
        db.session.execute(db.delete(CalendarOverride).filter(
            CalendarOverride.event_id == event.id, CalendarOverride.occ >= key))
    _tell(new, actor, people, "calendar.changed", gettext("Event changed: %(title)s", title=new.title))
    activity.record(
        "calendar.updated", actor=actor, space=event_space(event), target_type=queries.CONTENT_TYPE,
        target_id=new.id, title=new.title, url=event_url(new),
    )
    reschedule_reminders(event)
    index_later(queries.CONTENT_TYPE, event.id)
    index_later(queries.CONTENT_TYPE, new.id)
    return new


def cancel_event(event: CalendarEvent, actor: Any) -> None:
    """Cancel the whole event (it stays visible as cancelled; feeds say STATUS:CANCELLED)."""
    event.cancelled = True
    event.sequence += 1
    event.updated_at = utcnow()
    _tell(event, actor, _answered(event), "calendar.cancelled", gettext("Event cancelled: %(title)s", title=event.title))
    db.session.execute(db.update(CalendarReminder).filter_by(event_id=event.id).values(due_at=None))
    index_later(queries.CONTENT_TYPE, event.id)


def delete_event(event: CalendarEvent, actor: Any) -> None:
    """Delete the event, its exceptions, answers, reminders, comments and attachments."""
    if not event.cancelled:
        _tell(event, actor, _answered(event), "calendar.cancelled",
              gettext("Event cancelled: %(title)s", title=event.title))
    from parvis.services import attachments, comments

    comments.delete_for(queries.CONTENT_TYPE, [event.id])
    attachments.delete_for(queries.CONTENT_TYPE, [event.id], actor)
    for model in (CalendarOverride, CalendarRsvp, CalendarReminder):
        db.session.execute(db.delete(model).filter_by(event_id=event.id))
    remove_later(queries.CONTENT_TYPE, event.id)
    db.session.delete(event)


# -- RSVP ---------------------------------------------------------------------------


def _yes_count(event: CalendarEvent, key: str) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(CalendarRsvp).filter_by(event_id=event.id, occ=key, status="yes")
    ) or 0


def rsvp(event: CalendarEvent, key: str, user: Any, status: str) -> CalendarRsvp | None:
    """Answer yes/maybe/no (or "none" to withdraw) for one occurrence; return the answer.

    A yes beyond the capacity puts the person on the waiting list (status ``waiting``);
    a place freed goes to the first person waiting, who is told.
    """
    if status not in ("yes", "maybe", "no", "none"):
        raise ContentError(gettext("Answer yes, maybe or no."), "status")
    occ = queries.occurrence(event, key)
    if occ is None:
        raise ContentError(gettext("This occurrence does not exist."))
    if occ.cancelled:
        raise ContentError(gettext("This event is cancelled."))
    key = occ.key
    row = db.session.scalar(
        db.select(CalendarRsvp).filter_by(event_id=event.id, user_id=user.id, occ=key).with_for_update()
    )
    was_yes = row is not None and row.status == "yes"
    if status == "none":
        if row is not None:
            db.session.delete(row)
            db.session.flush()
    else:
        if status == "yes" and event.capacity is not None and not was_yes:
            if row is not None and row.status == "waiting":
                status = "waiting"
            elif _yes_count(event, key) >= event.capacity:
                status = "waiting"
        if row is None:
            row = CalendarRsvp(event_id=event.id, user_id=user.id, occ=key, status=status)
            db.session.add(row)
        else:
            row.status = status
            row.updated_at = utcnow()
        db.session.flush()
    if was_yes and (status != "yes"):
        _promote(event, key, user)
    return row if status != "none" else None


def _promote(event: CalendarEvent, key: str, actor: Any) -> None:
    if event.capacity is None or _yes_count(event, key) >= event.capacity:
        return
    first = db.session.scalar(
        db.select(CalendarRsvp).filter_by(event_id=event.id, occ=key, status="waiting")
        .order_by(CalendarRsvp.created_at, CalendarRsvp.id).limit(1)
    )
    if first is None:
        return
    first.status = "yes"
    first.updated_at = utcnow()
    _tell(event, actor, [first.user_id], "calendar.place",
          gettext("A place is free for you: %(title)s", title=event.title), key)


# -- reminders ------------------------------------------------------------------------


def next_due(event: CalendarEvent, minutes: int, after: datetime) -> tuple[str, datetime] | None:
    """(key, due time) of the first reminder of ``event`` still to come after ``after``."""
    if event.cancelled:
        return None
    lead = timedelta(minutes=minutes)
    for occ in queries.next_occurrences(event, after, count=50):
        # a reminder asked for too late for its lead still comes, at once, before the start
        if not occ.cancelled and occ.start > after:
            return occ.key, occ.start - lead
    return None


def set_reminder(event: CalendarEvent, user: Any, minutes: int | None) -> CalendarReminder | None:
    """Ask for (or, with None, drop) an in-app notification ``minutes`` before each occurrence."""
    row = db.session.scalar(db.select(CalendarReminder).filter_by(event_id=event.id, user_id=user.id))
    if minutes is None:
        if row is not None:
            db.session.delete(row)
        return None
    if not 0 <= minutes <= 60 * 24 * 30:
        raise ContentError(gettext("A reminder comes at most 30 days before."), "minutes")
    if row is None:
        row = CalendarReminder(event_id=event.id, user_id=user.id)
        db.session.add(row)
    row.minutes_before = minutes
    nxt = next_due(event, minutes, queries.now())
    row.occ, row.due_at = (nxt if nxt else ("", None))
    return row


def reschedule_reminders(event: CalendarEvent) -> None:
    """Recompute the next due time of every reminder of ``event`` (after a change)."""
    now = queries.now()
    for row in db.session.scalars(db.select(CalendarReminder).filter_by(event_id=event.id)):
        nxt = next_due(event, row.minutes_before, now)
        row.occ, row.due_at = (nxt if nxt else ("", None))
