"""Search documents, export and clean-up of a space's calendar (used by the hooks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from parvis.extensions import db
from parvis.models import Space
from parvis.services.markdown import plain_text

from . import queries, service
from .models import (
    CalendarEvent,
    CalendarFeedToken,
    CalendarOverride,
    CalendarReminder,
    CalendarRsvp,
)


def document(event: CalendarEvent, space: Space) -> dict[str, Any]:
    """The search document of one event."""
    body = " ".join(p for p in (plain_text(event.description), event.location) if p)
    return {
        "space_id": space.id,
        "module": queries.MODULE_ID,
        "type": queries.CONTENT_TYPE,
        "object_id": event.id,
        "id": event.id,
        "title": event.title,
        "body": body,
        "tags": [event.category] if event.category else [],
        "author_id": event.author_id,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
        "url": service.event_url(event, space=space),
        "visibility": {"space_id": space.id, "public_in_space": True},
    }


def search_document(object_id: int) -> dict[str, Any] | None:
    """One event's document (None when gone): every reader of the space may see events."""
    from parvis.input_guards import valid_id

    ident = valid_id(object_id)
    event = db.session.get(CalendarEvent, ident) if ident else None
    if event is None:
        return None
    space = db.session.get(Space, event.space_id)
    return document(event, space) if space is not None else None


def search_documents(space: Space) -> Iterator[dict[str, Any]]:
    """One document per event of the space."""
    stmt = db.select(CalendarEvent).filter_by(space_id=space.id).order_by(CalendarEvent.id).execution_options(
        yield_per=200)
    for event in db.session.scalars(stmt):
        yield document(event, space)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def export_space(space: Space) -> dict[str, Any]:
    """Every event with its exceptions and answers, as JSON-serialisable data."""
    events = list(db.session.scalars(db.select(CalendarEvent).filter_by(space_id=space.id).order_by(CalendarEvent.id)))
    ids = [e.id for e in events]
    overrides = queries.overrides_for(ids)
    answers: dict[int, list[dict[str, Any]]] = {}
    if ids:
        for row in db.session.scalars(db.select(CalendarRsvp).where(CalendarRsvp.event_id.in_(ids))):
            answers.setdefault(row.event_id, []).append(
                {"user_id": row.user_id, "occurrence": row.occ, "status": row.status})
    return {
        "module": queries.MODULE_ID,
        "version": 1,
        "events": [
            {
                "id": e.id, "uid": e.uid, "title": e.title, "description": e.description,
                "location": e.location, "online_url": e.online_url, "start": _iso(e.start_at),
                "end": _iso(e.end_at), "all_day": e.all_day, "timezone": e.timezone, "rrule": e.rrule,
                "category": e.category, "color": e.color, "capacity": e.capacity, "cancelled": e.cancelled,
                "organiser_id": e.organiser_id, "author_id": e.author_id,
                "created_at": _iso(e.created_at), "updated_at": _iso(e.updated_at),
                "exceptions": [
                    {"occurrence": k, "cancelled": o.cancelled, "start": _iso(o.start_at), "end": _iso(o.end_at),
                     "title": o.title, "location": o.location}
                    for k, o in sorted(overrides.get(e.id, {}).items())
                ],
                "answers": answers.get(e.id, []),
            }
            for e in events
        ],
    }


def delete_space_data(space: Space) -> None:
    """Delete the calendar of ``space`` before the space goes (comments and files too)."""
    from parvis.services import attachments, comments

    ids = list(db.session.scalars(db.select(CalendarEvent.id).filter_by(space_id=space.id)))
    if ids:
        comments.delete_for(queries.CONTENT_TYPE, ids)
        attachments.delete_for(queries.CONTENT_TYPE, ids)
        for model in (CalendarOverride, CalendarRsvp, CalendarReminder):
            db.session.execute(db.delete(model).where(model.event_id.in_(ids)))
        db.session.execute(db.delete(CalendarEvent).where(CalendarEvent.id.in_(ids)))
    db.session.execute(db.delete(CalendarFeedToken).filter_by(space_id=space.id))


def member_removed(space: Space, user: Any) -> None:
    """Someone left: their feed token of that space and their reminders there go."""
    db.session.execute(db.delete(CalendarFeedToken).filter_by(space_id=space.id, user_id=user.id))
    ids = db.select(CalendarEvent.id).filter_by(space_id=space.id).scalar_subquery()
    db.session.execute(db.delete(CalendarReminder).where(
        CalendarReminder.user_id == user.id, CalendarReminder.event_id.in_(ids)))
