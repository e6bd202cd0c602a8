"""Marshmallow schemas of the posts module's JSON API (named ``Post...`` to stay unique).

The fields keep the rules the API always had: a title and a body that are not blank,
strict ``true``/``false`` flags, tags as a list or a comma-separated string, dates in
ISO 8601 (UTC when no offset is given), and an opaque cursor for the feed.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from parvis.input_guards import MAX_ID

from .models import BODY_MAX, TAG_MAX, TAGS_PER_POST, TITLE_MAX
from .service import MAX_PAGE, MAX_PER_PAGE
from .tags import check_tags, parse_tags

#: What a post's ``status`` may be asked to become (the first one is the default).
REQUESTED_STATUSES = ("published", "draft")
#: What a post's ``status`` may be in an answer (``scheduled`` is derived).
STATES = ("draft", "pending", "scheduled", "published")
#: Largest id a cursor may carry (the ids are 64-bit at most on every database).
CURSOR_ID_MAX = 2**63 - 1


def _refuse_nul(value: str) -> None:
    """PostgreSQL text cannot hold a NUL character: refuse it as invalid input."""
    if "\x00" in value:
        raise ValidationError(gettext("Contains a character that is not allowed."))


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(gettext("This field is required."))


class PostText(fields.String):
    """A post's title or body: a string, not blank, of at most ``limit`` characters."""

    def __init__(self, limit: int, **kwargs: Any) -> None:
        kwargs.setdefault(
            "error_messages",
            {
                "required": _l("This field is required."),
                "null": _l("This field is required."),
                "invalid": _l("Must be a string."),
            },
        )
        super().__init__(
            validate=[
                _not_blank,
                _refuse_nul,
                validate.Length(max=limit, error=_l("At most %(n)s characters.", n=limit)),
            ],
            **kwargs,
        )


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` only (not ``"yes"``, ``1`` or ``"on"``)."""

    default_error_messages = {  # noqa: RUF012 (marshmallow merges these per class)
        "invalid": _l("Must be true or false."),
        "null": _l("Must be true or false."),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class TagNames(fields.List):
    """Tag names: a list of strings or one comma-separated string, deduplicated."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.String(validate=validate.Length(max=TAG_MAX)), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        if not (isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        )):
            raise ValidationError(gettext("Give a list of strings."))
        names = parse_tags(value)
        for name in names:
            _refuse_nul(name)
        problem = check_tags(names)
        if problem:
            raise ValidationError(problem)
        return names


def _utc(value: datetime) -> datetime:
    """``value`` in UTC (a naive value is taken as UTC); OverflowError at the calendar's ends."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class PublishAt(fields.DateTime):
    """An ISO 8601 date and time (UTC without an offset); ``null`` or ``""`` clears it."""

    default_error_messages = {  # noqa: RUF012 (marshmallow merges these per class)
        "invalid": _l("Use an ISO 8601 date and time, e.g. 2030-01-31T09:00:00Z."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime | None:
        if value == "":
            return None
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            return _utc(datetime.fromisoformat(value))
        except (ValueError, OverflowError) as exc:
            raise self.make_error("invalid") from exc


# -- the feed's cursor ---------------------------------------------------------------------


class FeedPosition(NamedTuple):
    """Where a page of the feed stopped: the last post's pin, publication date and id."""

    pinned: bool
    published_at: datetime
    post_id: int


def encode_cursor(pinned: bool, published_at: datetime | None, post_id: int) -> str:
    """The opaque ``next_cursor`` after a post (base64url of a small JSON list)."""
    raw = json.dumps([pinned, published_at.isoformat() if published_at else None, post_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> FeedPosition:
    """The position an :func:`encode_cursor` string names; ValueError when it names none."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        pinned, published, post_id = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(pinned, bool) or not isinstance(published, str):
            raise ValueError(cursor)
        if isinstance(post_id, bool) or not isinstance(post_id, int) or not 0 < post_id <= CURSOR_ID_MAX:
            raise ValueError(cursor)
        return FeedPosition(pinned, _utc(datetime.fromisoformat(published)), post_id)
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(cursor) from exc


class Cursor(fields.String):
    """The ``next_cursor`` of the previous page, loaded as a :class:`FeedPosition`."""

    default_error_messages = {"invalid": _l("Invalid cursor.")}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            return None
        try:
            return decode_cursor(text)
        except ValueError as exc:
            raise self.make_error("invalid") from exc


# -- requests ------------------------------------------------------------------------------


class PostListQuerySchema(Schema):
    """Filters and position of the feed."""

    tag = fields.String(load_default=None, metadata={"description": "Only posts with this tag (its slug)."})
    author = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Only posts by this user (id)."},
    )
    per_page = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={
            "description": f"Posts per page; the space's setting by default, at most {MAX_PER_PAGE} "
            "(larger values are lowered)."
        },
    )
    cursor = Cursor(
        load_default=None,
        metadata={"description": "The previous page's `next_cursor` (then `page` is ignored)."},
    )
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": f"Page number, from 1 to {MAX_PAGE}, when no cursor is given."},
    )


class PostUpdateSchema(Schema):
    """The fields of a post to change; the others keep their value."""

    title = PostText(TITLE_MAX)
    body = PostText(BODY_MAX, metadata={"description": "Markdown."})
    tags = TagNames(
        metadata={
            "description": f"At most {TAGS_PER_POST} tag names, each of at most {TAG_MAX} "
            "characters; a comma-separated string is accepted too."
        }
    )
    status = fields.String(
        validate=validate.OneOf(REQUESTED_STATUSES, error=_l("Use draft or published.")),
        error_messages={"invalid": _l("Use draft or published."), "null": _l("Use draft or published.")},
        metadata={"description": "`published` (may wait for approval in the space) or `draft`."},
    )
    publish_at = PublishAt(
        metadata={"description": "A future date schedules the post; `null` removes the date."}
    )
    pinned = StrictBoolean(metadata={"description": "Ignored without the permission to pin."})
    announcement = StrictBoolean(
        metadata={"description": "Ignored without the permission to announce."}
    )


class PostCreateSchema(PostUpdateSchema):
    """A new post: ``title`` and ``body`` are required; ``status`` is ``published`` by default."""

    title = PostText(TITLE_MAX, required=True)
    body = PostText(BODY_MAX, required=True, metadata={"description": "Markdown."})


# -- answers -------------------------------------------------------------------------------


class PostAuthorSchema(Schema):
    """Who wrote a post."""

    id = fields.Integer(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)


class PostSchema(Schema):
    """A post, with its markdown and its sanitised HTML."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "Markdown source."})
    body_html = fields.String(required=True, metadata={"description": "Rendered, sanitised HTML."})
    status = fields.String(required=True, metadata={"enum": list(STATES)})
    hidden = fields.Boolean(required=True, metadata={"description": "Hidden by a moderator."})
    pinned = fields.Boolean(required=True)
    announcement = fields.Boolean(required=True)
    tags = fields.List(fields.String(), required=True)
    author = fields.Nested(PostAuthorSchema, allow_none=True, required=True)
    cover_url = fields.String(allow_none=True, required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    created_at = fields.DateTime(allow_none=True, required=True)
    updated_at = fields.DateTime(allow_none=True, required=True)
    url = fields.String(required=True, metadata={"description": "The post's page."})
    comment_count = fields.Integer(required=True)


class PostListSchema(Schema):
    """A page of the feed: pinned posts first, then the newest."""

    items = fields.List(fields.Nested(PostSchema), required=True)
    page = fields.Integer(
        allow_none=True, required=True, metadata={"description": "null when a cursor was given."}
    )
    per_page = fields.Integer(required=True)
    has_more = fields.Boolean(required=True)
    next_cursor = fields.String(
        allow_none=True, required=True, metadata={"description": "Send it back as `cursor`."}
    )
