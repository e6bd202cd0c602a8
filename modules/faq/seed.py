"""Bulk generation of realistic FAQ entries for load tests (``parvis seed``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from parvis import hookimpl

CATEGORIES = ("Premiers pas", "Compte et profil", "Documents", "Événements", "Données personnelles")


@hookimpl
def parvis_seed_content(space: Any, module_id: str, users: list[Any], count: int, rng: Any) -> int | None:
    """Create ``count`` FAQ entries in ``space`` (mostly published, some proposed or
    answered), filed in a few categories, with helpful votes, dated over two years."""
    if module_id != "faq":
        return None
    from flask import url_for

    from parvis.extensions import db
    from parvis.seeding import NOW, add_activities, french, insert_rows, sorted_dates

    from .models import FaqCategory, FaqEntry
    from .workflow import CONTENT_TYPE

    text = french()
    author_ids = [u.id for u in users] or [space.created_by_id]
    category_ids = list(db.session.scalars(db.select(FaqCategory.id).filter_by(space_id=space.id)))
    if not category_ids:
        names = rng.sample(CATEGORIES, rng.randint(2, len(CATEGORIES)))
        category_ids = insert_rows(FaqCategory, [
            {"space_id": space.id, "name": name, "position": n} for n, name in enumerate(names)])
    rows = []
    for n, when in enumerate(sorted_dates(rng, count)):
        status = rng.choices(("published", "proposed", "answered"), (85, 10, 5))[0]
        answered = status != "proposed"
        answer_at = min(NOW, when + timedelta(days=rng.randint(0, 20)))
        rows.append({
            "space_id": space.id, "category_id": rng.choice(category_ids) if rng.random() < 0.8 else None,
            "question": (text.title(rng, 250) + " ?").replace(" ?", " ?"), "details": text.paragraph(rng, 1),
            "answer": text.markdown(rng, rng.randint(1, 2)) if answered else "", "status": status,
            "position": n, "author_id": rng.choice(author_ids),
            "answered_by_id": rng.choice(author_ids) if answered else None,
            "helpful_yes": rng.randint(0, 40) if status == "published" else 0,
            "helpful_no": rng.randint(0, 6) if status == "published" else 0,
            "created_at": when, "updated_at": answer_at,
            "published_at": answer_at if status == "published" else None,
        })
    ids = insert_rows(FaqEntry, rows)
    add_activities(space, [
        {"verb": "faq.published", "actor_id": row["answered_by_id"], "target_type": CONTENT_TYPE,
         "target_id": entry_id, "title": row["question"],
         "url": url_for("faq.entry", space_slug=space.slug, entry_id=entry_id), "created_at": row["published_at"]}
        for entry_id, row in zip(ids, rows, strict=True) if row["status"] == "published"
    ])
    return len(ids)
