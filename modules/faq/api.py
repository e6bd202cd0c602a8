"""JSON API of the FAQ, mounted at ``/api/v1/spaces/<space_slug>/faq/``.

Same permissions as the pages: published entries for every reader of the space,
other statuses for their proposer and the moderators; answering, publishing and
declining for moderators only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from parvis.api import ApiError, Page, api_endpoint, current_space, me, paginate
from parvis.extensions import db
from parvis.services.content_errors import ContentError

from . import queries, workflow
from .models import FaqCategory, FaqEntry
from .schemas import (
    FaqAnswerSchema,
    FaqCategoryListSchema,
    FaqDeclineSchema,
    FaqEntriesQuerySchema,
    FaqEntrySchema,
    FaqProposeSchema,
    FaqVoteSchema,
    entry_payload,
)

api_bp = Blueprint("faq_api", __name__)
TAGS = ("faq",)


def _refused(exc: ContentError) -> ApiError:
    return ApiError(422, exc.message, {exc.field or "_schema": [exc.message]})


def _payload(entry: FaqEntry, vote: bool | None = None) -> dict[str, Any]:
    user, space = me(), current_space()
    private = entry.author_id == user.id or queries.may_manage(user, space)
    urls = (workflow.entry_url(entry, external=True), workflow.anchor_url(entry))
    return entry_payload(entry, vote=vote, private=private, urls=urls)


def _visible(entry_id: int) -> FaqEntry:
    entry = queries.get_entry(current_space(), entry_id)
    if entry is None or not queries.may_see(entry, me(), current_space()):
        raise ApiError(404)
    return entry


def _managed(entry_id: int) -> FaqEntry:
    entry = _visible(entry_id)
    if not queries.may_manage(me(), current_space()):
        raise ApiError(403)
    return entry


def _one(entry: FaqEntry) -> dict[str, Any]:
    return _payload(entry, queries.user_votes(me(), [entry.id]).get(entry.id))


@api_endpoint(api_bp, "/categories", ["GET"], response=FaqCategoryListSchema, tags=TAGS)
def list_categories() -> Any:
    """The FAQ's categories in display order, with their number of published entries."""
    space = current_space()
    counts = dict(
        db.session.execute(
            db.select(FaqEntry.category_id, db.func.count())
            .filter_by(space_id=space.id, status="published")
            .group_by(FaqEntry.category_id)
        ).all()
    )
    return {
        "data": [
            {"id": c.id, "name": c.name, "position": c.position, "entries": counts.get(c.id, 0)}
            for c in queries.categories(space)
        ]
    }


@api_endpoint(
    api_bp, "/entries", ["GET"], query=FaqEntriesQuerySchema, response=FaqEntrySchema,
    paginated=True, tags=TAGS, errors=[403],
)
def list_entries(query: dict[str, Any]) -> Page:
    """FAQ entries: published ones, or (moderators) any status, or the ones I proposed."""
    space, user = current_space(), me()
    status = query.get("status")
    stmt = db.select(FaqEntry).filter_by(space_id=space.id).options(
        db.joinedload(FaqEntry.category)
    )
    if query.get("mine"):
        stmt = stmt.filter_by(author_id=user.id)
        if status and status != "all":
            stmt = stmt.filter_by(status=status)
    else:
        status = status or "published"
        if status != "published" and not queries.may_manage(user, space):
            raise ApiError(403)
        if status != "all":
            stmt = stmt.filter_by(status=status)
    if query.get("category_id"):
        stmt = stmt.filter_by(category_id=query["category_id"])
    for term in queries.search_terms(query.get("q", "")):
        pattern = f"%{queries._escape_like(term)}%"
        stmt = stmt.filter(
            db.or_(
                db.func.lower(FaqEntry.question).like(pattern, escape="\\"),
                db.func.lower(FaqEntry.answer).like(pattern, escape="\\"),
            )
        )
    if query.get("order") == "helpful":
        stmt = stmt.order_by(
            (FaqEntry.helpful_yes - FaqEntry.helpful_no).desc(), FaqEntry.helpful_yes.desc()
        )
    else:
        stmt = stmt.outerjoin(FaqCategory, FaqCategory.id == FaqEntry.category_id).order_by(
            FaqCategory.position.is_(None), FaqCategory.position, FaqEntry.position
        )
    page = paginate(stmt.order_by(FaqEntry.id), query)
    votes = queries.user_votes(user, [e.id for e in page.items])
    page.items = [_payload(e, votes.get(e.id)) for e in page.items]
    return page


@api_endpoint(
    api_bp, "/entries/<int:entry_id>", ["GET"], response=FaqEntrySchema, tags=TAGS, errors=[404]
)
def get_entry(entry_id: int) -> Any:
    """One FAQ entry (404 when it does not exist or is not visible to me)."""
    return _one(_visible(entry_id))


@api_endpoint(
    api_bp, "/entries", ["POST"], body=FaqProposeSchema, response=FaqEntrySchema, tags=TAGS,
    errors=[403],
)
def propose_entry(body: dict[str, Any]) -> Any:
    """Propose a question; the moderators are notified and answer it."""
    space, user = current_space(), me()
    if not queries.may_propose(user, space):
        raise ApiError(403)
    try:
        entry = workflow.propose(
            space, user, question=body["question"], details=body.get("details"),
            category_id=body.get("category_id"),
        )
    except ContentError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    return _one(entry)


@api_endpoint(
    api_bp, "/entries/<int:entry_id>/answer", ["POST"], body=FaqAnswerSchema,
    response=FaqEntrySchema, status=200, tags=TAGS, errors=[403, 404],
)
def answer_entry(entry_id: int, body: dict[str, Any]) -> Any:
    """Moderators: answer (or edit) an entry, and publish it if ``publish`` is true."""
    entry = _managed(entry_id)
    kwargs: dict[str, Any] = {"answer": body["answer"], "publish": body.get("publish", False)}
    if "question" in body:
        kwargs["question"] = body["question"]
    if "category_id" in body:
        kwargs["category_id"] = body["category_id"]
    try:
        workflow.save_answer(current_space(), entry, me(), **kwargs)
    except ContentError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    return _one(entry)


@api_endpoint(
    api_bp, "/entries/<int:entry_id>/publish", ["POST"], response=FaqEntrySchema, status=200,
    tags=TAGS, errors=[403, 404],
)
def publish_entry(entry_id: int) -> Any:
    """Moderators: publish an answered entry (the proposer is notified)."""
    entry = _managed(entry_id)
    try:
        workflow.publish_entry(current_space(), entry, me())
    except ContentError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    return _one(entry)


@api_endpoint(
    api_bp, "/entries/<int:entry_id>/decline", ["POST"], body=FaqDeclineSchema,
    response=FaqEntrySchema, status=200, tags=TAGS, errors=[403, 404],
)
def decline_entry(entry_id: int, body: dict[str, Any]) -> Any:
    """Moderators: decline a question with a reason (the proposer is notified)."""
    entry = _managed(entry_id)
    try:
        workflow.decline(current_space(), entry, me(), reason=body["reason"])
    except ContentError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    return _one(entry)


@api_endpoint(
    api_bp, "/entries/<int:entry_id>/vote", ["POST"], body=FaqVoteSchema,
    response=FaqEntrySchema, status=200, tags=TAGS, errors=[403, 404],
)
def vote_entry(entry_id: int, body: dict[str, Any]) -> Any:
    """Say whether a published answer was helpful (voting again changes the vote)."""
    entry = _visible(entry_id)
    if not queries.may_vote(me(), current_space()):
        raise ApiError(403)
    try:
        workflow.vote(entry, me(), body["helpful"])
    except ContentError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    return _one(entry)
