"""Recurrence: RFC 5545 rules through dateutil, bounded, expanded across daylight saving."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from parvis_modules.calendar import recurrence

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


def test_weekly_meeting_keeps_local_time_across_both_dst_changes(app) -> None:  # noqa: ANN001
    start = paris(2027, 3, 22, 9, 0)  # Monday before the spring change (28 March 2027)
    slots = recurrence.expand("FREQ=WEEKLY", start, start + timedelta(hours=1), "Europe/Paris", False,
                              start, paris(2027, 11, 8))
    local = [s.start.astimezone(PARIS) for s in slots]
    assert {(d.hour, d.minute) for d in local} == {(9, 0)}
    utc_hours = [s.start.hour for s in slots]
    assert utc_hours[0] == 8 and utc_hours[1] == 7  # UTC+1 then UTC+2
    autumn = [s for s in slots if s.start.astimezone(PARIS).date() >= datetime(2027, 11, 1).date()]
    assert autumn[0].start.hour == 8  # back to UTC+1 after 31 October
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)


def test_daily_at_night_over_the_spring_gap(app) -> None:  # noqa: ANN001
    start = paris(2027, 3, 26, 2, 30)  # 02:30 does not exist on 28 March 2027
    slots = recurrence.expand("FREQ=DAILY;COUNT=4", start, start + timedelta(minutes=30), "Europe/Paris", False,
                              start, start + timedelta(days=10))
    assert len(slots) == 4
    assert [s.start.astimezone(PARIS).day for s in slots] == [26, 27, 28, 29]
    assert slots[3].start.astimezone(PARIS).hour == 2


def test_monthly_by_day_and_count(app) -> None:  # noqa: ANN001
    start = paris(2027, 1, 5, 18, 0)  # first Tuesday of January 2027
    rule = recurrence.normalize("RRULE:FREQ=MONTHLY;BYDAY=1TU;COUNT=3", start, "Europe/Paris")
    assert rule == "FREQ=MONTHLY;COUNT=3;BYDAY=1TU"
    slots = recurrence.expand(rule, start, start + timedelta(hours=2), "Europe/Paris", False,
                              start, paris(2028, 1, 1))
    assert [s.start.astimezone(PARIS).date().isoformat() for s in slots] == ["2027-01-05", "2027-02-02", "2027-03-02"]
    assert recurrence.last_end(rule, start, start + timedelta(hours=2), "Europe/Paris", False) == slots[-1].end


def test_expansion_is_limited_to_the_window(app) -> None:  # noqa: ANN001
    start = paris(2027, 1, 1, 9)
    window_start, window_end = paris(2030, 6, 1), paris(2030, 7, 1)
    slots = recurrence.expand("FREQ=DAILY", start, start + timedelta(hours=1), "Europe/Paris", False,
                              window_start, window_end)
    assert len(slots) == 30 and slots[0].start.astimezone(PARIS).day == 1
    assert len(recurrence.expand("FREQ=DAILY", start, start + timedelta(hours=1), "Europe/Paris", False,
                                 window_start, window_end, limit=5)) == 5


def test_until_date_is_inclusive_in_the_event_zone(app) -> None:  # noqa: ANN001
    start = paris(2027, 3, 1, 23, 30)
    rule = recurrence.normalize("FREQ=DAILY;UNTIL=20270303", start, "Europe/Paris")
    slots = recurrence.expand(rule, start, start + timedelta(minutes=20), "Europe/Paris", False, start, paris(2027, 4, 1))
    assert [s.start.astimezone(PARIS).day for s in slots] == [1, 2, 3]


@pytest.mark.parametrize(("rule", "message"), [
    ("FREQ=MINUTELY", "at most once a day"),
    ("FREQ=SECONDLY;COUNT=5", "at most once a day"),
    ("FREQ=HOURLY;UNTIL=21270101T000000Z", "at most once a day"),
    ("FREQ=DAILY;COUNT=1000000000", "at most 1000 occurrences"),
    ("FREQ=DAILY;COUNT=-1", "at most 1000 occurrences"),
    ("FREQ=DAILY;UNTIL=21270101T000000Z", "20 years at most"),
    ("FREQ=DAILY;UNTIL=20200101", "ends before the event starts"),
    ("FREQ=DAILY;UNTIL=notadate", "end date of the recurrence is not valid"),
    ("FREQ=DAILY;COUNT=3;UNTIL=20280101", "either a number of occurrences or an end date"),
    ("FREQ=DAILY;INTERVAL=0", "interval must be between 1 and 999"),
    ("FREQ=DAILY;BYHOUR=1", "BYHOUR is not supported"),
    ("FREQ=WEEKLY;BYDAY=MO,XX", "not valid"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never happens"),
    ("FREQ=WEEKLY;FREQ=DAILY", "not valid"),
    ("FREQ", "not valid"),
    ("FREQ=DAILY\r\nX-EVIL=1", "not valid"),
    ("F" * 600, "not valid"),
])
def test_refused_rules(app, rule, message) -> None:  # noqa: ANN001
    start = paris(2027, 3, 1, 9)
    started = time.perf_counter()
    with pytest.raises(recurrence.RuleError, match=message):
        recurrence.normalize(rule, start, "Europe/Paris")
    assert time.perf_counter() - started < 1


def test_unknown_time_zones_are_refused(app) -> None:  # noqa: ANN001
    for name in ("Europe/Atlantis", "", "../../etc/passwd", "Mars/Olympus_Mons"):
        with pytest.raises(recurrence.RuleError, match="Unknown time zone"):
            recurrence.zone(name)
    assert recurrence.zone("America/Cayenne").key == "America/Cayenne"


def test_a_rule_from_1970_without_end_stays_fast(app) -> None:  # noqa: ANN001
    start = datetime(1970, 1, 5, 9, tzinfo=UTC)
    started = time.perf_counter()
    slots = recurrence.expand("FREQ=DAILY", start, start + timedelta(hours=1), "UTC", False,
                              datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC))
    assert slots == []  # beyond the 20-year horizon of an endless series
    assert time.perf_counter() - started < 1


def test_occurrence_keys_round_trip(app) -> None:  # noqa: ANN001
    moment = paris(2027, 3, 8, 9)
    key = recurrence.occ_key(moment)
    assert key == "20270308T080000Z" and recurrence.parse_key(key) == moment
    assert recurrence.parse_key("garbage") is None and recurrence.parse_key("20271340T250000Z") is None


def test_split_helpers(app) -> None:  # noqa: ANN001
    start = paris(2027, 3, 1, 9)
    cut = paris(2027, 3, 15, 9)
    assert recurrence.truncate_before("FREQ=WEEKLY;COUNT=6", cut) == "FREQ=WEEKLY;UNTIL=20270315T075959Z"
    assert recurrence.remaining_count("FREQ=WEEKLY;COUNT=6", start, start + timedelta(hours=1),
                                      "Europe/Paris", False, cut) == "FREQ=WEEKLY;COUNT=4"
    assert recurrence.simple_rule("WEEKLY", 2, ["MO", "TH", "ZZ"], "count", 10, None) == \
        "FREQ=WEEKLY;INTERVAL=2;COUNT=10;BYDAY=MO,TH"
    assert recurrence.simple_rule("", 1, [], "never", None, None) == ""


@pytest.mark.parametrize("rule", [
    "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4,6", "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=3",
    "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=9", "FREQ=DAILY;BYDAY=2MO", "FREQ=MONTHLY;BYDAY=6MO",
    "FREQ=YEARLY;BYMONTH=13", "FREQ=MONTHLY;BYMONTHDAY=0",
])
def test_rules_that_never_happen_are_refused_at_once(app, rule) -> None:  # noqa: ANN001
    start = paris(2027, 3, 1, 9)
    started = time.perf_counter()
    with pytest.raises(recurrence.RuleError):
        recurrence.normalize(rule, start, "Europe/Paris")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("rule", [
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=MO",
])
def test_usual_rules_are_accepted(app, rule) -> None:  # noqa: ANN001
    start = paris(2027, 3, 1, 9)
    assert recurrence.normalize(rule, start, "Europe/Paris")


def test_a_single_repetition_is_accepted(app) -> None:  # noqa: ANN001
    start = paris(2027, 3, 1, 9)
    assert recurrence.normalize("FREQ=DAILY;COUNT=1", start, "Europe/Paris") == "FREQ=DAILY;COUNT=1"
