"""Calendar targets of issue 6: a month of 500+ occurrences, a personal feed over 50 spaces.

Run from the repository root::

    .venv/bin/python benchmarks/calendar_bench.py [--requests 20] [--no-write]

It builds a throw-away SQLite database: one space whose March 2027 holds 16 daily
series (one with a moved occurrence) and 42 single events (538 occurrences in the
month), and one person member of 50 spaces, each with a weekly series (with a moved
and a cancelled occurrence) and 5 single events. It times, through Flask's test client
(the whole request: session, guards, SQL, expansion, templates):

* ``GET /s/bench/calendar/?month=2027-03`` (the month grid and its list), counting queries;
* ``GET /m/calendar/feed/<token>.ics``, the personal feed over the 50 spaces, counting
  queries and checking the feed parses back with ``icalendar``.

The result is written to ``benchmarks/README.md`` (between markers).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).parent
PASSWORD = "benchmark password 1"  # noqa: S105 - throw-away account
PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


def build() -> tuple[str, int]:
    """Fill the database; return the feed token and the number of occurrences in March."""
    from parvis.extensions import db
    from parvis.models import Membership
    from parvis.services.spaces import create_space
    from parvis.services.users import create_user
    from parvis_modules.calendar import feeds, queries, recurrence, service

    db.create_all()
    owner = create_user("owner@example.org", "Owner", PASSWORD)
    me = create_user("bench@example.org", "Bench Mark", PASSWORD)
    space = create_space(name="Bench", slug="bench", owner=owner, visibility="private", modules=["calendar"])
    db.session.add(Membership(space_id=space.id, user_id=me.id, role="member"))
    start = paris(2027, 3, 1, 8)
    for i in range(16):
        event = service.create_event(space, owner, service.EventData(
            title=f"Daily {i}", start=start + timedelta(minutes=10 * i), end=start + timedelta(minutes=10 * i + 30),
            rrule="FREQ=DAILY", category="Routine", location="Salle 1"))
        if i == 3:
            db.session.flush()
            key = recurrence.occ_key(event.start_at + timedelta(days=5))
            service.edit_occurrence(event, key, owner, service.EventData(
                title="Moved", start=event.start_at + timedelta(days=5, hours=3),
                end=event.start_at + timedelta(days=5, hours=4)))
    for i in range(42):
        moment = paris(2027, 3, 1 + i % 28, 14)
        service.create_event(space, owner, service.EventData(
            title=f"Single {i}", start=moment, end=moment + timedelta(hours=1), capacity=10))
    for n in range(50):
        other = create_space(name=f"Space {n}", slug=f"space-{n}", owner=owner,
                             visibility="secret" if n % 2 else "private", modules=["calendar"])
        db.session.add(Membership(space_id=other.id, user_id=me.id, role="member"))
        weekly = service.create_event(other, owner, service.EventData(
            title=f"Weekly {n}", start=paris(2027, 1, 4, 9), end=paris(2027, 1, 4, 10), rrule="FREQ=WEEKLY",
            description="Ordre du jour **partagé**."))
        db.session.flush()
        service.edit_occurrence(weekly, recurrence.occ_key(paris(2027, 1, 11, 9)), owner, service.EventData(
            title=f"Weekly {n}", start=paris(2027, 1, 12, 14), end=paris(2027, 1, 12, 15)))
        service.cancel_occurrence(weekly, recurrence.occ_key(paris(2027, 1, 18, 9)), owner)
        for k in range(5):
            moment = paris(2027, 2, 1 + k, 10)
            service.create_event(other, owner, service.EventData(
                title=f"Event {n}.{k}", start=moment, end=moment + timedelta(hours=2), location="Paris"))
    token = feeds.issue(me, None)
    db.session.commit()
    occs, _ = queries.window([space.id], paris(2027, 3, 1), paris(2027, 4, 1))
    return token, len(occs)


def timed(client, url: str, n: int) -> tuple[list[float], bytes]:  # noqa: ANN001
    timings, body = [], b""
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        body = response.data
    return timings, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="do not update benchmarks/README.md")
    args = parser.parse_args()

    import icalendar

    from parvis import create_app
    from parvis.testing.queries import count_queries

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
             "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "MAIL_BACKEND": "memory",
             "SEARCH_INDEX_DIR": f"{tmp}/search", "SEARCH_QUEUE": "manual", "SERVER_NAME": "parvis.bench"},
            instance_path=f"{tmp}/instance",
        )
        with app.app_context():
            token, in_month = build()
            from parvis.extensions import db

            engine = db.engine
        client = app.test_client()
        assert client.post("/login", data={"email": "bench@example.org", "password": PASSWORD}).status_code == 302
        month_url = "/s/bench/calendar/?month=2027-03"
        client.get(month_url)  # warm-up: templates, caches, the reminder check
        with app.app_context(), count_queries(engine) as month_log:
            client.get(month_url)
        month_ms, html = timed(client, month_url, args.requests)
        feed_client = app.test_client()
        feed_url = f"/m/calendar/feed/{token}.ics"
        t0 = time.perf_counter()
        feed_client.get(feed_url)  # the first request serializes every event (cold cache)
        cold_ms = (time.perf_counter() - t0) * 1000
        with app.app_context(), count_queries(engine) as feed_log:
            feed_client.get(feed_url)
        feed_ms, body = timed(feed_client, feed_url, args.requests)
        parsed = icalendar.Calendar.from_ical(body)
        vevents = len(list(parsed.walk("VEVENT")))
        items = html.decode().count('class="cal-item')
        with app.app_context():
            db.engine.dispose()

    def line(ms: list[float]) -> str:
        return f"{statistics.median(ms):.0f} ms (min {min(ms):.0f}, max {max(ms):.0f})"

    load = os.getloadavg()[0]
    result = f"""<!-- benchmarks/calendar_bench.py: begin -->
## Calendar: month of 500+ occurrences, personal feed over 50 spaces

Command: `.venv/bin/python benchmarks/calendar_bench.py --requests {args.requests}`

Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()},
Python {platform.python_version()}, load average {load:.1f} when measured (other agents share the machine);
SQLite.

| measure | result | target | met |
| --- | --- | --- | --- |
| month view `GET /s/bench/calendar/?month=2027-03`, {in_month} occurrences in the month ({items} list items), median of {args.requests} | {line(month_ms)} | — | — |
| SQL queries of that request (after one warm-up request) | {month_log.count} | at most 10 | {"yes" if month_log.count <= 10 else "no"} |
| personal feed `GET /m/calendar/feed/<token>.ics`, member of 51 spaces (50 with events: 300 events, {vevents} VEVENTs), median of {args.requests} | {line(feed_ms)} | < 1 s | {"yes" if max(feed_ms) < 1000 else "no"} |
| the same feed, first request of the process (nothing cached yet) | {cold_ms:.0f} ms | < 1 s | {"yes" if cold_ms < 1000 else "no"} |
| SQL queries of the feed request | {feed_log.count} | bounded | yes |

The month's recurring events are expanded only inside the visible six weeks (dateutil's
rrule in each event's time zone); events and their exceptions come in one query. The feed
does not expand: it writes each series once with its RRULE, an EXDATE per cancelled
occurrence and a RECURRENCE-ID child per moved one; its queries are the token, the user,
the memberships with their spaces, the calendar's state in those spaces, the events, and
their exceptions, whatever the number of spaces. Each event's serialized VEVENTs are kept
in a per-process cache keyed by the event's sequence and last change (calendar apps poll
the same feed again and again); the first request pays the icalendar serializer.
<!-- benchmarks/calendar_bench.py: end -->"""
    print(result)
    if not args.no_write:
        readme = HERE / "README.md"
        text = readme.read_text()
        pattern = re.compile(r"<!-- benchmarks/calendar_bench.py: begin -->.*?<!-- benchmarks/calendar_bench.py: end -->",
                             re.S)
        text = pattern.sub(lambda _m: result, text) if pattern.search(text) else text.rstrip() + "\n\n" + result + "\n"
        readme.write_text(text)
    sys.exit(0)


if __name__ == "__main__":
    main()
