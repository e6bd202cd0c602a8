"""Search documents, export and clean-up of a space's FAQ (used by the hooks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from parvis.extensions import db
from parvis.models import Space
from parvis.services.markdown import plain_text

from . import workflow
from .models import FaqCategory, FaqEntry, FaqVote

MODULE_ID = "faq"


def document(entry: FaqEntry, space: Space, category: str | None) -> dict[str, Any]:
    """The search document of a published entry (shape in docs/hooks.md)."""
    return {
        "type": workflow.CONTENT_TYPE,
        "object_id": entry.id,
        "space_id": space.id,
        "title": entry.question,
        "body": plain_text(entry.answer),
        "tags": [category] if category else [],
        "author_id": entry.author_id,
        "created_at": entry.published_at or entry.created_at,
        "updated_at": entry.updated_at,
        "url": workflow.entry_url(entry, space=space),
    }


def search_documents(space: Space) -> Iterator[dict[str, Any]]:
    """One document per published entry; other statuses are never indexed."""
    names = dict(
        db.session.execute(
            db.select(FaqCategory.id, FaqCategory.name).filter_by(space_id=space.id)
        ).all()
    )
    stmt = (
        db.select(FaqEntry)
        .filter_by(space_id=space.id, status="published")
        .order_by(FaqEntry.id)
        .execution_options(yield_per=200)
    )
    for entry in db.session.scalars(stmt):
        yield document(entry, space, names.get(entry.category_id))


def search_document(object_id: int) -> dict[str, Any] | None:
    """The document of one entry, or None unless it is published."""
    entry = db.session.get(FaqEntry, object_id)
    if entry is None or entry.status != "published":
        return None
    space = db.session.get(Space, entry.space_id)
    category = db.session.get(FaqCategory, entry.category_id) if entry.category_id else None
    return document(entry, space, category.name if category else None) if space else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def export_space(space: Space) -> dict[str, Any]:
    """Every category and entry of the space (any status), as JSON-serialisable data."""
    categories = db.session.scalars(
        db.select(FaqCategory)
        .filter_by(space_id=space.id)
        .order_by(FaqCategory.position, FaqCategory.id)
    ).all()
    entries = db.session.scalars(
        db.select(FaqEntry)
        .filter_by(space_id=space.id)
        .options(db.joinedload(FaqEntry.author), db.joinedload(FaqEntry.answered_by))
        .order_by(FaqEntry.id)
    ).unique()

    def person(user: Any) -> dict[str, Any] | None:
        return {"id": user.id, "username": user.username, "name": user.name} if user else None

    return {
        "module": MODULE_ID,
        "version": 1,
        "categories": [
            {"id": c.id, "name": c.name, "position": c.position} for c in categories
        ],
        "entries": [
            {
                "id": e.id,
                "category_id": e.category_id,
                "question": e.question,
                "details": e.details,
                "answer": e.answer,
                "status": e.status,
                "decline_reason": e.decline_reason,
                "author": person(e.author),
                "answered_by": person(e.answered_by),
                "helpful_yes": e.helpful_yes,
                "helpful_no": e.helpful_no,
                "created_at": _iso(e.created_at),
                "updated_at": _iso(e.updated_at),
                "published_at": _iso(e.published_at),
            }
            for e in entries
        ],
    }


def delete_space_data(space: Space) -> None:
    """Delete the FAQ of ``space`` (votes, entries, categories) before the space goes."""
    entry_ids = db.select(FaqEntry.id).filter_by(space_id=space.id).scalar_subquery()
    db.session.execute(db.delete(FaqVote).filter(FaqVote.entry_id.in_(entry_ids)))
    db.session.execute(db.delete(FaqEntry).filter_by(space_id=space.id))
    db.session.execute(db.delete(FaqCategory).filter_by(space_id=space.id))
