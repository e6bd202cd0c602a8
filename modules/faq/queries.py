"""Who sees which FAQ entries, and the bounded queries of the FAQ pages.

Published entries are visible to every reader of the space; proposed, answered and
declined ones only to their proposer and to the space's FAQ moderators.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context

from parvis.extensions import db
from parvis.services.permissions import can
from parvis.services.spaces import module_settings

from .models import FaqCategory, FaqEntry, FaqVote

#: Largest id accepted from a URL or a form (the id columns are 32-bit integers).
MAX_ID = 2**31 - 1
ORDERS = ("category", "helpful")
SEARCH_LIMIT = 20


def valid_id(value: Any) -> int | None:
    """``value`` as a positive database id, or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def settings(space: Any) -> dict[str, Any]:
    """The FAQ settings of ``space`` with defaults filled in (read once per request)."""
    if not has_request_context():
        return module_settings(space, "faq")
    cache = g.setdefault("_faq_settings", {})
    if space.id not in cache:
        cache[space.id] = module_settings(space, "faq")
    return cache[space.id]


def may_manage(user: Any, space: Any) -> bool:
    """May ``user`` write, answer, publish and decline entries and manage categories?"""
    return can(user, "faq.manage", space)


def may_propose(user: Any, space: Any) -> bool:
    """May ``user`` propose a question (the space's setting allows it and their role too)?"""
    if settings(space).get("who_may_propose", "members") == "nobody":
        return False
    return can(user, "faq.propose", space)


def may_vote(user: Any, space: Any) -> bool:
    return can(user, "faq.vote", space)


def may_see(entry: FaqEntry, user: Any, space: Any) -> bool:
    """May ``user`` (already a reader of ``space``) see ``entry``?"""
    if entry.status == "published":
        return True
    if getattr(user, "is_authenticated", False) and entry.author_id == user.id:
        return True
    return may_manage(user, space)


def get_entry(space: Any, entry_id: Any) -> FaqEntry | None:
    """The entry ``entry_id`` of ``space`` (any status), with category and people loaded."""
    entry_id = valid_id(entry_id)
    if entry_id is None:
        return None
    return db.session.scalar(
        db.select(FaqEntry)
        .filter_by(id=entry_id, space_id=space.id)
        .options(
            db.joinedload(FaqEntry.category),
            db.joinedload(FaqEntry.author),
            db.joinedload(FaqEntry.answered_by),
        )
    )


def get_category(space: Any, category_id: Any) -> FaqCategory | None:
    category_id = valid_id(category_id)
    if category_id is None:
        return None
    return db.session.scalar(db.select(FaqCategory).filter_by(id=category_id, space_id=space.id))


def categories(space: Any) -> list[FaqCategory]:
    """Categories of ``space`` in display order (one query)."""
    return list(
        db.session.scalars(
            db.select(FaqCategory)
            .filter_by(space_id=space.id)
            .order_by(FaqCategory.position, FaqCategory.id)
        )
    )


def _ordered(stmt: Any, order: str) -> Any:
    if order == "helpful":
        return stmt.order_by(
            (FaqEntry.helpful_yes - FaqEntry.helpful_no).desc(),
            FaqEntry.helpful_yes.desc(),
            FaqEntry.id,
        )
    return stmt.order_by(FaqEntry.position, FaqEntry.id)


def published_entries(
    space: Any,
    *,
    order: str = "category",
    category_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[FaqEntry]:
    """Published entries of ``space`` (one query; categories are looked up separately)."""
    stmt = db.select(FaqEntry).filter_by(space_id=space.id, status="published")
    if category_id is not None:
        stmt = stmt.filter_by(category_id=category_id)
    stmt = _ordered(stmt, order)
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def entries_with_status(
    space: Any, statuses: tuple[str, ...], *, author_id: int | None = None, limit: int = 200
) -> list[FaqEntry]:
    """Entries of ``space`` in ``statuses`` (optionally of one author), newest first."""
    stmt = (
        db.select(FaqEntry)
        .filter(FaqEntry.space_id == space.id, FaqEntry.status.in_(statuses))
        .options(db.joinedload(FaqEntry.author), db.joinedload(FaqEntry.category))
        .order_by(FaqEntry.updated_at.desc(), FaqEntry.id.desc())
        .limit(limit)
    )
    if author_id is not None:
        stmt = stmt.filter(FaqEntry.author_id == author_id)
    return list(db.session.scalars(stmt).unique())


def status_counts(space: Any, *, author_id: int | None = None) -> dict[str, int]:
    """How many entries of ``space`` (or of one author) are in each status (one query)."""
    stmt = (
        db.select(FaqEntry.status, db.func.count())
        .filter(FaqEntry.space_id == space.id)
        .group_by(FaqEntry.status)
    )
    if author_id is not None:
        stmt = stmt.filter(FaqEntry.author_id == author_id)
    return {status: count for status, count in db.session.execute(stmt).all()}


def user_votes(user: Any, entry_ids: list[int]) -> dict[int, bool]:
    """``{entry_id: helpful}`` for the votes ``user`` cast on ``entry_ids`` (one query)."""
    if not entry_ids or not getattr(user, "is_authenticated", False):
        return {}
    rows = db.session.execute(
        db.select(FaqVote.entry_id, FaqVote.helpful).filter(
            FaqVote.user_id == user.id, FaqVote.entry_id.in_(entry_ids)
        )
    ).all()
    return dict(rows)


def prime_mentions(texts: list[str]) -> None:
    """Look up every ``@handle`` of ``texts`` in one query for the ``|markdown`` filter.

    Delegates to the core's per-request mention cache, so a list page keeps a fixed
    query count.
    """
    from parvis.services.markdown import mentioned_usernames
    from parvis.templating import prime_mentions as prime_handles

    if has_request_context():
        prime_handles({handle for text in texts for handle in mentioned_usernames(text)})


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_terms(query: str) -> list[str]:
    """The lower-cased words of ``query`` (at most 8, each at most 100 characters)."""
    return [w[:100] for w in (query or "").lower().split()][:8]


def search(space: Any, query: str, limit: int = SEARCH_LIMIT) -> list[FaqEntry]:
    """Published entries of ``space`` whose question or answer contains every word."""
    terms = search_terms(query)
    if not terms:
        return []
    stmt = db.select(FaqEntry).filter_by(space_id=space.id, status="published")
    question, answer = db.func.lower(FaqEntry.question), db.func.lower(FaqEntry.answer)
    for term in terms:
        pattern = f"%{_escape_like(term)}%"
        stmt = stmt.filter(
            db.or_(question.like(pattern, escape="\\"), answer.like(pattern, escape="\\"))
        )
    stmt = stmt.order_by(
        db.case((question.like(f"%{_escape_like(terms[0])}%", escape="\\"), 0), else_=1),
        (FaqEntry.helpful_yes - FaqEntry.helpful_no).desc(),
        FaqEntry.id,
    ).limit(limit)
    return list(db.session.scalars(stmt))


def group_by_category(
    entries: list[FaqEntry], cats: list[FaqCategory]
) -> list[tuple[FaqCategory | None, list[FaqEntry]]]:
    """``[(category, entries)]`` in category order; uncategorised entries come last."""
    by_category: dict[int | None, list[FaqEntry]] = {}
    for entry in entries:
        by_category.setdefault(entry.category_id, []).append(entry)
    groups: list[tuple[FaqCategory | None, list[FaqEntry]]] = [
        (cat, by_category[cat.id]) for cat in cats if cat.id in by_category
    ]
    known = {cat.id for cat in cats}
    orphans = [e for cid, items in by_category.items() if cid not in known for e in items]
    if orphans:
        groups.append((None, orphans))
    return groups
