"""Bulk generation of realistic calendar events for load tests (``parvis seed``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from parvis import hookimpl

PLACES = ("Salle du conseil", "Mairie annexe", "Médiathèque, salle 2", "Préfecture, salle Jean Moulin",
          "Tiers-lieu La Fabrique", "Maison des associations")
CATEGORIES = ("Réunion", "Atelier", "Formation", "Webinaire", "Permanence")


@hookimpl
def parvis_seed_content(space: Any, module_id: str, users: list[Any], count: int, rng: Any) -> int | None:
    """Create ``count`` events in ``space`` between 18 months ago and 6 months ahead (one in
    ten repeats weekly), with a few RSVPs."""
    if module_id != "calendar":
        return None
    from flask import url_for

    from parvis.seeding import NOW, add_activities, french, insert_rows

    from .models import COLORS, CalendarEvent, CalendarRsvp
    from .queries import CONTENT_TYPE
    from .recurrence import last_end

    text = french()
    author_ids = [u.id for u in users] or [space.created_by_id]
    rows = []
    for _ in range(count):
        day = NOW.replace(hour=0, minute=0, second=0) + timedelta(days=rng.randint(-545, 180))
        start = day + timedelta(hours=rng.randint(7, 16), minutes=rng.choice((0, 30)))
        end = start + timedelta(minutes=rng.choice((60, 90, 120, 180)))
        rrule = f"FREQ=WEEKLY;COUNT={rng.randint(4, 12)}" if rng.random() < 0.1 else ""
        online = rng.random() < 0.3
        author = rng.choice(author_ids)
        rows.append({
            "space_id": space.id, "uid": f"{rng.getrandbits(96):024x}@parvis", "title": text.title(rng, 150),
            "description": text.markdown(rng, rng.randint(1, 2)),
            "location": "" if online else rng.choice(PLACES),
            "online_url": f"https://webconf.example.org/{rng.getrandbits(32):08x}" if online else "",
            "start_at": start, "end_at": end, "all_day": False, "timezone": "Europe/Paris", "rrule": rrule,
            "until_at": last_end(rrule, start, end, "Europe/Paris", False),
            "category": rng.choice(CATEGORIES), "color": rng.choice(COLORS),
            "organiser_id": author, "author_id": author,
            "created_at": min(NOW, start - timedelta(days=rng.randint(3, 40))),
            "updated_at": min(NOW, start - timedelta(days=rng.randint(0, 3))),
        })
    ids = insert_rows(CalendarEvent, rows)
    rsvps = []
    for event_id in ids:
        if rng.random() < 0.3:
            for user_id in rng.sample(author_ids, min(len(author_ids), rng.randint(1, 5))):
                rsvps.append({"event_id": event_id, "user_id": user_id, "occ": "",
                              "status": rng.choice(("yes", "yes", "maybe", "no"))})
    insert_rows(CalendarRsvp, rsvps)
    add_activities(space, [
        {"verb": "calendar.created", "actor_id": row["author_id"], "target_type": CONTENT_TYPE,
         "target_id": event_id, "title": row["title"],
         "url": url_for("calendar.event", space_slug=space.slug, event_id=event_id), "created_at": row["created_at"]}
        for event_id, row in zip(ids, rows, strict=True)
    ])
    return len(ids)
