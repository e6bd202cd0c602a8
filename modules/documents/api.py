"""JSON API of the documents, mounted at ``/api/v1/spaces/<space_slug>/documents/``.

Same rules as the pages: readers of the space list, read and download; members
upload (multipart ``files``) and add versions; refused writes change nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for
from flask_babel import gettext
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from parvis.api import ApiError, Page, PageQuerySchema, api_endpoint, current_space, me
from parvis.errors import api_error

from . import listing, services
from .blueprint import send_stored
from .models import DocFolder, Document, DocumentVersion
from .policy import can_upload, platform_max_file_bytes

api_bp = Blueprint("documents_api", __name__)
TAGS = ("documents",)


@api_bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> Any:
    """A body above the platform's file limit: 413 naming the limit (as the upload form)."""
    limit = services.human_size(platform_max_file_bytes())
    return api_error(413, gettext("This file is too large: the limit is %(limit)s.", limit=limit))


class DocumentsFolderSchema(Schema):
    """A folder; ``parent_id`` null is the top level."""

    id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    created_at = fields.DateTime()


class DocumentsFolderListSchema(Schema):
    """Every live folder of the space."""

    data = fields.List(fields.Nested(DocumentsFolderSchema), required=True)


class DocumentsFolderCreateSchema(Schema):
    """A new folder."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    parent_id = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1))


class DocumentsDocumentSchema(Schema):
    """A file or a markdown note; ``version`` is the number of its current version."""

    id = fields.Integer(required=True)
    folder_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    kind = fields.String(metadata={"description": "file or note"})
    content_type = fields.String(metadata={"description": "Detected from the content, not the extension."})
    size = fields.Integer()
    version = fields.Integer(attribute="version_count")
    owner_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    locked_by = fields.Integer(allow_none=True)
    lock_expires_at = fields.DateTime(allow_none=True)
    url = fields.String()
    download_url = fields.String()


class DocumentsUploadSchema(Schema):
    """What an upload created (new documents or new versions)."""

    data = fields.List(fields.Nested(DocumentsDocumentSchema), required=True)
    errors = fields.List(fields.String())


class DocumentsVersionSchema(Schema):
    """One version of a document."""

    number = fields.Integer(required=True)
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String(allow_none=True)
    author_id = fields.Integer(allow_none=True)
    coauthors = fields.List(
        fields.Nested(Schema.from_dict({"id": fields.Integer(required=True), "name": fields.String(required=True)},
                                       name="DocumentsCoauthorSchema")),
        metadata={"description": "People who co-edited this version of a note live, besides its author."},
    )
    created_at = fields.DateTime()
    restored_from = fields.Integer(allow_none=True)
    download_url = fields.String()


class DocumentsVersionListSchema(Schema):
    """Every version of a document, newest first."""

    data = fields.List(fields.Nested(DocumentsVersionSchema), required=True)


class DocumentsListQuerySchema(PageQuerySchema):
    """Which folder, filters and order."""

    folder_id = fields.Integer(load_default=None, validate=validate.Range(min=1),
                               metadata={"description": "Folder to list; omit for the top level."})
    q = fields.String(load_default="", validate=validate.Length(max=100))
    kind = fields.String(load_default="", validate=validate.OneOf(["", *listing.KINDS]))
    sort = fields.String(load_default="name", validate=validate.OneOf(list(listing.SORTS)))
    order = fields.String(load_default="asc", validate=validate.OneOf(["asc", "desc"]))


def _doc_payload(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id, "folder_id": doc.folder_id, "name": doc.name, "kind": doc.kind,
        "content_type": doc.content_type, "size": doc.size, "version_count": doc.version_count,
        "owner_id": doc.owner_id, "created_at": doc.created_at, "updated_at": doc.updated_at,
        "locked_by": doc.lock_owner_id if doc.lock_active else None,
        "lock_expires_at": doc.lock_expires_at if doc.lock_active else None,
        "url": url_for("documents.show", doc_id=doc.id, _external=True),
        "download_url": url_for("documents_api.download_document", doc_id=doc.id, _external=True),
    }


def _doc(doc_id: int) -> Document:
    doc = services.get_document(current_space(), doc_id)
    if doc is None:
        raise ApiError(404)
    return doc


def _folder(folder_id: Any) -> DocFolder | None:
    if folder_id in (None, "", 0, "0"):
        return None
    folder = services.get_folder(current_space(), folder_id)
    if folder is None:
        raise ApiError(404)
    return folder


def _writer() -> None:
    if not can_upload(me(), current_space()):
        raise ApiError(403)


@api_endpoint(api_bp, "/folders", ["GET"], response=DocumentsFolderListSchema, tags=TAGS)
def list_folders() -> Any:
    """Every live folder of the space (build the tree with ``parent_id``)."""
    from parvis.extensions import db

    folders = db.session.scalars(db.select(DocFolder).where(
        DocFolder.space_id == current_space().id, DocFolder.deleted_at.is_(None)).order_by(DocFolder.name_key))
    return {"data": list(folders)}


@api_endpoint(api_bp, "/folders", ["POST"], body=DocumentsFolderCreateSchema, response=DocumentsFolderSchema,
              tags=TAGS, errors=(403, 404))
def create_folder(body: dict[str, Any]) -> Any:
    """Create a folder (in ``parent_id``, else at the top level)."""
    _writer()
    try:
        folder = services.create_folder(current_space(), _folder(body.get("parent_id")), body["name"], me())
        services.commit()
    except services.DocError as exc:
        raise ApiError(exc.status, exc.message, {exc.field or "_schema": [exc.message]}) from None
    return folder


@api_endpoint(api_bp, "/documents", ["GET"], query=DocumentsListQuerySchema, response=DocumentsDocumentSchema,
              paginated=True, tags=TAGS, errors=(404,))
def list_documents(query: dict[str, Any]) -> Any:
    """One page of a folder's documents."""
    folder = _folder(query.get("folder_id"))
    opts = {"sort": query["sort"], "order": query["order"], "q": query["q"].replace("\x00", ""), "kind": query["kind"],
            "owner_id": None, "page": query["page"], "per_page": query["per_page"]}
    result = listing.list_folder(current_space(), folder, opts)
    return Page([_doc_payload(d) for d in result.items], result.page, result.per_page, result.total)


@api_endpoint(api_bp, "/documents", ["POST"], response=DocumentsUploadSchema, tags=TAGS,
              errors=(403, 404, 413, 423))
def upload_documents() -> Any:
    """Upload files (multipart field ``files``, optional ``folder_id``).

    A file named like a live document of the folder becomes its new version. Each
    file is checked against the size limit and the quota while it is streamed.
    """
    _writer()
    try:
        folder = _folder(request.form.get("folder_id"))
        uploads = [f for f in request.files.getlist("files") if f and (f.filename or "").strip()]
    except ClientDisconnected:
        raise ApiError(400) from None
    if not uploads:
        raise ApiError(422, None, {"files": ["Choose one or more files to upload."]})
    done, errors, status = [], [], 201
    for item in uploads:
        try:
            result = services.upload(current_space(), folder, item.stream, item.filename or "", me())
            services.commit()
        except services.DocError as exc:
            services.discard()
            errors.append(exc.message)
            status = exc.status
            continue
        done.append(_doc_payload(result.doc))
    if not done:
        raise ApiError(status, errors[0], {"files": errors})
    return DocumentsUploadSchema().dump({"data": done, "errors": errors}), 201


@api_endpoint(api_bp, "/documents/<int:doc_id>", ["GET"], response=DocumentsDocumentSchema, tags=TAGS, errors=(404,))
def get_document(doc_id: int) -> Any:
    """One document."""
    return _doc_payload(_doc(doc_id))


@api_endpoint(api_bp, "/documents/<int:doc_id>/versions", ["GET"], response=DocumentsVersionListSchema,
              tags=TAGS, errors=(404,))
def list_versions(doc_id: int) -> Any:
    """Every version of a document, newest first."""
    doc = _doc(doc_id)
    versions = services.versions_of(doc)
    people = services.coauthors_of(doc, versions)
    return {"data": [_version_payload(doc, v, people.get(v.id, [])) for v in versions]}


def _version_payload(
    doc: Document, v: DocumentVersion, coauthors: list[tuple[int, str]] | None = None
) -> dict[str, Any]:
    return {
        "number": v.number, "filename": v.filename, "content_type": v.content_type, "size": v.size,
        "sha256": v.sha256, "author_id": v.author_id, "created_at": v.created_at, "restored_from": v.restored_from,
        "coauthors": [{"id": user_id, "name": name} for user_id, name in coauthors or ()],
        "download_url": url_for("documents_api.download_version", doc_id=doc.id, number=v.number, _external=True),
    }


@api_endpoint(api_bp, "/documents/<int:doc_id>/versions", ["POST"], response=DocumentsDocumentSchema, tags=TAGS,
              errors=(403, 404, 413, 423))
def upload_version(doc_id: int) -> Any:
    """Upload a new version of a file (multipart field ``file``)."""
    doc = _doc(doc_id)
    _writer()
    try:
        item = request.files.get("file")
    except ClientDisconnected:
        raise ApiError(400) from None
    if item is None or not (item.filename or "").strip():
        raise ApiError(422, None, {"file": ["Choose a file to upload."]})
    try:
        services.upload(current_space(), doc.folder, item.stream, item.filename or "", me(), target=doc)
        services.commit()
    except services.DocError as exc:
        services.discard()
        raise ApiError(exc.status, exc.message, {"file": [exc.message]}) from None
    return _doc_payload(doc)


@api_endpoint(api_bp, "/documents/<int:doc_id>/download", ["GET"], tags=TAGS, errors=(404,))
def download_document(doc_id: int) -> Any:
    """The current version's bytes (streamed, as an attachment)."""
    doc = _doc(doc_id)
    return _send(doc, doc.current_version)


@api_endpoint(api_bp, "/documents/<int:doc_id>/versions/<int:number>/download", ["GET"], tags=TAGS, errors=(404,))
def download_version(doc_id: int, number: int) -> Any:
    """One version's bytes (streamed, as an attachment)."""
    doc = _doc(doc_id)
    return _send(doc, services.get_version(doc, number))


def _send(doc: Document, version: DocumentVersion | None) -> Any:
    if version is None:
        raise ApiError(404)
    if version.storage_key is None:
        from .doc_views import _send_version

        return _send_version(doc, version)
    return send_stored(version.storage_key, name=version.filename, content_type=version.content_type,
                       size=version.size, etag=f"v{version.id}", last_modified=version.created_at)
