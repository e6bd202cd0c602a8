"""Marshmallow schemas of the FAQ's JSON API (named ``Faq...`` to stay unique)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from parvis.api import PageQuerySchema

from .models import ANSWER_MAX, DETAILS_MAX, QUESTION_MAX, REASON_MAX, STATUSES


def _max(limit: int) -> validate.Length:
    return validate.Length(max=limit, error=_l("Too long: %(max)s characters at most.", max=limit))


class FaqCategorySchema(Schema):
    """A category of the FAQ, in display order."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    position = fields.Integer(required=True)
    entries = fields.Integer(
        required=True, metadata={"description": "Published entries in the category."}
    )


class FaqCategoryListSchema(Schema):
    """Every category of the space's FAQ."""

    data = fields.List(fields.Nested(FaqCategorySchema), required=True)


class FaqEntrySchema(Schema):
    """A FAQ entry. ``details`` and ``decline_reason`` are shown to the proposer and moderators."""

    id = fields.Integer(required=True)
    question = fields.String(required=True)
    answer = fields.String(required=True, metadata={"description": "Markdown source."})
    answer_html = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    category_id = fields.Integer(allow_none=True, required=True)
    category = fields.String(allow_none=True, required=True)
    details = fields.String(required=True)
    decline_reason = fields.String(required=True)
    author_id = fields.Integer(allow_none=True, required=True)
    helpful_yes = fields.Integer(required=True)
    helpful_no = fields.Integer(required=True)
    your_vote = fields.Boolean(
        allow_none=True, required=True, metadata={"description": "true: helpful, false: not."}
    )
    url = fields.String(required=True, metadata={"description": "Permalink page."})
    anchor_url = fields.String(required=True, metadata={"description": "Anchor on the FAQ page."})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    published_at = fields.DateTime(allow_none=True, required=True)


class FaqEntriesQuerySchema(PageQuerySchema):
    """Filters of the entry list."""

    # Bounded here because the core's page number has no upper bound (SQLite overflow).
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=1_000_000),
        metadata={"description": "Page number, from 1."},
    )

    status = fields.String(
        load_default=None,
        validate=validate.OneOf([*STATUSES, "all"]),
        metadata={"description": "published (default); moderators may ask for any or all."},
    )
    mine = fields.Boolean(
        load_default=False, metadata={"description": "Only the entries I proposed (any status)."}
    )
    category_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    order = fields.String(load_default="category", validate=validate.OneOf(["category", "helpful"]))
    q = fields.String(load_default="", validate=_max(200), metadata={"description": "Words to find."})


class FaqProposeSchema(Schema):
    """A member's question."""

    question = fields.String(required=True, validate=_max(QUESTION_MAX))
    details = fields.String(load_default="", validate=_max(DETAILS_MAX))
    category_id = fields.Integer(load_default=None, allow_none=True)


class FaqAnswerSchema(Schema):
    """A moderator's answer; the question and category may be corrected at the same time."""

    answer = fields.String(required=True, validate=_max(ANSWER_MAX))
    question = fields.String(validate=_max(QUESTION_MAX))
    category_id = fields.Integer(allow_none=True)
    publish = fields.Boolean(load_default=False)


class FaqDeclineSchema(Schema):
    """Why the question is declined (sent to the proposer)."""

    reason = fields.String(required=True, validate=_max(REASON_MAX))


class FaqVoteSchema(Schema):
    """Was this answer helpful?"""

    helpful = fields.Boolean(required=True)


def entry_payload(entry: Any, *, vote: bool | None, private: bool, urls: tuple[str, str]) -> dict:
    """The dict :class:`FaqEntrySchema` dumps for ``entry``."""
    from parvis.services.markdown import render_markdown

    return {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer,
        "answer_html": str(render_markdown(entry.answer)),
        "status": entry.status,
        "category_id": entry.category_id,
        "category": entry.category.name if entry.category is not None else None,
        "details": entry.details if private else "",
        "decline_reason": entry.decline_reason if private else "",
        "author_id": entry.author_id,
        "helpful_yes": entry.helpful_yes,
        "helpful_no": entry.helpful_no,
        "your_vote": vote,
        "url": urls[0],
        "anchor_url": urls[1],
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
        "published_at": entry.published_at,
    }
