"""Marshmallow schemas of the wiki's JSON API."""

from __future__ import annotations

from marshmallow import Schema, fields


class AuthorSchema(Schema):
    """Who wrote a revision."""

    id = fields.Integer(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)


class PageBriefSchema(Schema):
    """A page in lists (no text)."""

    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True)
    position = fields.Integer()
    is_template = fields.Boolean()
    updated_at = fields.DateTime()


class TreeNodeSchema(Schema):
    """A page of the tree with its sub-pages."""

    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    is_template = fields.Boolean()
    children = fields.List(fields.Nested(lambda: TreeNodeSchema()))


class TreeSchema(Schema):
    """The whole page tree of the space."""

    data = fields.List(fields.Nested(TreeNodeSchema), required=True)


class PageDetailSchema(PageBriefSchema):
    """A page with its current text as markdown and as sanitised HTML."""

    markdown = fields.String(required=True, metadata={"description": "Current markdown text."})
    html = fields.String(required=True, metadata={"description": "Rendered, sanitised HTML."})
    revision_id = fields.Integer(allow_none=True, metadata={"description": "Send it back as base_revision_id."})
    revision_number = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    url = fields.String()
    backlinks = fields.List(fields.String(), metadata={"description": "Slugs of pages linking here."})


class PageCreateSchema(Schema):
    """A new page."""

    title = fields.String(required=True)
    body = fields.String(load_default="")
    summary = fields.String(load_default="")
    parent_id = fields.Integer(allow_none=True, load_default=None)
    is_template = fields.Boolean(load_default=False)


class PageUpdateSchema(Schema):
    """A new revision of a page, made from ``base_revision_id``."""

    base_revision_id = fields.Integer(
        required=True,
        metadata={"description": "The revision the edit started from; 409 if the page changed since."},
    )
    title = fields.String()
    body = fields.String()
    summary = fields.String(load_default="")
    is_template = fields.Boolean()


class CoauthorSchema(Schema):
    """Someone who co-edited a revision live, besides its author."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)


class RevisionBriefSchema(Schema):
    """A revision in the history (no text)."""

    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    summary = fields.String()
    restored_from = fields.Integer(allow_none=True)
    author = fields.Nested(AuthorSchema, allow_none=True)
    coauthors = fields.List(
        fields.Nested(CoauthorSchema), dump_default=list,
        metadata={"description": "People who co-edited this revision live, besides its author."},
    )
    created_at = fields.DateTime()


class RevisionSchema(RevisionBriefSchema):
    """One revision with its text."""

    markdown = fields.String(attribute="body", required=True)
    html = fields.String(required=True)
