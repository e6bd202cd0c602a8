"""What happens to FAQ entries and categories: propose, answer, publish, decline, vote.

Shared by the web views and the JSON API. Functions check the input (not the
permissions: callers do), raise :class:`~parvis.services.content_errors.ContentError`
with a translated message and the field at fault, notify the people concerned and
record activity. Callers commit.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_request_context, url_for
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from parvis.extensions import db
from parvis.models import Membership, Space, role_rank, utcnow
from parvis.services import activity, mentions, notifications
from parvis.services.content_errors import ContentError
from parvis.services.markdown import plain_text
from parvis.services.permissions import min_role
from parvis.services.search import index_later, reindex_space_later, remove_later

from .models import (
    ANSWER_MAX,
    CATEGORY_NAME_MAX,
    DETAILS_MAX,
    QUESTION_MAX,
    REASON_MAX,
    FaqCategory,
    FaqEntry,
    FaqVote,
)
from .queries import categories, get_category

CONTENT_TYPE = "faq.entry"


# -- URLs ---------------------------------------------------------------------------


def _space_of(entry: FaqEntry) -> Space:
    space = g.get("space") if has_request_context() else None
    if space is not None and space.id == entry.space_id:
        return space
    return db.session.get(Space, entry.space_id)


def _build(endpoint: str, values: dict[str, Any], *, anchor: str | None = None) -> str:
    """A URL path, inside a request or not (search indexing and exports run outside)."""
    if has_request_context():
        return url_for(endpoint, _anchor=anchor, **values)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return f"{path}#{anchor}" if anchor else path


def entry_url(entry: FaqEntry, *, external: bool = False, space: Space | None = None) -> str:
    """The permalink page of ``entry``."""
    space = space or _space_of(entry)
    values = {"space_slug": space.slug, "entry_id": entry.id}
    if external and has_request_context():
        return url_for("faq.entry", _external=True, **values)
    return _build("faq.entry", values)


def anchor_url(entry: FaqEntry, *, space: Space | None = None) -> str:
    """The entry's stable anchor on the FAQ page (``.../faq/#q-<id>``)."""
    space = space or _space_of(entry)
    return _build("faq.index", {"space_slug": space.slug}, anchor=entry.anchor)


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- checks -------------------------------------------------------------------------


def clean_question(question: Any) -> str:
    question = " ".join(str(question or "").split())
    if not question:
        raise ContentError(gettext("The question cannot be empty."), "question")
    if len(question) > QUESTION_MAX:
        raise ContentError(
            gettext("The question is too long (%(max)s characters at most).", max=QUESTION_MAX),
            "question",
        )
    return question


def clean_answer(answer: Any, *, required: bool = False) -> str:
    answer = str(answer or "").strip()
    if len(answer) > ANSWER_MAX:
        raise ContentError(
            gettext("The answer is too long (%(max)s characters at most).", max=ANSWER_MAX),
            "answer",
        )
    if required and not answer:
        raise ContentError(gettext("Write an answer before publishing."), "answer")
    return answer


def clean_details(details: Any) -> str:
    details = str(details or "").strip()
    if len(details) > DETAILS_MAX:
        raise ContentError(
            gettext("The details are too long (%(max)s characters at most).", max=DETAILS_MAX),
            "details",
        )
    return details


def clean_category_name(name: Any) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ContentError(gettext("The category needs a name."), "name")
    if len(name) > CATEGORY_NAME_MAX:
        raise ContentError(
            gettext("The name is too long (%(max)s characters at most).", max=CATEGORY_NAME_MAX),
            "name",
        )
    return name


def resolve_category(space: Space, category_id: Any) -> FaqCategory | None:
    """The category ``category_id`` of ``space``; None for no category; error if unknown."""
    if category_id in (None, "", 0, "0"):
        return None
    category = get_category(space, category_id)
    if category is None:
        raise ContentError(gettext("Choose a category of this FAQ."), "category_id")
    return category


# -- entries ------------------------------------------------------------------------


def moderators_of(space: Space) -> list[int]:
    """Ids of the members of ``space`` allowed to manage its FAQ (one or two queries)."""
    least = role_rank(min_role(space, "faq.manage"))
    roles = [r for r in ("owner", "admin", "moderator", "member", "guest") if role_rank(r) >= least]
    return list(
        db.session.scalars(
            db.select(Membership.user_id).filter(
                Membership.space_id == space.id, Membership.role.in_(roles)
            )
        )
    )


def propose(
    space: Space, author: Any, *, question: Any, details: Any = "", category_id: Any = None
) -> FaqEntry:
    """A member proposes a question; moderators are notified."""
    entry = FaqEntry(
        space_id=space.id,
        question=clean_question(question),
        details=clean_details(details),
        category_id=getattr(resolve_category(space, category_id), "id", None),
        status="proposed",
        author_id=author.id,
    )
    db.session.add(entry)
    db.session.flush()
    notifications.notify(
        moderators_of(space),
        kind="faq.proposed",
        title=gettext("New question proposed for the FAQ: %(q)s", q=_short(entry.question)),
        url=entry_url(entry),
        actor=author,
        space=space,
    )
    # The question itself stays private until published: the stream only says it happened.
    activity.record(
        "faq.proposed",
        actor=author,
        space=space,
        target_type=CONTENT_TYPE,
        target_id=entry.id,
        title=gettext("A question was proposed for the FAQ"),
        url=url_for("faq.index", space_slug=space.slug),
    )
    return entry


def create_entry(
    space: Space,
    author: Any,
    *,
    question: Any,
    answer: Any,
    category_id: Any = None,
    publish: bool = False,
) -> FaqEntry:
    """A moderator writes an entry directly (saved as answered, or published at once)."""
    entry = FaqEntry(
        space_id=space.id,
        question=clean_question(question),
        answer=clean_answer(answer, required=publish),
        category_id=getattr(resolve_category(space, category_id), "id", None),
        status="answered",
        author_id=author.id,
        answered_by_id=author.id,
    )
    db.session.add(entry)
    db.session.flush()
    if publish:
        publish_entry(space, entry, author)
    return entry


def save_answer(
    space: Space,
    entry: FaqEntry,
    actor: Any,
    *,
    answer: Any,
    question: Any = None,
    category_id: Any = ...,
    publish: bool = False,
) -> FaqEntry:
    """A moderator writes or edits the answer (and may fix the question and category).

    A proposed or declined entry becomes answered (its proposer is told); a
    published one stays published. ``publish`` publishes it in the same step.
    """
    new_question = clean_question(question) if question is not None else entry.question
    new_answer = clean_answer(answer, required=publish or entry.status == "published")
    new_category = (
        entry.category_id
        if category_id is ...
        else getattr(resolve_category(space, category_id), "id", None)
    )
    entry.question, entry.answer, entry.category_id = new_question, new_answer, new_category
    if new_answer:
        entry.answered_by_id = actor.id
    was = entry.status
    if was in ("proposed", "declined") and new_answer:
        entry.status = "answered"
        entry.decline_reason = ""
        if not publish:
            _tell_author(
                space,
                entry,
                actor,
                kind="faq.answered",
                title=gettext("Your question was answered: %(q)s", q=_short(entry.question)),
            )
    entry.updated_at = utcnow()
    db.session.flush()
    index_later(CONTENT_TYPE, entry.id)
    if publish and entry.status != "published":
        publish_entry(space, entry, actor)
    elif was == "published":
        activity.record(
            "faq.updated",
            actor=actor,
            space=space,
            target_type=CONTENT_TYPE,
            target_id=entry.id,
            title=entry.question,
            url=entry_url(entry),
        )
    return entry


def publish_entry(space: Space, entry: FaqEntry, actor: Any) -> FaqEntry:
    """Publish an answered entry: everyone in the space sees it; the proposer is told."""
    if entry.status == "published":
        return entry
    clean_answer(entry.answer, required=True)
    entry.status = "published"
    entry.decline_reason = ""
    entry.published_at = utcnow()
    entry.updated_at = utcnow()
    db.session.flush()
    index_later(CONTENT_TYPE, entry.id)
    _tell_author(
        space,
        entry,
        actor,
        kind="faq.published",
        title=gettext("Your question is now in the FAQ: %(q)s", q=_short(entry.question)),
    )
    activity.record(
        "faq.published",
        actor=actor,
        space=space,
        target_type=CONTENT_TYPE,
        target_id=entry.id,
        title=entry.question,
        url=entry_url(entry),
    )
    mentions.notify_mentions(
        text=entry.answer,
        space=space,
        actor=actor,
        title=gettext(
            "%(name)s mentioned you in the FAQ answer “%(q)s”",
            name=getattr(actor, "name", ""),
            q=_short(entry.question),
        ),
        url=entry_url(entry),
    )
    return entry


def unpublish_entry(space: Space, entry: FaqEntry, actor: Any) -> FaqEntry:
    """Take a published entry back to "answered" (hidden from members again)."""
    if entry.status == "published":
        entry.status = "answered"
        entry.updated_at = utcnow()
        index_later(CONTENT_TYPE, entry.id)
    return entry


def decline(space: Space, entry: FaqEntry, actor: Any, *, reason: Any) -> FaqEntry:
    """Decline a proposed or answered question with a reason the proposer receives."""
    reason = str(reason or "").strip()
    if not reason:
        raise ContentError(gettext("Give the reason for declining."), "reason")
    if len(reason) > REASON_MAX:
        raise ContentError(
            gettext("The reason is too long (%(max)s characters at most).", max=REASON_MAX),
            "reason",
        )
    if entry.status == "published":
        raise ContentError(gettext("Unpublish this entry before declining it."), "reason")
    entry.status = "declined"
    entry.decline_reason = reason
    entry.updated_at = utcnow()
    db.session.flush()
    _tell_author(
        space,
        entry,
        actor,
        kind="faq.declined",
        title=gettext(
            "Your question was declined: %(q)s (%(reason)s)",
            q=_short(entry.question, 60),
            reason=_short(reason, 120),
        ),
    )
    return entry


def delete_entry(entry: FaqEntry) -> None:
    """Delete an entry and its votes."""
    db.session.execute(db.delete(FaqVote).filter_by(entry_id=entry.id))
    remove_later(CONTENT_TYPE, entry.id)
    db.session.delete(entry)


def _tell_author(space: Space, entry: FaqEntry, actor: Any, *, kind: str, title: str) -> None:
    if entry.author_id is None:
        return
    notifications.notify(
        [entry.author_id], kind=kind, title=title, url=entry_url(entry), actor=actor, space=space
    )


# -- votes --------------------------------------------------------------------------


def vote(entry: FaqEntry, user: Any, helpful: bool) -> FaqEntry:
    """Record or change ``user``'s "was this helpful?" answer and refresh the counts."""
    if entry.status != "published":
        raise ContentError(gettext("Only published answers can be rated."), "helpful")
    row = db.session.scalar(db.select(FaqVote).filter_by(entry_id=entry.id, user_id=user.id))
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(FaqVote(entry_id=entry.id, user_id=user.id, helpful=bool(helpful)))
        except IntegrityError:  # a concurrent first vote of the same user won the race
            row = db.session.scalar(
                db.select(FaqVote).filter_by(entry_id=entry.id, user_id=user.id)
            )
    if row is not None:
        row.helpful = bool(helpful)
    db.session.flush()
    yes, no = db.session.execute(
        db.select(
            db.func.count().filter(FaqVote.helpful.is_(True)),
            db.func.count().filter(FaqVote.helpful.is_(False)),
        ).filter(FaqVote.entry_id == entry.id)
    ).one()
    entry.helpful_yes, entry.helpful_no = int(yes or 0), int(no or 0)
    return entry


# -- categories ---------------------------------------------------------------------


def create_category(space: Space, *, name: Any) -> FaqCategory:
    """Add a category at the end of the list."""
    name = clean_category_name(name)
    last = db.session.scalar(
        db.select(db.func.max(FaqCategory.position)).filter_by(space_id=space.id)
    )
    category = FaqCategory(space_id=space.id, name=name, position=(last or 0) + 1)
    db.session.add(category)
    db.session.flush()
    return category


def rename_category(category: FaqCategory, *, name: Any) -> FaqCategory:
    category.name = clean_category_name(name)
    reindex_space_later(category.space_id)  # the category is a tag of its entries
    return category


def move_category(space: Space, category: FaqCategory, direction: str) -> None:
    """Move ``category`` one place ``up`` or ``down`` (positions are renumbered)."""
    ordered = categories(space)
    index = next(i for i, c in enumerate(ordered) if c.id == category.id)
    other = index - 1 if direction == "up" else index + 1
    if direction in ("up", "down") and 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position


def delete_category(space: Space, category: FaqCategory, *, move_to: Any = None) -> int:
    """Delete ``category``; its entries must move to another category. Return how many moved."""
    count = db.session.scalar(
        db.select(db.func.count()).select_from(FaqEntry).filter_by(category_id=category.id)
    ) or 0
    if count:
        target = get_category(space, move_to) if move_to not in (None, "", 0, "0") else None
        if target is None or target.id == category.id:
            raise ContentError(
                gettext(
                    "This category still holds %(n)s questions: choose another category "
                    "to move them to.",
                    n=count,
                ),
                "move_to",
            )
        db.session.execute(
            db.update(FaqEntry).filter_by(category_id=category.id).values(category_id=target.id)
        )
        reindex_space_later(space.id)
    db.session.delete(category)
    return count


def plain_answer(entry: FaqEntry, limit: int | None = None) -> str:
    """The answer as plain text (search documents, excerpts)."""
    return plain_text(entry.answer, limit)
