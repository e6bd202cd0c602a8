"""Search documents and the data export of a space's wiki."""

from __future__ import annotations

from typing import Any

from parvis.extensions import db
from parvis.services.markdown import plain_text

from .models import WikiPage, WikiRevision
from .services import CONTENT_TYPE, page_url


def document(page: WikiPage, space: Any) -> dict[str, Any]:
    """The search document of a live page (shape in docs/hooks.md)."""
    return {
        "type": CONTENT_TYPE,
        "object_id": page.id,
        "space_id": space.id,
        "title": page.title,
        "body": plain_text(page.body),
        "url": page_url(page, space),
        "author_id": page.updated_by_id,
        "created_at": page.created_at,
        "updated_at": page.updated_at,
    }


def search_documents(space: Any) -> list[dict[str, Any]]:
    """One document per live page, with its current text (two queries)."""
    pages = db.session.scalars(
        db.select(WikiPage)
        .where(WikiPage.space_id == space.id, WikiPage.deleted_at.is_(None))
        .order_by(WikiPage.id)
        .options(db.joinedload(WikiPage.current_revision))
    )
    return [document(page, space) for page in pages]


def search_document(object_id: int) -> dict[str, Any] | None:
    """The document of one page, or None when it is trashed or gone."""
    page = db.session.get(WikiPage, object_id)
    if page is None or page.deleted_at is not None:
        return None
    return document(page, page.space)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def export_space(space: Any) -> dict[str, Any]:
    """Every page (trash included) with its markdown and its whole history."""
    pages = list(
        db.session.scalars(
            db.select(WikiPage).where(WikiPage.space_id == space.id).order_by(WikiPage.id)
        )
    )
    revisions: dict[int, list[WikiRevision]] = {}
    if pages:
        for rev in db.session.scalars(
            db.select(WikiRevision)
            .where(WikiRevision.page_id.in_([p.id for p in pages]))
            .order_by(WikiRevision.page_id, WikiRevision.number)
            .options(db.joinedload(WikiRevision.author))
        ):
            revisions.setdefault(rev.page_id, []).append(rev)
    out = []
    for page in pages:
        history = revisions.get(page.id, [])
        current = next((r for r in history if r.id == page.current_revision_id), None)
        out.append(
            {
                "id": page.id,
                "slug": page.slug,
                "title": page.title,
                "parent_id": page.parent_id,
                "position": page.position,
                "is_template": page.is_template,
                "created_at": _iso(page.created_at),
                "updated_at": _iso(page.updated_at),
                "deleted_at": _iso(page.deleted_at),
                "markdown": current.body if current else "",
                "revisions": [
                    {
                        "number": r.number,
                        "title": r.title,
                        "summary": r.summary,
                        "author": r.author.email if r.author else None,
                        "created_at": _iso(r.created_at),
                        "restored_from": r.restored_from,
                        "markdown": r.body,
                    }
                    for r in history
                ],
            }
        )
    return {"pages": out}
