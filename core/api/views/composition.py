"""``/spaces/<slug>/pages/<page>/composition``: a page's composition as JSON (GET/PUT).

GET answers the working copy (the draft if any, else the published version) to those
who may build the space, the published version to other readers. PUT replaces the whole
composition, validated like the builder's forms, and publishes it (or saves it as the
draft with ``"publish": false``). Optimistic concurrency: the ``version`` from GET (also
sent as the ``ETag``) must come back in the body or in ``If-Match``; a stale one is
refused with 409 and nothing is written. ``/spaces/<slug>/composition`` is the home page.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ...extensions import db
from ...models.composition import HOME_PAGE
from ...services.composition import (
    MAX_BYTES,
    CompositionInvalid,
    StaleComposition,
    check_lock,
    publish,
    published_composition,
    save_draft,
    working_copy,
)
from ...services.composition import validate as validate_composition
from ...services.permissions import can
from ...services.space_templates import export_space
from .. import api_bp
from ..endpoint import ApiError, api_endpoint
from ..helpers import current_space, me, require

TAGS = ["builder"]


class PlacementSchema(Schema):
    """A widget placed in a region, with its settings."""

    id = fields.String(metadata={"description": "Stable id of the placement (assigned when absent)."})
    region = fields.String(required=True)
    widget = fields.String(required=True, metadata={"example": "posts.latest"})
    settings = fields.Dict(keys=fields.String(), metadata={"description": "Validated by the widget's settings form."})


class CompositionSchema(Schema):
    """A page's composition and its version for optimistic concurrency."""

    page = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "Send it back in PUT (or If-Match)."})
    is_draft = fields.Boolean(required=True)
    published_number = fields.Integer(allow_none=True)
    layout = fields.String(required=True)
    placements = fields.List(fields.Nested(PlacementSchema), required=True)


class CompositionBodySchema(Schema):
    """The whole composition to save."""

    layout = fields.String(required=True)
    placements = fields.List(fields.Raw(), required=True, validate=validate.Length(max=1000))
    version = fields.Integer(metadata={"description": "The version read with GET (or use If-Match)."})
    publish = fields.Boolean(load_default=True, metadata={"description": "false: save as the draft only."})


def _answer(space: Any, page_slug: str) -> dict[str, Any]:
    if can(me(), "space.settings", space):
        copy = working_copy(space, page_slug)
        if copy is None:
            raise ApiError(404, gettext("No such page."))
        return {"page": copy.page.slug, "version": copy.page.lock, "is_draft": copy.is_draft,
                "published_number": copy.published_number, **copy.composition.as_dict()}
    found = published_composition(space, page_slug)
    if found is None:
        if page_slug != HOME_PAGE:
            raise ApiError(404, gettext("No such page."))
        copy = working_copy(space, HOME_PAGE)
        db.session.rollback()  # a reader must not create the home row
        return {"page": HOME_PAGE, "version": 0, "is_draft": False, "published_number": None,
                **copy.composition.as_dict()}
    page, comp = found
    return {"page": page.slug, "version": page.lock, "is_draft": False, "published_number": None,
            **comp.as_dict()}


def _expected_version(body: dict[str, Any]) -> int:
    header = (request.headers.get("If-Match") or "").strip().strip('W/').strip('"')
    if "version" in body:
        return int(body["version"])
    if header.isdigit():
        return int(header)
    raise ApiError(428, gettext(
        "Send the version you read (field \"version\" or header If-Match), so that nobody's "
        "changes are overwritten."
    ))


def _get(page_slug: str) -> Any:
    space = current_space()
    require("space.read", space)
    data = _answer(space, page_slug[:64])
    db.session.commit()
    return data, {"ETag": f'"{data["version"]}"'}


def _put(page_slug: str, body: dict[str, Any]) -> Any:
    space = current_space()
    require("space.settings", space)
    if (request.content_length or 0) > MAX_BYTES * 2:
        raise ApiError(413, gettext("The composition is too large (%(n)s bytes at most).", n=MAX_BYTES))
    expected = _expected_version(body)
    copy = working_copy(space, page_slug[:64])
    if copy is None:
        raise ApiError(404, gettext("No such page."))
    try:
        check_lock(space, copy.page.slug, expected)
        comp = validate_composition({"layout": body["layout"], "placements": body["placements"]})
        if body.get("publish", True):
            publish(space, copy.page.slug, comp, expected, me(), note=gettext("Saved through the API"))
        else:
            save_draft(space, copy.page.slug, comp, expected, me())
    except StaleComposition as exc:
        raise ApiError(409, str(exc)) from exc
    except CompositionInvalid as exc:
        raise ApiError(422, gettext("The composition was refused: %(why)s", why=str(exc))[:2000],
                       exc.errors) from exc
    db.session.commit()
    data = _answer(space, copy.page.slug)
    return data, {"ETag": f'"{data["version"]}"'}


def _respond(result: tuple[dict[str, Any], dict[str, str]]) -> Any:
    from flask import jsonify

    data, headers = result
    response = jsonify(CompositionSchema().dump(data))
    response.headers.update(headers)
    return response


@api_endpoint(api_bp, "/spaces/<space_slug>/composition", ["GET"], response=CompositionSchema, tags=TAGS)
def get_home_composition() -> Any:
    """The composition of the space home (draft for builders, published for readers)."""
    return _respond(_get(HOME_PAGE))


@api_endpoint(api_bp, "/spaces/<space_slug>/composition", ["PUT"], body=CompositionBodySchema,
              response=CompositionSchema, status=200, tags=TAGS, errors=(403, 404, 409, 413, 428))
def put_home_composition(body: dict[str, Any]) -> Any:
    """Replace the composition of the space home (validated; publishes unless ``publish`` is false)."""
    return _respond(_put(HOME_PAGE, body))


@api_endpoint(api_bp, "/spaces/<space_slug>/pages/<page_slug>/composition", ["GET"],
              response=CompositionSchema, tags=TAGS, errors=(404,))
def get_page_composition(page_slug: str) -> Any:
    """The composition of a composed page of the space."""
    return _respond(_get(page_slug))


@api_endpoint(api_bp, "/spaces/<space_slug>/pages/<page_slug>/composition", ["PUT"],
              body=CompositionBodySchema, response=CompositionSchema, status=200, tags=TAGS,
              errors=(403, 404, 409, 413, 428))
def put_page_composition(page_slug: str, body: dict[str, Any]) -> Any:
    """Replace the composition of a composed page (validated; publishes unless ``publish`` is false)."""
    return _respond(_put(page_slug, body))


@api_endpoint(api_bp, "/spaces/<space_slug>/space-file", ["GET"], tags=TAGS, errors=(403,),
              summary=str(_l("The space file: modules, theme and pages as JSON (space-as-code).")))
def get_space_file() -> Any:
    """The space file: modules, theme and pages as JSON (space-as-code)."""
    space = current_space()
    require("space.settings", space)
    data = export_space(space)
    db.session.commit()
    return data
