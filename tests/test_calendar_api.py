"""The calendar's JSON API: events, occurrences of a window, RSVPs, and the OpenAPI document."""

from __future__ import annotations

import pytest
from test_calendar import build_calendar, paris, sign_in, single, weekly

from parvis.extensions import db
from parvis_modules.calendar import recurrence, service
from parvis_modules.calendar.models import CalendarEvent


@pytest.fixture
def cal(app):  # noqa: ANN001, ANN201
    return build_calendar()


API = "/api/v1/spaces/team/calendar"


def test_create_list_get_patch_delete(app, client, cal) -> None:  # noqa: ANN001
    sign_in(client, cal.member)
    response = client.post(f"{API}/events", json={
        "title": "Weekly", "start": "2027-03-01T09:00:00", "end": "2027-03-01T10:00:00",
        "timezone": "Europe/Paris", "rrule": "FREQ=WEEKLY;COUNT=4", "location": "Room 204"})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["start"].startswith("2027-03-01T08:00:00") and body["rrule"] == "FREQ=WEEKLY;COUNT=4"
    event_id = body["id"]
    window = client.get(f"{API}/events?start=2027-03-01T00:00:00Z&end=2027-04-01T00:00:00Z").json
    assert [o["start"][:16] for o in window["data"]] == [
        "2027-03-01T08:00", "2027-03-08T08:00", "2027-03-15T08:00", "2027-03-22T08:00"]
    assert window["data"][1]["occurrence"] == "20270308T080000Z" and window["truncated"] is False
    assert client.get(f"{API}/events/{event_id}").json["title"] == "Weekly"
    patched = client.patch(f"{API}/events/{event_id}", json={"title": "Weekly (new)"})
    assert patched.status_code == 200 and patched.json["title"] == "Weekly (new)"
    sign_in(client, cal.members[1])
    assert client.patch(f"{API}/events/{event_id}", json={"title": "Mine now"}).status_code == 403
    assert client.delete(f"{API}/events/{event_id}").status_code == 403
    sign_in(client, cal.moderator)
    assert client.delete(f"{API}/events/{event_id}").status_code == 204
    assert client.get(f"{API}/events/{event_id}").status_code == 404


@pytest.mark.parametrize(("payload", "field"), [
    ({"title": "x", "start": "2027-03-01T10:00:00Z", "end": "2027-03-01T09:00:00Z"}, "end"),
    ({"title": "x", "start": "2027-03-01T10:00:00", "end": "2027-03-01T11:00:00", "timezone": "Europe/Atlantis"}, "timezone"),
    ({"title": "x", "start": "2027-03-01T10:00:00Z", "end": "2027-03-01T11:00:00Z", "rrule": "FREQ=MINUTELY"}, "rrule"),
    ({"title": "x", "start": "2027-03-01T10:00:00Z", "end": "2027-03-01T11:00:00Z", "rrule": "FREQ=DAILY;COUNT=1000000000"}, "rrule"),
    ({"title": "x", "start": "not a date", "end": "2027-03-01T11:00:00Z"}, "start"),
    ({"title": "", "start": "2027-03-01T10:00:00Z", "end": "2027-03-01T11:00:00Z"}, "title"),
    ({"title": "x", "start": "2027-03-01T10:00:00Z", "end": "2027-03-01T11:00:00Z", "color": "pink"}, "color"),
    ({"title": "x", "start": "2027-03-01T10:00:00Z", "end": "2027-03-01T11:00:00Z", "evil": 1}, "evil"),
])
def test_bad_bodies_get_422_with_the_field(app, client, cal, payload, field) -> None:  # noqa: ANN001
    sign_in(client, cal.member)
    response = client.post(f"{API}/events", json=payload)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarEvent)) == 0


def test_window_is_bounded(app, client, cal) -> None:  # noqa: ANN001
    sign_in(client, cal.member)
    assert client.get(f"{API}/events?start=2027-01-01T00:00:00Z&end=2029-01-01T00:00:00Z").status_code == 422
    assert client.get(f"{API}/events?start=2027-01-01T00:00:00Z&end=2026-01-01T00:00:00Z").status_code == 422
    assert client.get(f"{API}/events").status_code == 422


def test_rsvp_through_the_api_with_capacity(app, client, cal) -> None:  # noqa: ANN001
    event = single(cal, capacity=1)
    answers = []
    for member in cal.members[:2]:
        sign_in(client, member)
        answers.append(client.put(f"{API}/events/{event.id}/rsvp", json={"status": "yes"}).json["status"])
    assert answers == ["yes", "waiting"]
    listing = client.get(f"{API}/events/{event.id}/rsvps").json
    assert listing["counts"] == {"yes": 1, "waiting": 1}
    assert client.put(f"{API}/events/{event.id}/rsvp", json={"status": "perhaps"}).status_code == 422
    sign_in(client, cal.guest)
    assert client.get(f"{API}/events/{event.id}/rsvps").status_code == 403
    assert client.put(f"{API}/events/{event.id}/rsvp", json={"status": "maybe"}).status_code == 200
    assert client.post(f"{API}/events", json={"title": "x", "start": "2027-03-01T10:00:00Z",
                                              "end": "2027-03-01T11:00:00Z"}).status_code == 403


def test_rsvp_to_an_occurrence(app, client, cal) -> None:  # noqa: ANN001
    event = weekly(cal)
    key = recurrence.occ_key(paris(2027, 3, 8, 9))
    sign_in(client, cal.member)
    response = client.put(f"{API}/events/{event.id}/rsvp", json={"status": "maybe", "occurrence": key})
    assert response.json == {"occurrence": key, "status": "maybe"}
    assert client.put(f"{API}/events/{event.id}/rsvp", json={"status": "yes", "occurrence": "nope"}).status_code == 422
    service.cancel_occurrence(event, key, cal.owner)
    db.session.commit()
    window = client.get(f"{API}/events?start=2027-03-08T00:00:00Z&end=2027-03-09T00:00:00Z").json["data"]
    assert window[0]["cancelled"] is True


@pytest.mark.parametrize("visibility", ["private", "secret"])
def test_outsiders_and_anonymous(app, client, visibility) -> None:  # noqa: ANN001
    cal = build_calendar(visibility)
    event = single(cal)
    assert client.get(f"{API}/events/{event.id}").status_code == 401
    sign_in(client, cal.outsider)
    assert client.get(f"{API}/events/{event.id}").status_code == (403 if visibility == "private" else 404)


def test_openapi_lists_the_calendar_endpoints(app, client, cal) -> None:  # noqa: ANN001
    doc = client.get("/api/v1/openapi.json").json
    paths = [p for p in doc["paths"] if "/calendar/" in p]
    assert {"/api/v1/spaces/{space_slug}/calendar/events", "/api/v1/spaces/{space_slug}/calendar/events/{event_id}",
            "/api/v1/spaces/{space_slug}/calendar/events/{event_id}/rsvp",
            "/api/v1/spaces/{space_slug}/calendar/events/{event_id}/rsvps"} <= set(paths)
    assert "CalendarEvent" in str(doc["components"]["schemas"])
