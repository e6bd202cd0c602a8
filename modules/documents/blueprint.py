"""The documents HTML blueprint (``/s/<space_slug>/documents``) and shared view helpers."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from werkzeug.datastructures import ContentRange
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import wrap_file

from parvis.storage import StorageError, get_storage

from . import services
from .models import DocFolder, Document
from .names import download_name
from .policy import platform_max_file_bytes

bp = Blueprint("documents", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")

#: Downloads are never sniffed, scripted or framed.
DOWNLOAD_CSP = "default-src 'none'; sandbox"
#: The PDF preview: shown by the browser's PDF viewer inside the document page only.
PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
#: Endpoints that receive files: their request-size ceiling is the platform's file limit.
UPLOAD_ENDPOINTS = frozenset({"documents.upload", "documents.new_version", "documents_api.upload_documents",
                              "documents_api.upload_version"})


def user() -> Any:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def doc_or_404(doc_id: Any, *, deleted: bool = False) -> Document:
    doc = services.get_document(g.space, doc_id, deleted=deleted)
    if doc is None:
        abort(404)
    return doc


def folder_or_404(folder_id: Any, *, deleted: bool = False) -> DocFolder:
    folder = services.get_folder(g.space, folder_id, deleted=deleted)
    if folder is None:
        abort(404)
    return folder


def folder_from_form(name: str = "folder_id") -> DocFolder | None:
    """The folder a form names (empty: the top level); 404 for one not in this space."""
    raw = request.form.get(name) or request.args.get(name)
    if raw in (None, "", "0", "root"):
        return None
    return folder_or_404(raw)


def folder_url(folder_id: int | None) -> str:
    if folder_id is None:
        return url_for("documents.index")
    return url_for("documents.folder", folder_id=folder_id)


def fail(exc: services.DocError, back: str) -> Response:
    """Flash the refusal and go back (post/redirect/get), keeping the status visible."""
    services.discard()
    flash(exc.message, "error")
    return redirect(back)


def content_disposition(kind: str, name: str) -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''utf-8`` (RFC 6266)."""
    name = download_name(name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = ascii_name.replace('"', "_").replace("\\", "_").strip() or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_stored(key: str | None, *, name: str, content_type: str, size: int, etag: str,
                inline: bool = False, csp: str = DOWNLOAD_CSP, last_modified: Any = None) -> Response:
    """Stream a stored object (an attachment unless ``inline``), honouring ``Range``.

    Nothing is read in memory: the storage's stream is handed to the WSGI server
    chunk by chunk; a single byte range is served from ``Storage.open_range``.
    """
    if not key:
        abort(404)
    storage = get_storage()
    try:
        size = size or storage.size(key)
    except StorageError:
        abort(404)
    response = Response(mimetype=content_type or "application/octet-stream", direct_passthrough=True)
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Content-Disposition"] = content_disposition("inline" if inline else "attachment", name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = csp
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if "frame-ancestors 'self'" in csp else "DENY"
    response.cache_control.private = True
    response.cache_control.max_age = 0
    if request.if_none_match.contains(etag):
        response.status_code = 304
        return response
    byte_range = request.range
    if byte_range is not None and request.if_range.etag not in (None, etag) and not request.if_range.date:
        byte_range = None  # the client's copy is of another version: send it all
    try:
        if byte_range is not None and byte_range.units == "bytes" and len(byte_range.ranges) == 1:
            bounds = byte_range.range_for_length(size)
            if bounds is None:
                response.status_code = 416
                response.headers["Content-Range"] = f"bytes */{size}"
                return response
            start, stop = bounds
            stream = storage.open_range(key, start, stop - start)
            response.status_code = 206
            response.content_range = ContentRange("bytes", start, stop, size)
            response.content_length = stop - start
        else:
            stream = storage.open(key)
            response.content_length = size
    except StorageError:
        abort(404)
    response.response = wrap_file(request.environ, stream, 256 * 1024)  # type: ignore[arg-type]
    return response


def raise_upload_ceiling() -> None:
    """Before any form parsing (CSRF check included): allow big files on upload routes.

    Installed first among the app's ``before_request`` functions. The body is parsed
    by Werkzeug into temporary files on disk, never whole in memory; the space's own
    limits and quota are checked while the file is copied to the storage.
    """
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = platform_max_file_bytes() + 1024 * 1024


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge) -> tuple[str, int]:
    limit = services.human_size(platform_max_file_bytes())
    message = gettext("This file is too large: the limit is %(limit)s.", limit=limit)
    return render_template("documents/too_large.html", message=message), 413
