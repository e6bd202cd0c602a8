"""The calendar through the core: contract, widgets, search, export, deletion, demo,
CLI, and the bounded query counts of the month view and the widgets."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import make_user
from test_calendar import build_calendar, paris, sign_in, single, weekly

from parvis import WidgetContext
from parvis.extensions import db
from parvis.models import Membership
from parvis.plugins.manager import current_platform
from parvis.services.spaces import forget_enabled_modules, set_module_enabled
from parvis_modules.calendar import recurrence, service
from parvis_modules.calendar.models import (
    CalendarEvent,
    CalendarFeedToken,
    CalendarOverride,
    CalendarReminder,
    CalendarRsvp,
)


@pytest.fixture
def cal(app):  # noqa: ANN001, ANN201
    return build_calendar()


def test_module_keeps_the_contract(app, module_contract) -> None:  # noqa: ANN001
    assert module_contract(app, "calendar") == []
    spec = current_platform().module("calendar")
    assert spec.default_enabled and spec.global_blueprint is not None
    assert {p.action: p.default_role for p in spec.permissions} == {
        "calendar.create": "member", "calendar.moderate": "moderator", "calendar.rsvp": "guest",
        "calendar.see_attendees": "member", "calendar.import": "moderator"}
    assert {w.id for w in spec.widgets} == {"calendar.upcoming", "calendar.month"}
    assert all(w.load is not None and w.form is not None for w in spec.widgets)


def _render(app, space, widget_id: str, settings: dict, user) -> str:  # noqa: ANN001
    widget = current_platform().widgets[widget_id]
    with app.test_request_context():
        forget_enabled_modules()  # the test's app context outlives each request
        ctx = WidgetContext(space=space, settings={**widget.defaults, **settings}, user=user)
        widget.load([ctx])
        return str(widget.render(ctx))


def test_widgets_render_with_defaults_empty_data_and_categories(app, cal) -> None:  # noqa: ANN001
    assert "No upcoming event." in _render(app, cal.space, "calendar.upcoming", {}, cal.member)
    assert "cal-mini" in _render(app, cal.space, "calendar.month", {}, cal.member)
    soon = datetime.now(UTC) + timedelta(days=1)
    single(cal, title="Board", start=soon, category="Governance")
    single(cal, title="Party", start=soon + timedelta(hours=3), category="Social")
    html = _render(app, cal.space, "calendar.upcoming", {"limit": 5}, cal.member)
    assert "Board" in html and "Party" in html
    only = _render(app, cal.space, "calendar.upcoming", {"category": "Social"}, cal.member)
    assert "Party" in only and "Board" not in only
    assert "Party" not in _render(app, cal.space, "calendar.upcoming", {"limit": 1}, cal.member)
    assert "Board" in _render(app, cal.space, "calendar.upcoming", {"limit": "junk"}, cal.member)
    month = _render(app, cal.space, "calendar.month", {"show_list": True}, cal.member)
    if soon.astimezone(UTC).month == datetime.now(UTC).month:
        assert "cal-mini__busy" in month and "Board" in month
    set_module_enabled(cal.space, "calendar", False, cal.owner)
    db.session.commit()
    assert _render(app, cal.space, "calendar.upcoming", {}, cal.member) == ""


def test_widgets_load_many_placements_in_bounded_queries(app, count_queries) -> None:  # noqa: ANN001
    spaces = [build_calendar("public", slug=f"w{i}") for i in range(4)]
    for c in spaces:
        for n in range(5):
            single(c, title=f"E{n}", start=datetime.now(UTC) + timedelta(days=n + 1))
    widget = current_platform().widgets["calendar.upcoming"]
    with app.test_request_context():
        contexts = [WidgetContext(space=c.space, settings=dict(widget.defaults), user=c.member)
                    for c in spaces for _ in range(3)]
        for c in spaces:  # the layout has already asked which modules are on
            from parvis.services.spaces import enabled_modules

            enabled_modules(c.space)
        with count_queries() as log:
            widget.load(contexts)
        assert log.count <= 1, log.report()
        assert all(len(ctx.data) == 5 for ctx in contexts)


def test_space_home_shows_the_upcoming_events_widget(app, client, cal) -> None:  # noqa: ANN001
    single(cal, title="On the home page", start=datetime.now(UTC) + timedelta(days=2))
    sign_in(client, cal.member)
    html = client.get("/s/team/").get_data(as_text=True)
    assert "On the home page" in html and "calendar.css" in html


def test_search_documents_and_content_type(app, cal) -> None:  # noqa: ANN001
    event = single(cal, title="Budget review", description="Look at **line 12**.", location="Room 3",
                   category="Finance")
    docs = [d for batch in current_platform().hook.parvis_search_documents(space=cal.space)
            for d in (batch or []) if d["module"] == "calendar"]
    assert len(docs) == 1
    doc = docs[0]
    assert doc["type"] == "calendar.event" and doc["object_id"] == event.id
    assert doc["title"] == "Budget review" and doc["body"] == "Look at line 12. Room 3"
    assert doc["tags"] == ["Finance"] and doc["url"] == f"/s/team/calendar/events/{event.id}"
    ctype = next(t for t in current_platform().module("calendar").content_types if t.id == "calendar.event")
    with app.test_request_context():
        assert ctype.search_document(event.id)["title"] == "Budget review"
        assert ctype.search_document(999999) is None
        assert ctype.resolve(event.id, cal.member) is event
        assert ctype.resolve(event.id, cal.outsider) is None


def test_comments_on_an_event(app, client, cal) -> None:  # noqa: ANN001
    event = single(cal)
    sign_in(client, cal.member)
    page = client.get(f"/s/team/calendar/events/{event.id}").get_data(as_text=True)
    assert 'name="target_type" value="calendar.event"' in page


def test_export_and_space_deletion(app, cal, admin) -> None:  # noqa: ANN001
    event = weekly(cal)
    key = recurrence.occ_key(paris(2027, 3, 8, 9))
    service.rsvp(event, key, cal.member, "yes")
    service.cancel_occurrence(event, recurrence.occ_key(paris(2027, 3, 15, 9)), cal.owner)
    service.set_reminder(event, cal.member, 60)
    from parvis_modules.calendar import feeds

    feeds.issue(cal.member, cal.space)
    db.session.commit()
    data = current_platform().hook.parvis_export_space(space=cal.space, module_id="calendar")
    exported = next(d for d in data if d)
    json.dumps(exported)
    assert exported["events"][0]["rrule"] == "FREQ=WEEKLY"
    assert exported["events"][0]["answers"] == [{"user_id": cal.member.id, "occurrence": key, "status": "yes"}]
    assert exported["events"][0]["exceptions"][0]["cancelled"] is True
    assert "token" not in json.dumps(exported)
    from parvis.services import spaces as space_service

    delete = getattr(space_service, "delete_space", None)
    if delete is None:
        current_platform().hook.parvis_space_deleted(space=cal.space)
    else:
        delete(cal.space, admin)
    db.session.commit()
    for model in (CalendarEvent, CalendarOverride, CalendarRsvp, CalendarReminder, CalendarFeedToken):
        assert db.session.scalar(db.select(db.func.count()).select_from(model)) == 0, model


def test_member_removed_drops_their_reminders_and_token(app, cal) -> None:  # noqa: ANN001
    from parvis.services.spaces import remove_member
    from parvis_modules.calendar import feeds

    event = single(cal, start=datetime.now(UTC) + timedelta(days=3))
    service.set_reminder(event, cal.member, 60)
    service.set_reminder(event, cal.members[1], 60)
    feeds.issue(cal.member, cal.space)
    feeds.issue(cal.member, None)
    db.session.commit()
    remove_member(db.session.scalar(db.select(Membership).filter_by(user_id=cal.member.id)), cal.owner)
    db.session.commit()
    assert db.session.scalar(db.select(CalendarReminder.user_id)) == cal.members[1].id
    assert db.session.scalar(db.select(CalendarFeedToken.space_id)) is None  # the personal link stays


def test_demo_seed(app, cal) -> None:  # noqa: ANN001
    current_platform().hook.parvis_demo_seed(space=cal.space, module_id="calendar",
                                             users=[cal.owner, *cal.members])
    db.session.commit()
    titles = set(db.session.scalars(db.select(CalendarEvent.title)))
    assert {"Réunion d'équipe", "Atelier design de services", "Séminaire annuel"} <= titles
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarOverride)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarRsvp)) == 3


def test_cli_command_is_registered(app) -> None:  # noqa: ANN001
    result = app.test_cli_runner().invoke(args=["calendar", "send-reminders"])
    assert result.exit_code == 0 and "0 reminder(s) sent." in result.output


def _fill_month(cal, daily: int, singles: int) -> None:  # noqa: ANN001
    start = paris(2027, 3, 1, 8)
    for i in range(daily):
        service.create_event(cal.space, cal.owner, service.EventData(
            title=f"Daily {i}", start=start + timedelta(minutes=10 * i), end=start + timedelta(minutes=10 * i + 30),
            rrule="FREQ=DAILY", category="Routine"))
    for i in range(singles):
        moment = paris(2027, 3, 1 + i % 28, 14)
        service.create_event(cal.space, cal.owner, service.EventData(
            title=f"Single {i}", start=moment, end=moment + timedelta(hours=1), capacity=10))
    db.session.commit()


def test_month_view_with_500_occurrences_is_bounded(app, client, cal, count_queries) -> None:  # noqa: ANN001
    sign_in(client, cal.member)
    client.get("/s/team/calendar/?month=2027-03")  # warm-up (reminder check, caches)
    _fill_month(cal, 1, 2)
    with count_queries() as few:
        assert client.get("/s/team/calendar/?month=2027-03").status_code == 200
    _fill_month(cal, 15, 40)  # 16 daily series x 31 days + 42 singles in March: > 500
    event = db.session.scalar(db.select(CalendarEvent).filter_by(title="Daily 3"))
    service.edit_occurrence(event, recurrence.occ_key(event.start_at + timedelta(days=5)), cal.owner,
                            service.EventData(title="Moved daily", start=event.start_at + timedelta(days=5, hours=3),
                                              end=event.start_at + timedelta(days=5, hours=4)))
    db.session.commit()
    started = time.perf_counter()
    with count_queries() as many:
        response = client.get("/s/team/calendar/?month=2027-03")
    elapsed = time.perf_counter() - started
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Moved daily" in html
    assert html.count('class="cal-item') >= 500
    assert many.count == few.count, many.report()
    assert many.count <= 10, many.report()
    assert elapsed < 5  # measured figures: benchmarks/calendar_bench.py


@pytest.mark.parametrize("path", ["/week?date=2027-03-10", "/agenda?from=2027-03-01"])
def test_week_and_agenda_are_bounded(app, client, cal, count_queries, path) -> None:  # noqa: ANN001
    sign_in(client, cal.member)
    client.get("/s/team/calendar" + path)
    _fill_month(cal, 1, 1)
    with count_queries() as few:
        client.get("/s/team/calendar" + path)
    _fill_month(cal, 10, 30)
    with count_queries() as many:
        client.get("/s/team/calendar" + path)
    assert many.count == few.count, many.report()


def test_personal_agenda_is_bounded(app, client, count_queries) -> None:  # noqa: ANN001
    from conftest import add_member

    me = make_user("me@example.org", "Me")
    first = build_calendar("private", slug="a0")
    add_member(first.space, me)
    weekly(first, start=datetime.now(UTC) + timedelta(days=1))
    c = app.test_client()
    sign_in(c, me)
    c.get("/m/calendar/agenda")
    with count_queries() as few:
        c.get("/m/calendar/agenda")
    for i in range(1, 8):
        other = build_calendar("secret", slug=f"a{i}")
        add_member(other.space, me)
        weekly(other, start=datetime.now(UTC) + timedelta(days=1))
    with count_queries() as many:
        html = c.get("/m/calendar/agenda").get_data(as_text=True)
    assert html.count("Weekly meeting") >= 8 * 4
    assert many.count == few.count, many.report()
