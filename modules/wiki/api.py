"""The wiki's JSON API, mounted at ``/api/v1/spaces/<space_slug>/wiki``.

Same permissions as the pages: reading needs ``space.read`` (checked by the core),
writing ``wiki.edit``, deleting ``wiki.delete``. Updates carry ``base_revision_id``;
saving over a newer revision answers 409 with the current revision, never overwrites.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, request, url_for
from flask_babel import gettext

from parvis import coedit
from parvis.api import (
    ApiError,
    Page,
    PageQuerySchema,
    api_endpoint,
    current_space,
    me,
    paginate,
    require,
)
from parvis.extensions import db
from parvis.services.permissions import can

from . import services
from .api_schemas import (
    PageBriefSchema,
    PageCreateSchema,
    PageDetailSchema,
    PageUpdateSchema,
    RevisionBriefSchema,
    RevisionSchema,
    TreeSchema,
)
from .coedit import KIND
from .helpers import render_body
from .models import WikiPage, WikiRevision
from .outline import PageNode, load_outline

api_bp = Blueprint("wiki_api", __name__)
TAGS = ["wiki"]


def _wiki_error(exc: services.WikiError) -> ApiError:
    if exc.field and exc.field != "base_revision_id":
        return ApiError(422, exc.message, {exc.field: [exc.message]})
    return ApiError(422 if exc.field else 409, exc.message)


def _page_or_error(slug: str) -> WikiPage | Any:
    """The live page at ``slug``; a 301 to its new URL if it moved; else an error."""
    space = current_space()
    page, moved = services.find_page(space, slug)
    if page is None:
        raise ApiError(404)
    if moved and request.method in {"GET", "HEAD"}:
        args = dict(request.view_args or {}, slug=page.slug)
        return redirect(url_for(request.endpoint, **args, **request.args.to_dict()), code=301)
    if page.is_deleted:
        raise ApiError(410, gettext("This page is in the trash."))
    return page


def _detail(page: WikiPage) -> dict[str, Any]:
    space = current_space()
    revision = page.current_revision
    rendered = render_body(page.body, space, can_create=can(me(), "wiki.edit", space))
    return {
        "id": page.id,
        "slug": page.slug,
        "title": page.title,
        "parent_id": page.parent_id,
        "position": page.position,
        "is_template": page.is_template,
        "updated_at": page.updated_at,
        "created_at": page.created_at,
        "markdown": page.body,
        "html": str(rendered.html),
        "revision_id": revision.id if revision else None,
        "revision_number": revision.number if revision else None,
        "url": services.page_url(page, space, _external=True),
        "backlinks": [slug for _id, _title, slug in services.backlinks(page)],
    }


@api_endpoint(api_bp, "/pages", ["GET"], query=PageQuerySchema, response=PageBriefSchema,
              paginated=True, tags=TAGS)
def list_pages(query: dict[str, Any]) -> Page:
    """Live pages of the space's wiki, by title."""
    space = current_space()
    stmt = (
        db.select(WikiPage)
        .where(WikiPage.space_id == space.id, WikiPage.deleted_at.is_(None))
        .order_by(WikiPage.title_key, WikiPage.id)
    )
    return paginate(stmt, query)


def _node(node: PageNode) -> dict[str, Any]:
    return {
        "id": node.id, "slug": node.slug, "title": node.title, "is_template": node.is_template,
        "children": [_node(child) for child in node.children],
    }


@api_endpoint(api_bp, "/tree", ["GET"], response=TreeSchema, tags=TAGS)
def page_tree() -> dict[str, Any]:
    """The page tree, nested, in display order."""
    return {"data": [_node(n) for n in load_outline(current_space()).roots]}


@api_endpoint(api_bp, "/pages", ["POST"], body=PageCreateSchema, response=PageDetailSchema,
              tags=TAGS, errors=[403])
def create_page(body: dict[str, Any]) -> dict[str, Any]:
    """Create a page (needs ``wiki.edit``)."""
    space = current_space()
    require("wiki.edit", space)
    try:
        page = services.create_page(space, me(), **body)
    except services.WikiError as exc:
        raise _wiki_error(exc) from exc
    db.session.commit()
    return _detail(page)


@api_endpoint(api_bp, "/pages/<slug>", ["GET"], response=PageDetailSchema, tags=TAGS,
              errors=[301, 404, 410])
def get_page(slug: str) -> Any:
    """One page with its markdown and HTML (a former slug answers 301)."""
    page = _page_or_error(slug)
    return page if not isinstance(page, WikiPage) else _detail(page)


@api_endpoint(api_bp, "/pages/<slug>", ["PUT"], body=PageUpdateSchema, response=PageDetailSchema,
              status=200, tags=TAGS, errors=[403, 404, 409, 410])
def update_page(slug: str, body: dict[str, Any]) -> Any:
    """Save a new revision; 409 with the current revision if the page changed since the base."""
    space = current_space()
    require("wiki.edit", space)
    page = _page_or_error(slug)
    coedit.before_form_save(KIND, page.id, me())  # uncut live changes make the base stale
    current = page.current_revision
    try:
        revision = services.save_page(
            page, space, me(),
            title=body.get("title", current.title if current else page.title),
            body=body.get("body", current.body if current else ""),
            summary=body.get("summary", ""),
            base_revision_id=body["base_revision_id"],
        )
    except services.EditConflict as exc:
        db.session.rollback()
        latest = exc.current
        return jsonify({
            "error": {
                "code": 409,
                "message": exc.message,
                "current_revision": {
                    "id": latest.id, "number": latest.number, "title": latest.title,
                    "markdown": latest.body,
                } if latest else None,
            }
        }), 409
    except services.WikiError as exc:
        raise _wiki_error(exc) from exc
    if "is_template" in body:
        page.is_template = bool(body["is_template"])
    db.session.commit()
    if revision is not None:
        coedit.stored_text_changed(KIND, page.id, revision.body, str(revision.id))
    return _detail(page)


@api_endpoint(api_bp, "/pages/<slug>", ["DELETE"], tags=TAGS, errors=[403, 404, 410])
def delete_page(slug: str) -> None:
    """Move a page to the trash (needs ``wiki.delete``)."""
    space = current_space()
    require("wiki.delete", space)
    page = _page_or_error(slug)
    services.delete_page(page, space, me())
    db.session.commit()


@api_endpoint(api_bp, "/pages/<slug>/revisions", ["GET"], query=PageQuerySchema,
              response=RevisionBriefSchema, paginated=True, tags=TAGS, errors=[404, 410])
def list_revisions(slug: str, query: dict[str, Any]) -> Any:
    """Revisions of a page, newest first (without their text)."""
    page = _page_or_error(slug)
    if not isinstance(page, WikiPage):
        return page
    stmt = (
        db.select(WikiRevision)
        .where(WikiRevision.page_id == page.id)
        .order_by(WikiRevision.number.desc())
        .options(db.defer(WikiRevision.body), db.joinedload(WikiRevision.author))
    )
    result = paginate(stmt, query)
    people = services.coauthors_of(page.id, result.items)
    result.items = [_RevisionView(r, None, people.get(r.id, [])) for r in result.items]
    return result


class _RevisionView:
    """A revision as the API shows it: with its HTML (one revision) and co-authors."""

    def __init__(self, revision: WikiRevision, html: str | None, coauthors: list[tuple[int, str]]) -> None:
        self._revision = revision
        self.html = html
        self.coauthors = [{"id": user_id, "name": name} for user_id, name in coauthors]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._revision, name)


@api_endpoint(api_bp, "/pages/<slug>/revisions/<int:number>", ["GET"], response=RevisionSchema,
              tags=TAGS, errors=[404, 410])
def get_revision(slug: str, number: int) -> Any:
    """One revision of a page, with its markdown and HTML."""
    page = _page_or_error(slug)
    if not isinstance(page, WikiPage):
        return page
    revision = services.get_revision(page, number)
    if revision is None:
        raise ApiError(404)
    html = str(render_body(revision.body, current_space()).html)
    return _RevisionView(revision, html, services.coauthors_of(page.id, [revision]).get(revision.id, []))


@api_endpoint(api_bp, "/pages/<slug>/revisions/<int:number>/restore", ["POST"],
              response=PageDetailSchema, status=200, tags=TAGS, errors=[403, 404, 410])
def restore_revision(slug: str, number: int) -> Any:
    """Make an old revision current again, as a new revision (needs ``wiki.edit``)."""
    space = current_space()
    require("wiki.edit", space)
    page = _page_or_error(slug)
    revision = services.get_revision(page, number)
    if revision is None:
        raise ApiError(404)
    coedit.before_form_save(KIND, page.id, me())
    try:
        restored = services.restore_revision(page, space, me(), revision)
    except services.WikiError as exc:
        raise _wiki_error(exc) from exc
    db.session.commit()
    if restored is not None:
        coedit.stored_text_changed(KIND, page.id, restored.body, str(restored.id))
    return _detail(page)
