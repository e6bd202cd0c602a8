"""``GET /api/v1/search``: the search page's results as JSON, with the same filters."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import gettext
from flask_login import current_user
from marshmallow import Schema, fields, validate

from ...search.params import MAX_INPUT_LENGTH, MAX_PAGE, known_types, parse
from ...search.service import EXTENSION_KEY
from .. import api_bp
from ..endpoint import ApiError, api_endpoint

TAGS = ["search"]


class SearchQuerySchema(Schema):
    """Query string of a search."""

    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_INPUT_LENGTH),
        metadata={"description": "Words to find; \"quotes\" for a phrase, -word to leave one out."},
    )
    space = fields.String(metadata={"description": "Only this space (its slug)."})
    type = fields.String(metadata={"description": "Only this kind of content (e.g. wiki.page, core.person)."})
    author = fields.Integer(validate=validate.Range(min=1), metadata={"description": "Only by this user id."})
    date_from = fields.Date(data_key="from", metadata={"description": "Updated on or after (YYYY-MM-DD)."})
    date_to = fields.Date(data_key="to", metadata={"description": "Updated on or before (YYYY-MM-DD)."})
    sort = fields.String(validate=validate.OneOf(["relevance", "date"]), load_default="relevance")
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SearchHitSchema(Schema):
    """One result."""

    type = fields.String(required=True, metadata={"description": "Content type id, e.g. wiki.page."})
    type_label = fields.String(required=True)
    object_id = fields.Integer(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True)
    snippet = fields.String(
        required=True, metadata={"description": "Escaped HTML excerpt, matches in <mark>."}
    )
    module = fields.String(required=True)
    space = fields.String(allow_none=True, metadata={"description": "Slug of the space, if any."})
    space_name = fields.String(allow_none=True)
    author_id = fields.Integer(allow_none=True)
    author_name = fields.String(allow_none=True)
    date = fields.DateTime(allow_none=True)
    tags = fields.List(fields.String())


class SearchMetaSchema(Schema):
    """Where the page sits, and the spelling suggestion."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    capped = fields.Boolean(
        required=True,
        metadata={"description": "True when the engine stopped counting: `total` is then a lower bound "
                                 "(PostgreSQL ranks at most the first 1,000 readable matches)."},
    )
    suggestion = fields.String(allow_none=True, metadata={"description": "\"Did you mean\" (whoosh only)."})


class SearchAnswerSchema(Schema):
    """A page of results with facet counts (type, space slug, author id -> count)."""

    data = fields.List(fields.Nested(SearchHitSchema), required=True)
    meta = fields.Nested(SearchMetaSchema, required=True)
    facets = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer())
    )


@api_endpoint(api_bp, "/search", query=SearchQuerySchema, response=SearchAnswerSchema, tags=TAGS, errors=(422,))
def search(query: dict[str, Any]) -> dict[str, Any]:
    """Search everything the caller may see.

    Spaces, people and the content of every module, filtered at query time on the
    caller's current memberships and the modules enabled in each space.
    """
    from ...views.search import render_snippet

    params, errors = parse(request.args, current_user, set(known_types()), max_per_page=100)
    if errors:
        raise ApiError(422, gettext("Some values are invalid."), errors)
    service = current_app.extensions[EXTENSION_KEY]
    found, access = service.search(current_user, params.query())
    results = service.decorate(found.hits, access)
    space_slugs: dict[int, str] = {r.space.id: r.space.slug for r in results if r.space}
    facets = dict(found.facets)
    if "space" in facets:
        from ...extensions import db
        from ...models import Space

        ids = [int(k) for k in facets["space"] if k.isdigit()]
        slugs = dict(db.session.execute(db.select(Space.id, Space.slug).filter(Space.id.in_(ids))).all()) if ids else {}
        space_slugs.update(slugs)
        facets["space"] = {space_slugs[int(k)]: v for k, v in facets["space"].items() if k.isdigit() and int(k) in space_slugs}
    return {
        "data": [
            {
                "type": r.hit.type,
                "type_label": r.type_label,
                "object_id": r.hit.object_id,
                "title": r.hit.title,
                "url": r.hit.url,
                "snippet": str(render_snippet(r.hit.snippet)),
                "module": r.hit.module,
                "space": r.space.slug if r.space else None,
                "space_name": r.space.name if r.space else None,
                "author_id": r.hit.author_id,
                "author_name": r.author.name if r.author else None,
                "date": r.hit.date,
                "tags": r.hit.tags,
            }
            for r in results
        ],
        "meta": {
            "page": found.page,
            "per_page": found.per_page,
            "total": found.total,
            "pages": found.pages,
            "capped": found.capped,
            "suggestion": found.suggestion,
        },
        "facets": facets,
    }
