"""JSON API of the calendar, mounted at ``/api/v1/spaces/<space_slug>/calendar/``.

Same permissions as the pages: every reader of the space sees the events; creating
needs ``calendar.create``; changing an event, its author, organiser or a moderator;
answering needs ``calendar.rsvp``; the list of answers ``calendar.see_attendees``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask_babel import gettext

from parvis.api import ApiError, api_endpoint, current_space, me
from parvis.extensions import db
from parvis.services.content_errors import ContentError

from . import queries, recurrence, service
from .models import CalendarEvent
from .schemas import (
    CalendarEventBodySchema,
    CalendarEventSchema,
    CalendarMyRsvpSchema,
    CalendarOccurrenceListSchema,
    CalendarRsvpBodySchema,
    CalendarRsvpListSchema,
    CalendarRsvpQuerySchema,
    CalendarWindowQuerySchema,
)

api_bp = Blueprint("calendar_api", __name__)
TAGS = ("calendar",)
MAX_WINDOW = timedelta(days=366)


def _refused(exc: ContentError) -> ApiError:
    return ApiError(422, exc.message, {exc.field or "_schema": [exc.message]})


def _aware(moment: datetime, tz_name: str) -> datetime:
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    try:
        return moment.replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC)
    except Exception as exc:  # noqa: BLE001 - unknown zone
        message = gettext("Unknown time zone: %(name)s.", name=tz_name[:64])
        raise ApiError(422, message, {"timezone": [message]}) from exc


def _event(event_id: int) -> CalendarEvent:
    event = queries.get_event(current_space(), event_id)
    if event is None:
        raise ApiError(404)
    return event


def _data(body: dict[str, Any], base: CalendarEvent | None = None) -> service.EventData:
    def pick(name: str, attr: str | None = None) -> Any:
        if name in body:
            return body[name]
        return getattr(base, attr or name) if base is not None else None

    tz = pick("timezone") or "Europe/Paris"
    try:
        recurrence.zone(tz)
    except recurrence.RuleError as exc:
        raise ApiError(422, str(exc), {"timezone": [str(exc)]}) from exc
    start = _aware(body["start"], tz) if "start" in body else base.start_at  # type: ignore[union-attr]
    end = _aware(body["end"], tz) if "end" in body else base.end_at  # type: ignore[union-attr]
    return service.EventData(
        title=pick("title"), start=start, end=end, timezone=tz, all_day=bool(pick("all_day")),
        description=pick("description") or "", location=pick("location") or "",
        online_url=pick("online_url") or "", rrule=pick("rrule") or "", category=pick("category") or "",
        color=pick("color") or "blue", capacity=pick("capacity"),
    )


@api_endpoint(api_bp, "/events", ["GET"], query=CalendarWindowQuerySchema,
              response=CalendarOccurrenceListSchema, tags=TAGS)
def list_occurrences(query: dict[str, Any]) -> Any:
    """Occurrences between ``start`` and ``end`` (recurring events expanded, exceptions applied)."""
    start, end = _aware(query["start"], "UTC"), _aware(query["end"], "UTC")
    if end <= start or end - start > MAX_WINDOW:
        message = gettext("The window must end after it starts and last 366 days at most.")
        raise ApiError(422, message, {"end": [message]})
    space = current_space()
    occs, truncated = queries.window([space.id], start, end, category=query.get("category") or None)
    return {"truncated": truncated, "data": [
        {"event_id": o.event.id, "occurrence": o.key, "title": o.title, "start": o.start, "end": o.end,
         "all_day": o.all_day, "location": o.location, "category": o.event.category,
         "cancelled": o.cancelled, "moved": o.moved, "url": service.event_url(o.event, o.key, external=True, space=space)}
        for o in occs
    ]}


@api_endpoint(api_bp, "/events", ["POST"], body=CalendarEventBodySchema, response=CalendarEventSchema,
              tags=TAGS, errors=[403])
def create_event(body: dict[str, Any]) -> Any:
    """Create an event (``rrule`` for a series)."""
    space, user = current_space(), me()
    if not queries.may_create(user, space):
        raise ApiError(403)
    try:
        event = service.create_event(space, user, _data(body), invite=bool(body.get("invite")))
    except ContentError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    return event


@api_endpoint(api_bp, "/events/<int:event_id>", ["GET"], response=CalendarEventSchema, tags=TAGS, errors=[404])
def get_event(event_id: int) -> Any:
    """One event."""
    return _event(event_id)


@api_endpoint(api_bp, "/events/<int:event_id>", ["PATCH"], body=CalendarEventBodySchema, partial=True,
              response=CalendarEventSchema, status=200, tags=TAGS, errors=[403, 404])
def update_event(event_id: int, body: dict[str, Any]) -> Any:
    """Change an event (the whole series); those who answered yes or maybe are told."""
    event = _event(event_id)
    if not queries.may_edit(me(), event):
        raise ApiError(403)
    try:
        service.update_event(event, me(), _data(body, event))
    except ContentError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    return event


@api_endpoint(api_bp, "/events/<int:event_id>", ["DELETE"], tags=TAGS, errors=[403, 404])
def delete_event(event_id: int) -> None:
    """Delete an event; those who answered yes or maybe are told."""
    event = _event(event_id)
    if not queries.may_edit(me(), event):
        raise ApiError(403)
    service.delete_event(event, me())
    db.session.commit()


@api_endpoint(api_bp, "/events/<int:event_id>/rsvps", ["GET"], query=CalendarRsvpQuerySchema,
              response=CalendarRsvpListSchema, tags=TAGS, errors=[403, 404])
def list_rsvps(event_id: int, query: dict[str, Any]) -> Any:
    """The answers to one occurrence (``occurrence`` key; empty for a single event)."""
    event = _event(event_id)
    if not queries.may_see_attendees(me(), event):
        raise ApiError(403)
    occ = queries.occurrence(event, query.get("occurrence") or "")
    if occ is None:
        raise ApiError(404)
    rows = queries.attendees(event, occ.key)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return {"counts": counts, "data": [
        {"user_id": r.user_id, "name": r.user.name, "occurrence": r.occ, "status": r.status,
         "updated_at": r.updated_at} for r in rows]}


@api_endpoint(api_bp, "/events/<int:event_id>/rsvp", ["PUT"], body=CalendarRsvpBodySchema,
              response=CalendarMyRsvpSchema, status=200, tags=TAGS, errors=[403, 404])
def put_rsvp(event_id: int, body: dict[str, Any]) -> Any:
    """Answer yes, maybe or no (``none`` withdraws); beyond the capacity, a yes waits."""
    event = _event(event_id)
    if not queries.may_rsvp(me(), event):
        raise ApiError(403)
    try:
        row = service.rsvp(event, body.get("occurrence") or "", me(), body["status"])
    except ContentError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    return {"occurrence": row.occ if row else (body.get("occurrence") or ""),
            "status": row.status if row else "none"}
