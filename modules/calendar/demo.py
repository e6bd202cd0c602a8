"""Demo content: a weekly team meeting with a moved occurrence, a workshop with places, a day off."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from . import recurrence, service


def seed(space: Any, users: list[Any]) -> None:
    """Create the demo events of ``space`` (no commit)."""
    if not users:
        return
    paris = ZoneInfo("Europe/Paris")
    today = datetime.now(paris).date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday, time(10), tzinfo=paris).astimezone(UTC)
    weekly = service.create_event(space, users[0], service.EventData(
        title="Réunion d'équipe", start=start, end=start + timedelta(hours=1), rrule="FREQ=WEEKLY;BYDAY=MO",
        description="Point hebdomadaire : **ordre du jour** partagé dans le wiki.", location="Salle 204",
        online_url="https://webconf.example.org/equipe", category="Réunions", color="blue",
    ))
    nxt = recurrence.occ_key(start + timedelta(days=7))
    moved = service.EventData(title=weekly.title, start=start + timedelta(days=8), end=start + timedelta(days=8, hours=1),
                              location="Salle 101")
    service.edit_occurrence(weekly, nxt, users[0], moved)
    workshop = datetime.combine(today + timedelta(days=3), time(14), tzinfo=paris).astimezone(UTC)
    event = service.create_event(space, users[0], service.EventData(
        title="Atelier design de services", start=workshop, end=workshop + timedelta(hours=2),
        description="Atelier participatif, 12 places.", category="Ateliers", color="green", capacity=12,
    ))
    for user in users[1:4]:
        service.rsvp(event, "", user, "yes")
    holiday = datetime.combine(today + timedelta(days=10), time(0), tzinfo=UTC)
    service.create_event(space, users[0], service.EventData(
        title="Séminaire annuel", start=holiday, end=holiday + timedelta(days=2), all_day=True,
        category="Séminaires", color="purple",
    ))
