"""Marshmallow schemas of the discussions JSON API (named ``Discussions...``)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .models import MAX_BODY, MAX_CHANNEL_NAME, MAX_TOPIC

MAX_ID = 2**31 - 1


class DiscussionsChannelSchema(Schema):
    """A channel, with the caller's unread count."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    topic = fields.String(required=True)
    is_default = fields.Boolean(required=True)
    last_seq = fields.Integer(required=True, metadata={"description": "Seq of its latest message."})
    unread = fields.Integer(required=True)
    url = fields.String(required=True)


class DiscussionsChannelListSchema(Schema):
    data = fields.List(fields.Nested(DiscussionsChannelSchema), required=True)


class DiscussionsChannelCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=MAX_CHANNEL_NAME))
    topic = fields.String(load_default="", validate=validate.Length(max=MAX_TOPIC))


class DiscussionsAuthorSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    initials = fields.String(required=True)


class DiscussionsReactionSchema(Schema):
    emoji = fields.String(required=True)
    char = fields.String(required=True)
    label = fields.String(required=True)
    count = fields.Integer(required=True)
    mine = fields.Boolean()


class DiscussionsAttachmentSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    size = fields.Integer(required=True)
    url = fields.String(required=True)


class DiscussionsMessageSchema(Schema):
    """A message. ``seq`` orders a channel's messages (replies included) without gaps."""

    id = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    channel_id = fields.Integer(required=True)
    thread_id = fields.Integer(allow_none=True, required=True)
    author = fields.Nested(DiscussionsAuthorSchema, allow_none=True, required=True)
    body = fields.String(required=True, metadata={"description": "Markdown source."})
    html = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    updated_at = fields.String(required=True, metadata={"format": "date-time"})
    edited = fields.Boolean(required=True)
    deleted = fields.Boolean(required=True)
    pinned = fields.Boolean(required=True)
    locked = fields.Boolean(required=True)
    reply_count = fields.Integer(required=True)
    last_reply_at = fields.String(allow_none=True, required=True, metadata={"format": "date-time"})
    reactions = fields.List(fields.Nested(DiscussionsReactionSchema), required=True)
    attachments = fields.List(fields.Nested(DiscussionsAttachmentSchema), required=True)
    url = fields.String(required=True)


class DiscussionsMessagesMetaSchema(Schema):
    has_older = fields.Boolean(required=True)
    has_more = fields.Boolean(required=True, metadata={"description": "More after ``after_seq``."})
    last_seq = fields.Integer(required=True)


class DiscussionsMessageListSchema(Schema):
    """A page of messages, oldest first."""

    data = fields.List(fields.Nested(DiscussionsMessageSchema), required=True)
    meta = fields.Nested(DiscussionsMessagesMetaSchema, required=True)


class DiscussionsMessagesQuerySchema(Schema):
    before = fields.Integer(
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "Top-level messages older than this id (history, backwards)."},
    )
    after_seq = fields.Integer(
        validate=validate.Range(0, MAX_ID),
        metadata={"description": "Every message (replies too) after this seq (catch-up)."},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class DiscussionsPostSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=MAX_BODY))
    thread_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, MAX_ID))


class DiscussionsEditSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=MAX_BODY))


class DiscussionsThreadSchema(Schema):
    """A message and its replies (the latest 200)."""

    message = fields.Nested(DiscussionsMessageSchema, required=True)
    replies = fields.List(fields.Nested(DiscussionsMessageSchema), required=True)
