"""Delivering due reminders, idempotently.

There is no scheduler process: ``parvis calendar send-reminders`` is meant for cron
(every minute or five), and the calendar's own pages deliver the signed-in person's due
reminders on the way (at most once a minute per person and process, one small query).
Each reminder is claimed with a conditional UPDATE on its ``due_at``: whoever changes
the row sends the notification, so two runs at the same time never send it twice.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import click
from flask import current_app
from flask_babel import force_locale, gettext

from parvis.extensions import db
from parvis.models import Space, User
from parvis.services import notifications
from parvis.services.permissions import can

from . import queries, service
from .models import CalendarEvent, CalendarReminder, CalendarRsvp

#: Seconds between two on-page checks for the same person in one process.
PAGE_CHECK_INTERVAL = 60
#: Reminders handled per batch.
BATCH = 500


def _module_on(space: Space) -> bool:
    from parvis.services.spaces import enabled_modules

    return any(spec.id == queries.MODULE_ID for spec, _row in enabled_modules(space))


def deliver_due(now: datetime | None = None, user_id: int | None = None, limit: int = BATCH) -> int:
    """Send every reminder due at ``now`` (of one person, or everyone); return how many were sent.

    Commits. A reminder whose person may no longer read the space, who answered "no",
    or whose occurrence is cancelled is moved on without a notification.
    """
    now = now or queries.now()
    stmt = db.select(CalendarReminder).where(CalendarReminder.due_at.is_not(None), CalendarReminder.due_at <= now)
    if user_id is not None:
        stmt = stmt.where(CalendarReminder.user_id == user_id)
    rows = list(db.session.scalars(stmt.order_by(CalendarReminder.due_at).limit(limit)))
    if not rows:
        return 0
    events = {e.id: e for e in db.session.scalars(
        db.select(CalendarEvent).where(CalendarEvent.id.in_({r.event_id for r in rows})))}
    spaces = {s.id: s for s in db.session.scalars(
        db.select(Space).where(Space.id.in_({e.space_id for e in events.values()})))}
    users = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_({r.user_id for r in rows})))}
    declined = set(db.session.execute(
        db.select(CalendarRsvp.event_id, CalendarRsvp.user_id, CalendarRsvp.occ).where(
            CalendarRsvp.event_id.in_(set(events)), CalendarRsvp.status == "no")
    ).all())
    sent = 0
    for row in rows:
        event = events.get(row.event_id)
        old_due, key = row.due_at, row.occ
        occ = queries.occurrence(event, key) if event is not None else None
        nxt = (
            service.next_due(event, row.minutes_before, max(now, occ.start if occ else now))
            if event is not None else None
        )
        claimed = db.session.execute(
            db.update(CalendarReminder)
            .where(CalendarReminder.id == row.id, CalendarReminder.due_at == old_due)
            .values(due_at=nxt[1] if nxt else None, occ=nxt[0] if nxt else "", sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1 or event is None or occ is None or occ.cancelled:
            continue
        user, space = users.get(row.user_id), spaces.get(event.space_id)
        if user is None or space is None or not user.active or not can(user, "space.read", space):
            continue
        if not _module_on(space) or (event.id, user.id, key) in declined:
            continue
        if occ.end < now - timedelta(hours=1):
            continue  # long past (cron was down): no stale reminder
        with force_locale(user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "fr")):
            when = occ.local_start().strftime("%d/%m/%Y %H:%M") if not occ.all_day else occ.local_start().strftime("%d/%m/%Y")
            title = gettext("Reminder: %(title)s, %(when)s", title=occ.title, when=when)
        notifications.notify([user.id], kind="calendar.reminder", title=title,
                             url=service.event_url(event, key, space=space), space=space)
        sent += 1
    db.session.commit()
    db.session.expire_all()
    return sent


def deliver_for_current_user(user: Any) -> int:
    """The on-page check: deliver ``user``'s due reminders, at most once a minute per process."""
    if not getattr(user, "is_authenticated", False) or current_app.config.get("CALENDAR_PAGE_REMINDERS") is False:
        return 0
    seen: dict[int, float] = current_app.extensions.setdefault("calendar_reminder_checks", {})
    moment = time.monotonic()
    if moment - seen.get(user.id, -1e9) < PAGE_CHECK_INTERVAL:
        return 0
    seen[user.id] = moment
    if len(seen) > 100_000:
        seen.clear()
    return deliver_due(user_id=user.id)


@click.group("calendar")
def calendar_cli() -> None:
    """Calendar tasks."""


@calendar_cli.command("send-reminders")
def send_reminders() -> None:
    """Send the due event reminders (run it from cron every minute or five)."""
    total = 0
    for _ in range(1000):  # batches of BATCH; each one moves every reminder it reads on
        total += deliver_due()
        pending = db.session.scalar(
            db.select(db.func.count()).select_from(CalendarReminder)
            .where(CalendarReminder.due_at.is_not(None), CalendarReminder.due_at <= queries.now())
        )
        if not pending:
            break
    click.echo(f"{total} reminder(s) sent.")
