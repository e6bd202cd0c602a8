"""Marshmallow schemas of the calendar's JSON API (named ``Calendar...`` to stay unique)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from .models import (
    CATEGORY_MAX,
    COLORS,
    DESCRIPTION_MAX,
    LOCATION_MAX,
    RRULE_MAX,
    RSVP_STATUSES,
    TITLE_MAX,
    URL_MAX,
)


def _max(limit: int) -> validate.Length:
    return validate.Length(max=limit, error=_l("Too long: %(max)s characters at most.", max=limit))


class CalendarEventSchema(Schema):
    """An event (a whole series when ``rrule`` is set). Times in UTC."""

    id = fields.Integer(required=True)
    uid = fields.String(required=True, metadata={"description": "iCalendar UID."})
    title = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "Markdown source."})
    location = fields.String(required=True)
    online_url = fields.String(required=True)
    start = fields.DateTime(required=True, attribute="start_at")
    end = fields.DateTime(required=True, attribute="end_at")
    all_day = fields.Boolean(required=True)
    timezone = fields.String(required=True, metadata={"description": "IANA time zone name."})
    rrule = fields.String(required=True, metadata={"description": "RFC 5545 RRULE, empty when single."})
    category = fields.String(required=True)
    color = fields.String(required=True, metadata={"enum": list(COLORS)})
    capacity = fields.Integer(allow_none=True, required=True)
    cancelled = fields.Boolean(required=True)
    organiser_id = fields.Integer(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class CalendarOccurrenceSchema(Schema):
    """One occurrence in a window; ``occurrence`` is its key (original start in UTC, "" if single)."""

    event_id = fields.Integer(required=True)
    occurrence = fields.String(required=True)
    title = fields.String(required=True)
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    all_day = fields.Boolean(required=True)
    location = fields.String(required=True)
    category = fields.String(required=True)
    cancelled = fields.Boolean(required=True)
    moved = fields.Boolean(required=True)
    url = fields.String(required=True)


class CalendarOccurrenceListSchema(Schema):
    """The occurrences of a window, in time order."""

    data = fields.List(fields.Nested(CalendarOccurrenceSchema), required=True)
    truncated = fields.Boolean(required=True, metadata={"description": "More occurrences than shown."})


class CalendarWindowQuerySchema(Schema):
    """The window: ``start`` and ``end`` (ISO 8601, at most 366 days apart)."""

    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    category = fields.String(load_default="", validate=_max(CATEGORY_MAX))


class CalendarEventBodySchema(Schema):
    """A new event, or the fields to change (PATCH). Naive times are read in ``timezone``."""

    title = fields.String(required=True, validate=[validate.Length(min=1, max=TITLE_MAX)])
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    timezone = fields.String(load_default="Europe/Paris", validate=_max(64))
    all_day = fields.Boolean(load_default=False)
    description = fields.String(load_default="", validate=_max(DESCRIPTION_MAX))
    location = fields.String(load_default="", validate=_max(LOCATION_MAX))
    online_url = fields.String(load_default="", validate=_max(URL_MAX))
    rrule = fields.String(load_default="", validate=_max(RRULE_MAX))
    category = fields.String(load_default="", validate=_max(CATEGORY_MAX))
    color = fields.String(load_default="blue", validate=validate.OneOf(COLORS))
    capacity = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=100_000))
    invite = fields.Boolean(load_default=False, metadata={"description": "Notify every member (creation only)."})


class CalendarRsvpSchema(Schema):
    """One person's answer to one occurrence."""

    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    occurrence = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": [*RSVP_STATUSES, "waiting"]})
    updated_at = fields.DateTime(required=True)


class CalendarRsvpListSchema(Schema):
    """The answers to one occurrence, with the counts."""

    data = fields.List(fields.Nested(CalendarRsvpSchema), required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class CalendarRsvpQuerySchema(Schema):
    occurrence = fields.String(load_default="", validate=_max(20))


class CalendarRsvpBodySchema(Schema):
    """My answer: yes, maybe, no, or none (withdraw)."""

    status = fields.String(required=True, validate=validate.OneOf([*RSVP_STATUSES, "none"]))
    occurrence = fields.String(load_default="", validate=_max(20))


class CalendarMyRsvpSchema(Schema):
    """My answer after the change (``waiting``: on the waiting list of a full event)."""

    occurrence = fields.String(required=True)
    status = fields.String(required=True)
