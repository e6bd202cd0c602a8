"""The calendar module as people use it: the "done means" journey, RSVPs with places,
exceptions, permissions per role, refused input, notifications and activity.

Helpers here (``build_calendar``, ``weekly``, ``event_form``) are shared by the other
``test_calendar_*`` files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from conftest import PASSWORD, add_member, make_space, make_user

from parvis.extensions import db
from parvis.models import Activity, Notification
from parvis_modules.calendar import recurrence, service
from parvis_modules.calendar.models import CalendarEvent, CalendarOverride, CalendarRsvp

PARIS = ZoneInfo("Europe/Paris")
XSS = '<script>alert("x")</script>'


@dataclass
class Cal:
    space: Any
    owner: Any
    moderator: Any
    members: list[Any]
    guest: Any
    outsider: Any
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def member(self) -> Any:
        return self.members[0]


def build_calendar(visibility: str = "private", slug: str = "team") -> Cal:
    owner = make_user(f"owner-{slug}@example.org", "Olga Owner")
    moderator = make_user(f"mod-{slug}@example.org", "Mona Moderator")
    members = [make_user(f"m{i}-{slug}@example.org", f"Member {i}") for i in range(1, 4)]
    guest = make_user(f"guest-{slug}@example.org", "Gus Guest")
    outsider = make_user(f"out-{slug}@example.org", "Otto Outsider")
    space = make_space(owner, slug, visibility, modules=["calendar"])
    add_member(space, moderator, "moderator")
    for m in members:
        add_member(space, m, "member")
    add_member(space, guest, "guest")
    return Cal(space, owner, moderator, members, guest, outsider, url=f"/s/{slug}/calendar")


def sign_in(client: Any, user: Any) -> None:
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


def weekly(cal: Cal, title: str = "Weekly meeting", start: datetime | None = None, rule: str = "FREQ=WEEKLY",
           **kwargs: Any) -> CalendarEvent:
    start = start or paris(2027, 3, 1, 9, 0)
    event = service.create_event(cal.space, cal.owner, service.EventData(
        title=title, start=start, end=start + timedelta(hours=1), rrule=rule, **kwargs))
    db.session.commit()
    return event


def single(cal: Cal, title: str = "Workshop", start: datetime | None = None, **kwargs: Any) -> CalendarEvent:
    start = start or paris(2027, 3, 3, 14, 0)
    event = service.create_event(cal.space, cal.owner, service.EventData(
        title=title, start=start, end=start + timedelta(hours=2), **kwargs))
    db.session.commit()
    return event


def event_form(**overrides: Any) -> dict[str, Any]:
    data = {"title": "Weekly meeting", "start_date": "2027-03-01", "start_time": "09:00",
            "end_date": "2027-03-01", "end_time": "10:00", "timezone": "Europe/Paris",
            "repeat": "WEEKLY", "interval": "1", "ends": "never", "color": "blue",
            "location": "Room 204", "description": "Agenda in the **wiki**."}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def notifications_of(user: Any, kind: str | None = None) -> list[Notification]:
    stmt = db.select(Notification).filter_by(user_id=user.id)
    if kind:
        stmt = stmt.filter_by(kind=kind)
    return list(db.session.scalars(stmt))


@pytest.fixture
def cal(app: Any) -> Cal:
    return build_calendar()


# -- the journey of "done means" ---------------------------------------------------------


def test_weekly_meeting_moved_occurrence_rsvps_feed_and_reminder(app, client, cal) -> None:  # noqa: ANN001
    # 1. the owner creates a weekly meeting through the form, no JavaScript involved
    sign_in(client, cal.owner)
    response = client.post(f"{cal.url}/new", data=event_form())
    assert response.status_code == 302
    event = db.session.scalar(db.select(CalendarEvent))
    assert event.rrule == "FREQ=WEEKLY" and event.timezone == "Europe/Paris"
    assert event.start_at == paris(2027, 3, 1, 9, 0)
    activity = db.session.scalar(db.select(Activity).filter_by(verb="calendar.created"))
    assert activity.target_id == event.id and activity.actor_id == cal.owner.id

    # 2. the second occurrence moves from Monday to Tuesday 14:00, in the room next door
    key = recurrence.occ_key(paris(2027, 3, 8, 9, 0))
    page = client.get(f"{cal.url}/events/{event.id}/occurrence?occ={key}")
    assert page.status_code == 200 and "This occurrence only" in page.get_data(as_text=True)
    response = client.post(f"{cal.url}/events/{event.id}/occurrence", data={
        "occ": key, "scope": "this", "title": "Weekly meeting", "start_date": "2027-03-09", "start_time": "14:00",
        "end_date": "2027-03-09", "end_time": "15:00", "location": "Room 101", "description": event.description})
    assert response.status_code == 302
    html = client.get(f"{cal.url}/?month=2027-03").get_data(as_text=True)
    assert html.count("Weekly meeting") >= 5  # grid + list on the page
    week = client.get(f"{cal.url}/week?date=2027-03-08").get_data(as_text=True)
    assert "Moved" in week and "Room 101" in week

    # 3. three members answer for the moved occurrence
    for member, answer in zip(cal.members, ("yes", "yes", "maybe"), strict=True):
        sign_in(client, member)
        response = client.post(f"{cal.url}/events/{event.id}/rsvp", data={"occ": key, "status": answer})
        assert response.status_code == 302
    page = client.get(f"{cal.url}/events/{event.id}?occ={key}").get_data(as_text=True)
    assert "yes: 2, maybe: 1, no: 0" in page
    assert all(m.name in page for m in cal.members)

    # 4. a member subscribes to the space feed; a calendar client reads it without a session
    sign_in(client, cal.members[0])
    page = client.post(f"{cal.url}/subscribe", data={"action": "issue"}).get_data(as_text=True)
    feed_url = page.split('id="feed-url"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert feed_url.startswith("http://parvis.test/m/calendar/feed/")
    anonymous = app.test_client()
    response = anonymous.get(feed_url.removeprefix("http://parvis.test"))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    parsed = icalendar.Calendar.from_ical(response.data)
    masters = [c for c in parsed.walk("VEVENT") if c.get("recurrence-id") is None]
    assert [str(c["summary"]) for c in masters] == ["Weekly meeting"]
    occurrences = recurring_ical_events.of(parsed).between(datetime(2027, 3, 1), datetime(2027, 3, 15))
    starts = sorted(o["DTSTART"].dt.astimezone(PARIS).replace(tzinfo=None) for o in occurrences)
    assert starts == [datetime(2027, 3, 1, 9, 0), datetime(2027, 3, 9, 14, 0)]
    moved = next(o for o in occurrences if o["DTSTART"].dt.day == 9)
    assert str(moved["location"]) == "Room 101"

    # 5. a reminder 30 minutes before the moved occurrence arrives once, from cron
    response = client.post(f"{cal.url}/events/{event.id}/reminder", data={"minutes": "30", "occ": key})
    assert response.status_code == 302
    from parvis_modules.calendar import reminders
    from parvis_modules.calendar.models import CalendarReminder

    reminder = db.session.scalar(db.select(CalendarReminder))
    reminder.due_at, reminder.occ = paris(2027, 3, 9, 13, 30), key  # as computed just before the meeting
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["calendar", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "reminder(s) sent" in result.output
    # the clock of the test is "now": pretend cron runs at 13:31 on the day
    assert reminders.deliver_due(now=paris(2027, 3, 9, 13, 31)) == 1
    assert reminders.deliver_due(now=paris(2027, 3, 9, 13, 32)) == 0  # idempotent
    got = notifications_of(cal.members[0], "calendar.reminder")
    assert len(got) == 1 and "Weekly meeting" in got[0].title and "14:00" in got[0].title
    db.session.refresh(reminder)
    assert reminder.occ == recurrence.occ_key(paris(2027, 3, 15, 9, 0))  # on to the next one


def test_reminders_are_delivered_when_the_person_opens_a_calendar_page(app, client, cal) -> None:  # noqa: ANN001
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=20)
    event = single(cal, start=soon)
    service.set_reminder(event, cal.member, 30)  # due 10 minutes ago
    db.session.commit()
    sign_in(client, cal.member)
    assert client.get(f"{cal.url}/agenda").status_code == 200
    assert len(notifications_of(cal.member, "calendar.reminder")) == 1
    app.extensions.pop("calendar_reminder_checks", None)
    client.get(f"{cal.url}/agenda")
    assert len(notifications_of(cal.member, "calendar.reminder")) == 1  # sent once


def test_no_reminder_for_someone_who_left_or_said_no(app, cal) -> None:  # noqa: ANN001
    from parvis.models import Membership
    from parvis_modules.calendar import reminders

    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=20)
    event = single(cal, start=soon)
    service.set_reminder(event, cal.members[0], 30)
    service.set_reminder(event, cal.members[1], 30)
    service.rsvp(event, "", cal.members[1], "no")
    db.session.execute(db.delete(Membership).filter_by(user_id=cal.members[0].id))
    db.session.commit()
    assert reminders.deliver_due() == 0
    assert not notifications_of(cal.members[0]) and not notifications_of(cal.members[1], "calendar.reminder")


# -- RSVP ---------------------------------------------------------------------------------


def test_capacity_waiting_list_and_promotion(app, client, cal) -> None:  # noqa: ANN001
    event = single(cal, capacity=2)
    url = f"{cal.url}/events/{event.id}/rsvp"
    for member in cal.members:
        sign_in(client, member)
        client.post(url, data={"status": "yes"})
    statuses = dict(db.session.execute(db.select(CalendarRsvp.user_id, CalendarRsvp.status)).all())
    assert [statuses[m.id] for m in cal.members] == ["yes", "yes", "waiting"]
    page = client.get(f"{cal.url}/events/{event.id}").get_data(as_text=True)
    assert "you are on the waiting list" in page and "2 of 2 taken" in page
    sign_in(client, cal.members[0])
    client.post(url, data={"status": "no"})
    db.session.expire_all()
    statuses = dict(db.session.execute(db.select(CalendarRsvp.user_id, CalendarRsvp.status)).all())
    assert statuses[cal.members[2].id] == "yes"
    assert len(notifications_of(cal.members[2], "calendar.place")) == 1


def test_rsvp_refusals(app, client, cal) -> None:  # noqa: ANN001
    event = single(cal)
    sign_in(client, cal.member)
    client.post(f"{cal.url}/events/{event.id}/rsvp", data={"status": "perhaps"})
    client.post(f"{cal.url}/events/{event.id}/rsvp", data={"status": "yes", "occ": "garbage"})
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarRsvp)) == 1  # garbage key: single event
    sign_in(client, cal.outsider)
    assert client.post(f"{cal.url}/events/{event.id}/rsvp", data={"status": "yes"}).status_code == 403
    cancelled = single(cal, title="Gone")
    service.cancel_event(cancelled, cal.owner)
    db.session.commit()
    sign_in(client, cal.member)
    page = client.post(f"{cal.url}/events/{cancelled.id}/rsvp", data={"status": "yes"}, follow_redirects=True)
    assert "This event is cancelled." in page.get_data(as_text=True)


def test_recurring_answers_are_per_occurrence(app, cal) -> None:  # noqa: ANN001
    event = weekly(cal)
    first, second = recurrence.occ_key(paris(2027, 3, 1, 9)), recurrence.occ_key(paris(2027, 3, 8, 9))
    service.rsvp(event, first, cal.member, "yes")
    service.rsvp(event, second, cal.member, "no")
    with pytest.raises(service.ContentError):
        service.rsvp(event, recurrence.occ_key(paris(2027, 3, 8, 10)), cal.member, "yes")  # not an occurrence
    db.session.commit()
    rows = dict(db.session.execute(db.select(CalendarRsvp.occ, CalendarRsvp.status)).all())
    assert rows == {first: "yes", second: "no"}


# -- exceptions -------------------------------------------------------------------------


def test_cancel_one_occurrence_notifies_those_who_said_yes(app, client, cal) -> None:  # noqa: ANN001
    event = weekly(cal)
    key = recurrence.occ_key(paris(2027, 3, 8, 9))
    service.rsvp(event, key, cal.members[0], "yes")
    service.rsvp(event, key, cal.members[1], "no")
    db.session.commit()
    sign_in(client, cal.owner)
    assert client.post(f"{cal.url}/events/{event.id}/cancel", data={"occ": key}).status_code == 302
    assert db.session.scalar(db.select(CalendarOverride.cancelled).filter_by(occ=key)) is True
    assert len(notifications_of(cal.members[0], "calendar.cancelled")) == 1
    assert not notifications_of(cal.members[1], "calendar.cancelled")
    page = client.get(f"{cal.url}/events/{event.id}?occ={key}").get_data(as_text=True)
    assert "Cancelled" in page
    ics = client.get(f"{cal.url}/events/{event.id}.ics").data
    parsed = icalendar.Calendar.from_ical(ics)
    starts = [o["DTSTART"].dt for o in recurring_ical_events.of(parsed).between(datetime(2027, 3, 1), datetime(2027, 3, 16))]
    assert [s.day for s in starts] == [1, 15]


def test_this_and_following_splits_the_series(app, client, cal) -> None:  # noqa: ANN001
    event = weekly(cal, rule="FREQ=WEEKLY;COUNT=6")
    key = recurrence.occ_key(paris(2027, 3, 15, 9))
    service.rsvp(event, key, cal.member, "yes")
    db.session.commit()
    sign_in(client, cal.owner)
    response = client.post(f"{cal.url}/events/{event.id}/occurrence", data={
        "occ": key, "scope": "following", "title": "Weekly meeting (new room)", "start_date": "2027-03-15",
        "start_time": "09:00", "end_date": "2027-03-15", "end_time": "10:00", "location": "Room 9"})
    assert response.status_code == 302
    events = db.session.scalars(db.select(CalendarEvent).order_by(CalendarEvent.id)).all()
    assert len(events) == 2
    old, new = events
    assert "UNTIL=" in old.rrule and "COUNT" not in old.rrule
    assert new.rrule == "FREQ=WEEKLY;COUNT=4" and new.location == "Room 9"
    assert db.session.scalar(db.select(CalendarRsvp.event_id)) == new.id  # the answer followed
    from parvis_modules.calendar import queries

    occs, _ = queries.window([cal.space.id], paris(2027, 3, 1), paris(2027, 5, 1))
    assert [(o.title, o.local_start().day) for o in occs] == [
        ("Weekly meeting", 1), ("Weekly meeting", 8), ("Weekly meeting (new room)", 15),
        ("Weekly meeting (new room)", 22), ("Weekly meeting (new room)", 29), ("Weekly meeting (new room)", 5)]
    html = client.get(f"{cal.url}/agenda?from=2027-03-01").get_data(as_text=True)
    assert html.count("Weekly meeting (new room)") == 3 and "Room 9" in html


def test_editing_the_series_notifies_and_bumps_the_sequence(app, client, cal) -> None:  # noqa: ANN001
    event = single(cal)
    service.rsvp(event, "", cal.members[0], "maybe")
    db.session.commit()
    sign_in(client, cal.owner)
    response = client.post(f"{cal.url}/events/{event.id}/edit", data=event_form(
        title="Workshop (moved)", start_date="2027-03-04", end_date="2027-03-04", repeat=""))
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.sequence == 1 and event.title == "Workshop (moved)" and event.rrule == ""
    assert len(notifications_of(cal.members[0], "calendar.changed")) == 1


def test_invitation_notifies_every_member(app, client, cal) -> None:  # noqa: ANN001
    sign_in(client, cal.owner)
    client.post(f"{cal.url}/new", data=event_form(repeat="", invite="y"))
    for person in (*cal.members, cal.guest, cal.moderator):
        assert len(notifications_of(person, "calendar.invited")) == 1
    assert not notifications_of(cal.owner) and not notifications_of(cal.outsider)


# -- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("visibility", ["public", "private", "secret"])
def test_reading_per_role_and_visibility(app, client, visibility) -> None:  # noqa: ANN001
    cal = build_calendar(visibility)
    event = single(cal)
    expected_outsider = {"public": 200, "private": 403, "secret": 404}[visibility]
    for person, status in ((cal.guest, 200), (cal.member, 200), (cal.moderator, 200), (cal.owner, 200),
                           (cal.outsider, expected_outsider)):
        sign_in(client, person)
        assert client.get(f"{cal.url}/").status_code == status, person.name
        assert client.get(f"{cal.url}/events/{event.id}").status_code == status, person.name
        assert client.get(f"{cal.url}/events/{event.id}.ics").status_code == status, person.name
    client.post("/logout")
    assert client.get(f"{cal.url}/").status_code == 302


def test_writing_per_role(app, client, cal) -> None:  # noqa: ANN001
    admin = make_user("root@example.org", "Rita Root", role="admin")
    event = single(cal)
    cases = {cal.guest: (403, 403, 302), cal.member: (302, 403, 302), cal.moderator: (302, 200, 302),
             cal.owner: (302, 200, 302), admin: (302, 200, 302), cal.outsider: (403, 403, 403)}
    for person, (create, edit, rsvp) in cases.items():
        sign_in(client, person)
        assert client.post(f"{cal.url}/new", data=event_form(repeat="")).status_code == create, person.name
        assert client.get(f"{cal.url}/events/{event.id}/edit").status_code == edit, person.name
        assert client.post(f"{cal.url}/events/{event.id}/rsvp", data={"status": "yes"}).status_code == rsvp
    mine = db.session.scalar(db.select(CalendarEvent).filter_by(author_id=cal.member.id))
    sign_in(client, cal.member)
    assert client.get(f"{cal.url}/events/{mine.id}/edit").status_code == 200  # authors edit their own
    assert client.post(f"{cal.url}/events/{event.id}/delete").status_code == 403
    assert client.get(f"{cal.url}/import").status_code == 403  # moderators import


def test_attendee_list_follows_the_space_permission(app, client, cal) -> None:  # noqa: ANN001
    event = single(cal)
    service.rsvp(event, "", cal.members[1], "yes")
    db.session.commit()
    sign_in(client, cal.guest)
    page = client.get(f"{cal.url}/events/{event.id}").get_data(as_text=True)
    assert "Member 2" not in page
    sign_in(client, cal.member)
    assert "Member 2" in client.get(f"{cal.url}/events/{event.id}").get_data(as_text=True)


def test_event_of_another_space_is_404(app, client, cal) -> None:  # noqa: ANN001
    other = build_calendar("public", slug="other")
    event = single(other)
    sign_in(client, cal.owner)
    assert client.get(f"{cal.url}/events/{event.id}").status_code == 404
    assert client.post(f"{cal.url}/events/{event.id}/delete").status_code == 404
    assert client.get(f"{cal.url}/events/99999999999999999999").status_code == 404


# -- refused input -------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "message"), [
    ({"end_time": "08:00"}, "The event cannot end before it starts."),
    ({"rrule": "FREQ=MINUTELY;UNTIL=21260101T000000Z"}, "An event may repeat at most once a day"),
    ({"rrule": "FREQ=DAILY;COUNT=1000000000"}, "A series has at most 1000 occurrences."),
    ({"rrule": "FREQ=DAILY;UNTIL=21270101"}, "A series may last 20 years at most."),
    ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "This recurrence rule is not valid."),
    ({"rrule": "FREQ=DAILY;BYHOUR=1,2,3"}, "Recurrence part BYHOUR is not supported."),
    ({"timezone": "Europe/Atlantis"}, "Not a valid choice"),
    ({"online_url": "javascript:alert(1)"}, "The meeting link must start with https://."),
    ({"title": ""}, "The title cannot be empty."),
    ({"start_date": "2027-02-30"}, "Give a valid date."),
    ({"capacity": "0"}, "Between 1 and 100000."),
])
def test_bad_input_is_refused_with_the_form_kept(app, client, cal, overrides, message) -> None:  # noqa: ANN001
    sign_in(client, cal.owner)
    response = client.post(f"{cal.url}/new", data=event_form(**overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "Room 204" in html  # nothing typed is lost
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarEvent)) == 0


def test_absurd_rule_does_not_hang(app, client, cal) -> None:  # noqa: ANN001
    import time

    sign_in(client, cal.owner)
    started = time.perf_counter()
    client.post(f"{cal.url}/new", data=event_form(rrule="FREQ=DAILY;INTERVAL=1;COUNT=1000"))
    client.post(f"{cal.url}/new", data=event_form(rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"))  # never happens
    assert client.get(f"{cal.url}/agenda?from=2029-06-01").status_code == 200
    assert time.perf_counter() - started < 5
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarEvent)) == 1


def test_script_in_fields_is_text(app, client, cal) -> None:  # noqa: ANN001
    sign_in(client, cal.owner)
    client.post(f"{cal.url}/new", data=event_form(title=XSS, description=XSS, location=XSS, category=XSS, repeat=""))
    event = db.session.scalar(db.select(CalendarEvent))
    for url in (f"{cal.url}/events/{event.id}", f"{cal.url}/?month=2027-03", f"{cal.url}/agenda?from=2027-03-01"):
        html = client.get(url).get_data(as_text=True)
        assert XSS not in html and "&lt;script&gt;" in html


def test_all_day_event_and_week_view(app, client, cal) -> None:  # noqa: ANN001
    sign_in(client, cal.owner)
    response = client.post(f"{cal.url}/new", data=event_form(
        title="Seminar", all_day="y", start_date="2027-03-02", end_date="2027-03-03", repeat=""))
    assert response.status_code == 302
    event = db.session.scalar(db.select(CalendarEvent))
    assert event.all_day and event.end_at - event.start_at == timedelta(days=2)
    week = client.get(f"{cal.url}/week?date=2027-03-01").get_data(as_text=True)
    assert week.count("Seminar") == 2  # Tuesday and Wednesday
    ics = icalendar.Calendar.from_ical(client.get(f"{cal.url}/events/{event.id}.ics").data)
    vevent = next(iter(ics.walk("VEVENT")))
    assert str(vevent["DTSTART"].dt) == "2027-03-02" and str(vevent["DTEND"].dt) == "2027-03-04"


def test_delete_removes_everything(app, client, cal) -> None:  # noqa: ANN001
    event = weekly(cal)
    key = recurrence.occ_key(paris(2027, 3, 8, 9))
    service.rsvp(event, key, cal.member, "yes")
    service.cancel_occurrence(event, recurrence.occ_key(paris(2027, 3, 15, 9)), cal.owner)
    db.session.commit()
    sign_in(client, cal.owner)
    assert client.post(f"{cal.url}/events/{event.id}/delete").status_code == 302
    for model in (CalendarEvent, CalendarOverride, CalendarRsvp):
        assert db.session.scalar(db.select(db.func.count()).select_from(model)) == 0
    assert len(notifications_of(cal.member, "calendar.cancelled")) == 1


def test_navigation_views_and_personal_agenda(app, client, cal) -> None:  # noqa: ANN001
    other = build_calendar("secret", slug="other")
    add_member(other.space, cal.member, "member")
    single(cal, title="Team workshop", start=datetime.now(UTC) + timedelta(days=2))
    single(other, title="Other workshop", start=datetime.now(UTC) + timedelta(days=3))
    third = build_calendar("public", slug="third")
    single(third, title="Not mine", start=datetime.now(UTC) + timedelta(days=3))
    sign_in(client, cal.member)
    html = client.get(f"{cal.url}/").get_data(as_text=True)
    assert 'href="/s/team/calendar/" aria-current="page"' in html
    agenda = client.get("/m/calendar/agenda").get_data(as_text=True)
    assert "Team workshop" in agenda and "Other workshop" in agenda and "Not mine" not in agenda
    only = client.get(f"/m/calendar/agenda?space={other.space.id}").get_data(as_text=True)
    assert "Other workshop" in only and "Team workshop" not in only
    assert client.get(f"/m/calendar/agenda?space={third.space.id}").status_code == 404
    assert client.get("/m/calendar/agenda?space=abc").status_code in (200, 404)
    client.post("/logout")
    assert client.get("/m/calendar/agenda").status_code == 302


def test_malformed_query_parameters_fall_back(app, client, cal) -> None:  # noqa: ANN001
    sign_in(client, cal.member)
    for url in ("/?month=2027-13", "/?month=abcd-ef", "/?month=0001-01", "/week?date=2027-02-31",
                "/agenda?from=%00", "/events/1?occ=%ff", "/?category=" + "x" * 500):
        assert client.get(cal.url + url).status_code in (200, 400, 404), url
