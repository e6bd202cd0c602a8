"""Subscription feeds: secret tokens, revocation, leaving a space, visibility changes,
and the feeds read back with ``icalendar`` as a calendar client would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from conftest import add_member, make_user
from test_calendar import build_calendar, paris, sign_in, single, weekly

from parvis.extensions import db
from parvis.models import Membership
from parvis.services.spaces import set_module_enabled
from parvis_modules.calendar import feeds, recurrence, service
from parvis_modules.calendar.models import CalendarFeedToken


def _token(client, url: str) -> str:  # noqa: ANN001
    html = client.post(url, data={"action": "issue"}).get_data(as_text=True)
    value = html.split('id="feed-url"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    return value.removeprefix("http://parvis.test")


def _events(app, path: str) -> list[str] | None:  # noqa: ANN001
    response = app.test_client().get(path)
    if response.status_code != 200:
        return None
    cal = icalendar.Calendar.from_ical(response.data)
    return sorted(str(c["summary"]) for c in cal.walk("VEVENT") if c.get("recurrence-id") is None)


@pytest.mark.parametrize("visibility", ["private", "secret"])
def test_space_feed_stops_when_the_member_leaves(app, client, visibility) -> None:  # noqa: ANN001
    cal = build_calendar(visibility)
    single(cal, start=datetime.now(UTC) + timedelta(days=1))
    sign_in(client, cal.member)
    path = _token(client, f"{cal.url}/subscribe")
    assert _events(app, path) == ["Workshop"]
    db.session.execute(db.delete(Membership).filter_by(user_id=cal.member.id))
    db.session.commit()
    assert _events(app, path) is None


def test_leaving_through_the_core_deletes_the_token(app, client) -> None:  # noqa: ANN001
    from parvis.services.spaces import remove_member

    cal = build_calendar("private")
    sign_in(client, cal.member)
    path = _token(client, f"{cal.url}/subscribe")
    membership = db.session.scalar(db.select(Membership).filter_by(user_id=cal.member.id))
    remove_member(membership, cal.owner)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarFeedToken)) == 0
    add_member(cal.space, cal.member)  # coming back does not revive the old link
    assert _events(app, path) is None


def test_revoked_and_replaced_tokens_give_nothing(app, client) -> None:  # noqa: ANN001
    cal = build_calendar("private")
    single(cal)
    sign_in(client, cal.member)
    first = _token(client, f"{cal.url}/subscribe")
    second = _token(client, f"{cal.url}/subscribe")  # "replace the link"
    assert _events(app, first) is None and _events(app, second) == ["Workshop"]
    page = client.get(f"{cal.url}/subscribe").get_data(as_text=True)
    assert "Revoke the link" in page and second.split("/")[-1] not in page  # shown only once
    client.post(f"{cal.url}/subscribe", data={"action": "revoke"})
    assert _events(app, second) is None
    for bogus in ("/m/calendar/feed/x.ics", "/m/calendar/feed/" + "a" * 500 + ".ics", "/m/calendar/feed/%00.ics"):
        assert app.test_client().get(bogus).status_code in (400, 404)


def test_tokens_are_stored_hashed(app, client) -> None:  # noqa: ANN001
    cal = build_calendar("private")
    sign_in(client, cal.member)
    path = _token(client, f"{cal.url}/subscribe")
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")
    stored = db.session.scalar(db.select(CalendarFeedToken.token_hash))
    assert secret not in stored and len(secret) >= 40


def test_space_becoming_secret_or_module_off(app, client, admin) -> None:  # noqa: ANN001
    cal = build_calendar("public")
    single(cal)
    outsider = cal.outsider
    sign_in(client, outsider)  # a public space: any signed-in person may subscribe
    path = _token(client, f"{cal.url}/subscribe")
    assert _events(app, path) == ["Workshop"]
    cal.space.visibility = "secret"
    db.session.commit()
    assert _events(app, path) is None
    sign_in(client, cal.member)
    member_path = _token(client, f"{cal.url}/subscribe")
    assert _events(app, member_path) == ["Workshop"]
    set_module_enabled(cal.space, "calendar", False, cal.owner)
    db.session.commit()
    assert _events(app, member_path) is None


def test_deactivated_user_gets_nothing(app, client) -> None:  # noqa: ANN001
    cal = build_calendar("private")
    sign_in(client, cal.member)
    path = _token(client, f"{cal.url}/subscribe")
    cal.member.active = False
    db.session.commit()
    assert _events(app, path) is None


def test_personal_feed_covers_my_spaces_only_and_follows_membership(app, client) -> None:  # noqa: ANN001
    a = build_calendar("private", slug="alpha")
    b = build_calendar("secret", slug="beta")
    c = build_calendar("public", slug="gamma")
    me = make_user("me@example.org", "Me")
    add_member(a.space, me)
    add_member(b.space, me)
    weekly(a, title="Alpha weekly")
    single(b, title="Beta workshop")
    single(c, title="Gamma public")
    sign_in(client, me)
    path = _token(client, "/m/calendar/subscription")
    assert _events(app, path) == ["Alpha weekly", "Beta workshop"]
    db.session.execute(db.delete(Membership).filter_by(user_id=me.id, space_id=b.space.id))
    db.session.commit()
    assert _events(app, path) == ["Alpha weekly"]
    client.post("/m/calendar/subscription", data={"action": "revoke"})
    assert _events(app, path) is None


def test_feed_is_valid_icalendar_with_exceptions(app, client) -> None:  # noqa: ANN001
    cal = build_calendar("private")
    event = weekly(cal, location="Room 204", online_url="https://visio.example.org/x", category="Meetings")
    moved_key = recurrence.occ_key(paris(2027, 3, 8, 9))
    cancelled_key = recurrence.occ_key(paris(2027, 3, 15, 9))
    service.edit_occurrence(event, moved_key, cal.owner, service.EventData(
        title="Weekly meeting", start=paris(2027, 3, 9, 14), end=paris(2027, 3, 9, 15), location="Room 101"))
    service.cancel_occurrence(event, cancelled_key, cal.owner)
    db.session.commit()
    sign_in(client, cal.member)
    body = app.test_client().get(_token(client, f"{cal.url}/subscribe")).data
    parsed = icalendar.Calendar.from_ical(body)
    assert str(parsed["prodid"]) == "-//Parvis//Calendar//FR" and str(parsed["version"]) == "2.0"
    assert any(tz["tzid"] == "Europe/Paris" for tz in parsed.walk("VTIMEZONE"))
    master = next(c for c in parsed.walk("VEVENT") if c.get("recurrence-id") is None)
    child = next(c for c in parsed.walk("VEVENT") if c.get("recurrence-id") is not None)
    assert master["uid"] == child["uid"] == event.uid
    assert master["rrule"]["FREQ"] == ["WEEKLY"]
    assert master["dtstart"].dt.tzinfo is not None and master["dtstart"].params["TZID"] == "Europe/Paris"
    assert master["dtstart"].dt.hour == 9
    exdates = [d.dt for group in (master["exdate"] if isinstance(master["exdate"], list) else [master["exdate"]])
               for d in group.dts]
    assert [d.day for d in exdates] == [15]
    assert child["recurrence-id"].dt.day == 8 and child["dtstart"].dt.day == 9 and str(child["location"]) == "Room 101"
    assert str(master["categories"].cats[0]) == "Meetings"
    assert str(master["url"]).startswith("http://parvis.test/s/team/calendar/events/")
    assert "https://visio.example.org/x" in str(master["description"])


def test_feed_query_count_does_not_grow_with_spaces(app, client, count_queries) -> None:  # noqa: ANN001
    me = make_user("me@example.org", "Me")
    token_row = None
    for i in range(12):
        cal = build_calendar("private", slug=f"s{i}")
        add_member(cal.space, me)
        weekly(cal, title=f"Weekly {i}")
        if i == 1:
            token = feeds.issue(me, None)
            db.session.commit()
            with count_queries() as few:
                assert app.test_client().get(f"/m/calendar/feed/{token}.ics").status_code == 200
    with count_queries() as many:
        assert app.test_client().get(f"/m/calendar/feed/{token}.ics").status_code == 200
    assert many.count == few.count, many.report()
    assert many.count <= 10, many.report()
    del token_row
