"""Tables of the calendar module: events, per-occurrence exceptions, RSVPs, reminders
and the tokens of the iCal subscription feeds.

Times are stored in UTC (``UTCDateTime``) with the event's IANA time zone name; a
recurring event keeps its RFC 5545 ``RRULE`` and is expanded only for the window shown.
An occurrence is named by its *key*: the original start in UTC as ``YYYYMMDDTHHMMSSZ``
("" for a single event), which stays the same when the occurrence is moved.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parvis.extensions import db
from parvis.models import User, UTCDateTime, utcnow

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
LOCATION_MAX = 300
URL_MAX = 1000
CATEGORY_MAX = 60
RRULE_MAX = 500
#: Colours an event may take (CSS classes ``cal-color--<name>``, contrast-checked).
COLORS = ("blue", "green", "red", "orange", "purple", "teal", "grey")
RSVP_STATUSES = ("yes", "maybe", "no")
#: ``waiting``: said yes to a full event, on the waiting list.
ALL_RSVP_STATUSES = (*RSVP_STATUSES, "waiting")


class CalendarEvent(db.Model):
    """An event of a space, single or recurring."""

    __tablename__ = "calendar_events"
    __table_args__ = (
        Index("ix_calendar_events_space_start", "space_id", "start_at"),
        Index("ix_calendar_events_space_until", "space_id", "until_at"),
        UniqueConstraint("space_id", "uid", name="uq_calendar_events_space_uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    #: iCalendar UID (kept from an import, so importing the same file twice updates).
    uid: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(LOCATION_MAX), default="")
    online_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    all_day: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    rrule: Mapped[str] = mapped_column(String(RRULE_MAX), default="")
    #: End of the last occurrence (None: the series never ends), for window queries.
    until_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    category: Mapped[str] = mapped_column(String(CATEGORY_MAX), default="")
    color: Mapped[str] = mapped_column(String(16), default="blue")
    #: Places for "yes" answers (None: no limit); beyond it, a waiting list.
    capacity: Mapped[int | None] = mapped_column()
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled: Mapped[bool] = mapped_column(default=False)
    #: iCalendar SEQUENCE: raised on each change so calendar clients update their copy.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organiser: Mapped[User | None] = relationship(foreign_keys=[organiser_id])

    @property
    def recurring(self) -> bool:
        return bool(self.rrule)


class CalendarOverride(db.Model):
    """An exception to one occurrence of a recurring event: moved, changed or cancelled."""

    __tablename__ = "calendar_overrides"
    __table_args__ = (
        UniqueConstraint("event_id", "occ", name="uq_calendar_overrides_event_occ"),
        Index("ix_calendar_overrides_start", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("calendar_events.id", ondelete="CASCADE"))
    occ: Mapped[str] = mapped_column(String(20))
    cancelled: Mapped[bool] = mapped_column(default=False)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    location: Mapped[str | None] = mapped_column(String(LOCATION_MAX))
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarRsvp(db.Model):
    """One person's answer to one occurrence (``occ`` "" for a single event)."""

    __tablename__ = "calendar_rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", "occ", name="uq_calendar_rsvps_event_user_occ"),
        Index("ix_calendar_rsvps_event_occ", "event_id", "occ"),
        Index("ix_calendar_rsvps_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("calendar_events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    occ: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class CalendarReminder(db.Model):
    """A person's reminder on an event: an in-app notification N minutes before.

    ``due_at`` is when the next one is due (None: nothing left to send); ``occ`` the
    occurrence it is for. Sending moves ``due_at`` on in one conditional UPDATE, so a
    reminder is delivered once even when cron and a page view race.
    """

    __tablename__ = "calendar_reminders"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_calendar_reminders_event_user"),
        Index("ix_calendar_reminders_due", "due_at"),
        Index("ix_calendar_reminders_user_due", "user_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("calendar_events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    minutes_before: Mapped[int] = mapped_column(default=60)
    occ: Mapped[str] = mapped_column(String(20), default="")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarFeedToken(db.Model):
    """A secret subscription link: one space's calendar (``space_id``) or all my spaces (None).

    Only the SHA-256 of the token is stored; regenerating replaces it, revoking deletes it.
    """

    __tablename__ = "calendar_feed_tokens"
    #: Never changes what a widget shows (parvis.services.widget_cache).
    widget_cache_neutral = True
    __table_args__ = (Index("ix_calendar_feed_tokens_user", "user_id", "space_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
