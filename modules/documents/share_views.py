"""Pages behind a share link (``/m/documents/share/<token>``), open to anyone holding it.

Read-only: the file's name, size and date, a download button and, for images, the
server-made thumbnail. Nothing else of the space is reachable from here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from parvis.extensions import db
from parvis.models import utcnow

from . import files
from .blueprint import send_stored
from .models import ShareLink
from .shares import find_active

share_bp = Blueprint("documents_share", __name__, template_folder="templates")


def _link_or_404(token: str) -> ShareLink:
    link = find_active(token)
    if link is None:
        abort(404)
    return link


@share_bp.get("/share/<token>")
def shared(token: str) -> Any:
    link = _link_or_404(token)
    doc = link.document
    version = doc.current_version
    if version is None:
        abort(404)
    response = render_template("documents/shared.html", link=link, doc=doc, version=version, token=token)
    return response, 200, {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow",
                           "Cache-Control": "private, no-store"}


@share_bp.get("/share/<token>/download")
def shared_download(token: str) -> Any:
    link = _link_or_404(token)
    doc = link.document
    version = doc.current_version
    if version is None:
        abort(404)
    link.downloads = (link.downloads or 0) + 1
    link.last_used_at = utcnow()
    db.session.commit()
    if version.body is not None and not version.storage_key:
        from .doc_views import _send_version

        return _send_version(doc, version)
    response = send_stored(version.storage_key, name=doc.name, content_type=version.content_type,
                           size=version.size, etag=f"s{version.id}", last_modified=version.created_at)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@share_bp.get("/share/<token>/thumb")
def shared_thumb(token: str) -> Any:
    link = _link_or_404(token)
    version = link.document.current_version
    if version is None or not version.thumb_key:
        abort(404)
    from parvis.storage import StorageError, get_storage

    try:
        with get_storage().open(version.thumb_key) as stream:
            head = stream.read(8)
    except StorageError:
        abort(404)
    return send_stored(version.thumb_key, name=link.document.name, content_type=files.thumbnail_type(head),
                       size=0, etag=f"st{version.id}", inline=True)
