"""Pages of a space's calendar, mounted at ``/s/<space_slug>/calendar/``.

The core guard has found ``g.space``, checked that the calendar is on and that the user
may read the space. Each view checks the calendar permission it needs: events of
another space answer 404, actions a user may not do answer 403.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from parvis.extensions import db
from parvis.services.attachments import attachments_for
from parvis.services.content_errors import ContentError
from parvis.services.permissions import can

from . import feeds, formatting, grid, ical, queries, recurrence, reminders, service
from .forms import EventForm, ImportForm, OccurrenceForm
from .models import CalendarEvent, CalendarReminder

bp = Blueprint("calendar", __name__, template_folder="templates")

formatting.register(bp)

REMINDER_CHOICES = (10, 30, 60, 120, 1440, 2880, 10080)


@bp.before_request
def _deliver_my_reminders() -> None:
    reminders.deliver_for_current_user(current_user)


def _today() -> date:
    return queries.now().astimezone(queries.display_zone()).date()


def _event_or_404(event_id: int) -> CalendarEvent:
    event = queries.get_event(g.space, event_id)
    if event is None:
        abort(404)
    return event


def _editable(event_id: int) -> CalendarEvent:
    event = _event_or_404(event_id)
    if not queries.may_edit(current_user, event):
        abort(403)
    return event


def _category() -> str:
    return (request.args.get("category") or "").strip()[:60]


def _common(**extra: Any) -> dict[str, Any]:
    return {"space": g.space, "may_create": queries.may_create(current_user, g.space),
            "category": _category(), **extra}


def _form_error(form: Any, exc: ContentError) -> None:
    target = {"start": "start_date", "end": "end_date", "rrule": "rrule"}.get(exc.field or "", exc.field or "")
    field = getattr(form, target, None)
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors) + [exc.message]
    else:
        flash(exc.message, "error")


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- views of the calendar --------------------------------------------------------------


@bp.get("/")
def index():  # noqa: ANN201
    """The month view (a list of the same events on phones)."""
    today = _today()
    first = grid.parse_month(request.args.get("month"), today)
    last = grid.shift_month(first, 1) - timedelta(days=1)
    weeks_start = first - timedelta(days=first.weekday())
    weeks_end = last + timedelta(days=6 - last.weekday())
    start, end = grid.bounds(weeks_start, weeks_end)
    occs, truncated = queries.window([g.space.id], start, end, category=_category() or None)
    weeks, _, _ = grid.month_grid(first, occs, today)
    in_month = [o for o in occs if any(first <= d <= last for d in o.days())]
    return render_template(
        "calendar/month.html", **_common(
            view="month", first=first, weeks=weeks, occurrences=in_month, truncated=truncated,
            prev=grid.shift_month(first, -1), next=grid.shift_month(first, 1), today=today,
            categories=sorted({o.event.category for o in occs if o.event.category}),
        ))


@bp.get("/week")
def week():  # noqa: ANN201
    """Seven days from Monday, each with its events."""
    today = _today()
    days = grid.week_days(grid.parse_day(request.args.get("date"), today))
    start, end = grid.bounds(days[0], days[-1])
    occs, truncated = queries.window([g.space.id], start, end, category=_category() or None)
    per_day = grid.by_day(occs, days[0], days[-1])
    return render_template(
        "calendar/week.html", **_common(
            view="week", days=[(d, per_day.get(d, [])) for d in days], truncated=truncated, today=today,
            prev=days[0] - timedelta(days=7), next=days[0] + timedelta(days=7),
        ))


@bp.get("/agenda")
def agenda():  # noqa: ANN201
    """A list of the coming events, a month at a time."""
    today = _today()
    first = grid.parse_day(request.args.get("from"), today)
    last = first + timedelta(days=grid.AGENDA_DAYS - 1)
    start, end = grid.bounds(first, last)
    occs, truncated = queries.window([g.space.id], start, end, category=_category() or None)
    occs = [o for o in occs if o.end > start]
    answers = queries.my_rsvps(current_user, [(o.event.id, o.key) for o in occs])
    return render_template(
        "calendar/agenda.html", **_common(
            view="agenda", occurrences=occs, answers=answers, truncated=truncated, first=first, last=last,
            prev=first - timedelta(days=grid.AGENDA_DAYS), next=last + timedelta(days=1), today=today,
        ))


# -- one event ---------------------------------------------------------------------------


@bp.get("/events/<int:event_id>")
def event(event_id: int):  # noqa: ANN201
    """An event (one occurrence of a series with ``?occ=``): details, answers, reminder."""
    item = _event_or_404(event_id)
    occ = queries.occurrence(item, request.args.get("occ"))
    if occ is None:
        abort(404)
    counts = queries.rsvp_counts([item.id]).get((item.id, occ.key), {})
    see = queries.may_see_attendees(current_user, item)
    people = queries.attendees(item, occ.key) if see else []
    mine = next((r.status for r in people if r.user_id == current_user.id), None) if see else \
        queries.my_rsvps(current_user, [(item.id, occ.key)]).get((item.id, occ.key))
    reminder = db.session.scalar(db.select(CalendarReminder).filter_by(event_id=item.id, user_id=current_user.id))
    upcoming = queries.next_occurrences(item, queries.now(), count=6) if item.rrule else []
    return render_template(
        "calendar/event.html", **_common(
            event=item, occ=occ, counts=counts, attendees=people, may_see_attendees=see, mine=mine,
            may_edit=queries.may_edit(current_user, item), may_rsvp=queries.may_rsvp(current_user, item),
            reminder=reminder, reminder_choices=REMINDER_CHOICES, upcoming=upcoming,
            organiser=item.organiser, files=attachments_for(queries.CONTENT_TYPE, [item.id]).get(item.id, []),
        ))


@bp.route("/new", methods=["GET", "POST"])
def new():  # noqa: ANN201
    """Create an event."""
    if not queries.may_create(current_user, g.space):
        abort(403)
    form = EventForm()
    if request.method == "GET":
        day = grid.parse_day(request.args.get("date"), _today())
        form.start_date.data = form.end_date.data = day
    if form.validate_on_submit():
        try:
            item = service.create_event(g.space, current_user, form.to_data(), invite=bool(form.invite.data))
        except ContentError as exc:
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(gettext("Event created."), "success")
            return redirect(service.event_url(item))
    status = 422 if request.method == "POST" else 200
    return render_template("calendar/form.html", **_common(form=form, event=None)), status


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int):  # noqa: ANN201
    """Change the whole event (every occurrence of a series)."""
    item = _editable(event_id)
    form = EventForm()
    if request.method == "GET":
        form.load(item)
    if form.validate_on_submit():
        try:
            service.update_event(item, current_user, form.to_data())
        except ContentError as exc:
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(gettext("Event saved."), "success")
            return redirect(service.event_url(item))
    status = 422 if request.method == "POST" else 200
    return render_template("calendar/form.html", **_common(form=form, event=item)), status


@bp.route("/events/<int:event_id>/occurrence", methods=["GET", "POST"])
def edit_occurrence(event_id: int):  # noqa: ANN201
    """Move or change one occurrence, or this one and the following ones."""
    item = _editable(event_id)
    key = request.values.get("occ") or ""
    occ = queries.occurrence(item, key) if item.rrule else None
    if occ is None:
        abort(404)
    form = OccurrenceForm()
    if request.method == "GET":
        tz = queries.display_zone() if not item.all_day else None
        start, end = occ.local_start(tz), occ.local_end(tz)
        form.title.data, form.location.data, form.description.data = occ.title, occ.location, occ.description
        form.start_date.data, form.start_time.data = start.date(), start.time().replace(second=0, microsecond=0)
        form.end_date.data, form.end_time.data = end.date(), end.time().replace(second=0, microsecond=0)
    if form.validate_on_submit():
        start, end = form.local_times(queries.display_zone().key, item.all_day)
        data = service.EventData(
            title=form.title.data, start=start, end=end, timezone=item.timezone, all_day=item.all_day,
            description=form.description.data or "", location=form.location.data or "",
            online_url=item.online_url, rrule=item.rrule, category=item.category, color=item.color,
            capacity=item.capacity,
        )
        try:
            if form.scope.data == "following":
                target = service.split_series(item, occ.key, current_user, data)
                key_after = recurrence.occ_key(target.start_at)
            else:
                service.edit_occurrence(item, occ.key, current_user, data)
                target, key_after = item, occ.key
        except ContentError as exc:
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(gettext("Event saved."), "success")
            return redirect(service.event_url(target, key_after if target.rrule else ""))
    status = 422 if request.method == "POST" else 200
    return render_template("calendar/occurrence.html", **_common(form=form, event=item, occ=occ)), status


@bp.post("/events/<int:event_id>/cancel")
def cancel(event_id: int):  # noqa: ANN201
    """Cancel one occurrence (``occ``) or the whole event; those who answered are told."""
    item = _editable(event_id)
    key = request.form.get("occ") or ""
    try:
        if key and item.rrule:
            service.cancel_occurrence(item, key, current_user)
        else:
            service.cancel_event(item, current_user)
    except ContentError as exc:
        flash(exc.message, "error")
        return redirect(service.event_url(item))
    db.session.commit()
    flash(gettext("Event cancelled."), "success")
    return redirect(service.event_url(item, key if item.rrule else ""))


@bp.post("/events/<int:event_id>/delete")
def delete(event_id: int):  # noqa: ANN201
    """Delete the event for good."""
    item = _editable(event_id)
    service.delete_event(item, current_user)
    db.session.commit()
    flash(gettext("Event deleted."), "success")
    return redirect(url_for("calendar.index"))


@bp.post("/events/<int:event_id>/rsvp")
def rsvp(event_id: int):  # noqa: ANN201
    """Answer yes, maybe or no (``none`` withdraws the answer)."""
    item = _event_or_404(event_id)
    if not queries.may_rsvp(current_user, item):
        abort(403)
    key = request.form.get("occ") or ""
    try:
        row = service.rsvp(item, key, current_user, request.form.get("status") or "")
    except ContentError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        if row is not None and row.status == "waiting":
            flash(gettext("The event is full: you are on the waiting list."), "success")
        else:
            flash(gettext("Your answer is saved."), "success")
    return redirect(service.event_url(item, key if item.rrule else ""))


@bp.post("/events/<int:event_id>/reminder")
def reminder(event_id: int):  # noqa: ANN201
    """Ask for a notification some minutes before each occurrence (empty: no reminder)."""
    item = _event_or_404(event_id)
    raw = request.form.get("minutes") or ""
    minutes = None
    if raw:
        try:
            minutes = int(raw)
        except ValueError:
            flash(gettext("Choose when to be reminded."), "error")
            return redirect(service.event_url(item))
    try:
        service.set_reminder(item, current_user, minutes)
    except ContentError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(gettext("Reminder saved.") if minutes is not None else gettext("Reminder removed."), "success")
    return redirect(service.event_url(item, request.form.get("occ") or ""))


@bp.get("/events/<int:event_id>.ics")
def event_ics(event_id: int):  # noqa: ANN201
    """The event as an .ics file (with its repetitions and exceptions)."""
    item = _event_or_404(event_id)
    body = ical.render(item.title, [item], {g.space.id: g.space},
                       {item.id: service.event_url(item, external=True)})
    return _ics(body, f"event-{item.id}.ics")


@bp.get("/export.ics")
def export():  # noqa: ANN201
    """Every event of the space's calendar as one .ics file."""
    events = list(db.session.scalars(
        db.select(CalendarEvent).filter_by(space_id=g.space.id).order_by(CalendarEvent.start_at)))
    urls = {e.id: service.event_url(e, external=True, space=g.space) for e in events}
    return _ics(ical.render(g.space.name, events, {g.space.id: g.space}, urls), f"{g.space.slug}.ics")


@bp.route("/import", methods=["GET", "POST"])
def import_events():  # noqa: ANN201
    """Import the events of an .ics file (same UID: the event is updated)."""
    if not can(current_user, "calendar.import", g.space):
        abort(403)
    form = ImportForm()
    report = None
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        if not form.validate_on_submit() or upload is None or not upload.filename:
            form.file.errors = [gettext("Choose an .ics file.")]
            status = 422
        else:
            try:
                raw = upload.stream.read(ical.max_import_bytes() + 1)
            finally:
                upload.close()
            try:
                report = ical.import_ics(g.space, current_user, raw)
            except ContentError as exc:
                db.session.rollback()
                form.file.errors = [exc.message]
                status = 422
            else:
                db.session.commit()
                flash(gettext("%(created)s event(s) created, %(updated)s updated.",
                              created=report.created, updated=report.updated), "success")
    return render_template("calendar/import.html", **_common(
        form=form, report=report, max_kb=ical.max_import_bytes() // 1024)), status


@bp.route("/subscribe", methods=["GET", "POST"])
def subscribe():  # noqa: ANN201
    """My secret link to this space's calendar: create, replace or revoke it."""
    token = None
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            feeds.revoke(current_user, g.space)
            db.session.commit()
            flash(gettext("The link is revoked: calendar apps using it get nothing any more."), "success")
            return redirect(url_for("calendar.subscribe"))
        token = feeds.issue(current_user, g.space)
        db.session.commit()
    existing = feeds.current(current_user, g.space)
    response = render_template(
        "calendar/subscribe.html", **_common(
            token_url=feeds.feed_url(token) if token else None, existing=existing, scope="space"))
    return response, 200, {"Cache-Control": "no-store"}
