"""Importing .ics files, friendly and hostile, and exporting a space's calendar."""

from __future__ import annotations

import io
import time

import icalendar
import pytest
from test_calendar import XSS, build_calendar, sign_in, single, weekly

from parvis.extensions import db
from parvis_modules.calendar.models import CalendarEvent, CalendarOverride

OUTLOOK = b"""BEGIN:VCALENDAR\r
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r
VERSION:2.0\r
BEGIN:VTIMEZONE\r
TZID:Romance Standard Time\r
BEGIN:STANDARD\r
DTSTART:16011028T030000\r
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:16010325T020000\r
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:meeting-1@example.org\r
SUMMARY:Comit\xc3\xa9 de pilotage\r
DTSTART;TZID=Europe/Paris:20270301T100000\r
DTEND;TZID=Europe/Paris:20270301T113000\r
RRULE:FREQ=WEEKLY;COUNT=10\r
EXDATE;TZID=Europe/Paris:20270315T100000\r
LOCATION:Salle Marianne\r
DESCRIPTION:Ordre du jour\\, documents.\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:meeting-1@example.org\r
RECURRENCE-ID;TZID=Europe/Paris:20270308T100000\r
SUMMARY:Comit\xc3\xa9 de pilotage (d\xc3\xa9plac\xc3\xa9)\r
DTSTART;TZID=Europe/Paris:20270309T140000\r
DTEND;TZID=Europe/Paris:20270309T153000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:day-1@example.org\r
SUMMARY:Journ\xc3\xa9e portes ouvertes\r
DTSTART;VALUE=DATE:20270402\r
DTEND;VALUE=DATE:20270403\r
END:VEVENT\r
END:VCALENDAR\r
"""


def _upload(client, url: str, body: bytes, name: str = "agenda.ics"):  # noqa: ANN001, ANN202
    return client.post(f"{url}/import", data={"file": (io.BytesIO(body), name)},
                       content_type="multipart/form-data")


@pytest.fixture
def cal(app):  # noqa: ANN001, ANN201
    return build_calendar()


def test_import_outlook_file_with_exceptions(app, client, cal) -> None:  # noqa: ANN001
    sign_in(client, cal.moderator)
    response = _upload(client, cal.url, OUTLOOK)
    assert response.status_code == 200
    assert "2 event(s) created, 0 updated" in response.get_data(as_text=True)
    events = {e.uid: e for e in db.session.scalars(db.select(CalendarEvent))}
    meeting = events["meeting-1@example.org"]
    assert meeting.title == "Comité de pilotage" and meeting.rrule == "FREQ=WEEKLY;COUNT=10"
    assert meeting.timezone == "Europe/Paris" and meeting.location == "Salle Marianne"
    rows = {r.occ: r for r in db.session.scalars(db.select(CalendarOverride))}
    assert rows["20270315T090000Z"].cancelled and not rows["20270308T090000Z"].cancelled
    assert rows["20270308T090000Z"].title == "Comité de pilotage (déplacé)"
    day = events["day-1@example.org"]
    assert day.all_day
    again = _upload(client, cal.url, OUTLOOK)  # same UIDs: updated, not duplicated
    assert "0 event(s) created, 2 updated" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarEvent)) == 2


def test_export_then_import_round_trip(app, client, cal) -> None:  # noqa: ANN001
    weekly(cal, location="Room 204", category="Meetings")
    single(cal, title="Workshop", capacity=10)
    sign_in(client, cal.member)
    exported = client.get(f"{cal.url}/export.ics")
    assert exported.status_code == 200 and exported.mimetype == "text/calendar"
    assert "attachment" in exported.headers["Content-Disposition"]
    parsed = icalendar.Calendar.from_ical(exported.data)
    assert sorted(str(e["summary"]) for e in parsed.walk("VEVENT")) == ["Weekly meeting", "Workshop"]
    other = build_calendar(slug="copy")
    sign_in(client, other.owner)
    response = _upload(client, other.url, exported.data)
    assert "2 event(s) created" in response.get_data(as_text=True)
    copied = db.session.scalar(db.select(CalendarEvent).filter_by(space_id=other.space.id, title="Weekly meeting"))
    assert copied.rrule == "FREQ=WEEKLY" and copied.location == "Room 204" and copied.category == "Meetings"


@pytest.mark.parametrize(("body", "message"), [
    (b"", "Choose an .ics file."),
    (b"not a calendar at all", "not a valid iCalendar"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n", "not a valid iCalendar"),
    (b"BEGIN:VCALENDAR\r\n" + b"X-PAD:" + b"A" * 5000 + b"\r\nEND:VCALENDAR\r\n", "too large (4 KB at most)"),
])
@pytest.mark.config(CALENDAR_IMPORT_MAX_BYTES=4096)
def test_broken_files_are_refused_clearly(app, client, cal, body, message) -> None:  # noqa: ANN001
    sign_in(client, cal.owner)
    response = _upload(client, cal.url, body) if body else client.post(f"{cal.url}/import", data={})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarEvent)) == 0


def _vevent(uid: str, extra: str, start: str = "DTSTART:20270301T100000Z") -> str:
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:Event {uid}\r\n{start}\r\nDTEND:20270301T110000Z\r\n{extra}END:VEVENT\r\n"


def test_hostile_events_are_bounded_or_skipped(app, client, cal) -> None:  # noqa: ANN001
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join([
        _vevent("minutely", "RRULE:FREQ=MINUTELY;UNTIL=21270101T000000Z\r\n"),
        _vevent("billion", "RRULE:FREQ=DAILY;COUNT=1000000000\r\n"),
        _vevent("script", f"DESCRIPTION:{XSS}\r\nLOCATION:{XSS}\r\nURL:javascript:alert(1)\r\n"),
        _vevent("badtz", "", start="DTSTART;TZID=Mars/Olympus:20270301T100000"),
        _vevent("nostart", "", start="X-NOTHING:1"),
        _vevent("backwards", "", start="DTSTART:20270302T100000Z"),
    ]) + "END:VCALENDAR\r\n"
    sign_in(client, cal.owner)
    started = time.perf_counter()
    response = _upload(client, cal.url, body.encode())
    assert time.perf_counter() - started < 5
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and XSS not in html
    assert "Event minutely: repetition ignored" in html and "Event billion: repetition ignored" in html
    assert "Event nostart: skipped" in html and "Event backwards: skipped" in html
    events = {e.uid: e for e in db.session.scalars(db.select(CalendarEvent))}
    assert set(events) == {"minutely", "billion", "script", "badtz"}
    assert events["minutely"].rrule == "" and events["billion"].rrule == ""
    assert events["badtz"].timezone == "Europe/Paris"  # unknown zone: the default one
    assert events["script"].online_url == ""
    page = client.get(f"{cal.url}/events/{events['script'].id}").get_data(as_text=True)
    assert XSS not in page and "<script>alert" not in page


def test_latin1_and_nul_bytes_are_read(app, client, cal) -> None:  # noqa: ANN001
    body = ("BEGIN:VCALENDAR\r\n" + _vevent("latin", "LOCATION:Salle \xe9t\xe9\r\n") + "END:VCALENDAR\r\n")
    sign_in(client, cal.owner)
    response = _upload(client, cal.url, body.encode("latin-1").replace(b"Salle", b"Sa\x00lle"))
    assert response.status_code == 200
    assert db.session.scalar(db.select(CalendarEvent.location)) == "Salle été"


def test_too_many_events_are_capped(app, client, cal, monkeypatch) -> None:  # noqa: ANN001
    from parvis_modules.calendar import ical

    monkeypatch.setattr(ical, "MAX_IMPORT_EVENTS", 5)
    body = "BEGIN:VCALENDAR\r\n" + "".join(_vevent(f"e{i}", "") for i in range(8)) + "END:VCALENDAR\r\n"
    sign_in(client, cal.owner)
    html = _upload(client, cal.url, body.encode()).get_data(as_text=True)
    assert "Only the first 5 events were read." in html
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarEvent)) == 5


def test_import_needs_the_import_permission(app, client, cal) -> None:  # noqa: ANN001
    sign_in(client, cal.member)
    assert _upload(client, cal.url, OUTLOOK).status_code == 403
    sign_in(client, cal.guest)
    assert client.get(f"{cal.url}/import").status_code == 403
