"""One document: preview, downloads, versions, note editing, actions, locks, share links."""

from __future__ import annotations

import difflib
from typing import Any

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.exceptions import ClientDisconnected

from parvis import coedit
from parvis.extensions import db
from parvis.security_headers import CSP as PAGE_CSP
from parvis.services.permissions import can

from . import files, services, shares
from .blueprint import (
    PDF_CSP,
    bp,
    doc_or_404,
    fail,
    folder_from_form,
    folder_url,
    require,
    send_stored,
    user,
)
from .coedit import KIND, live_key
from .models import Document, DocumentVersion, ShareLink
from .policy import CONTENT_TYPE, can_edit, can_manage, can_upload, locked_for, shares_enabled


def _version_or_404(doc: Document, number: Any) -> DocumentVersion:
    version = services.get_version(doc, number)
    if version is None:
        abort(404)
    return version


def _preview(doc: Document, version: DocumentVersion) -> dict[str, Any]:
    """What the page needs to show ``version`` (bounded reads of text files)."""
    kind = version.preview
    data: dict[str, Any] = {"kind": kind}
    if kind in {"text", "markdown", "csv"} and version.storage_key:
        text, truncated = files.read_text(version.storage_key)
        data.update(text=text, truncated=truncated)
        if kind == "csv":
            data["rows"], data["rows_truncated"] = files.csv_rows(text)
    return data


@bp.get("/d/<int:doc_id>")
def show(doc_id: int) -> Any:
    doc = doc_or_404(doc_id)
    version = doc.current_version
    if version is None:
        abort(404)
    space = g.space
    me = user()
    rows = services.folder_rows(space)
    links = shares.links_of(doc) if can(me, "documents.share", space) else []
    new_token = request.args.get("token") if links else None
    versions = services.versions_of(doc)
    live = coedit.live_text(KIND, doc.id) if doc.is_note else None
    html = render_template(
        "documents/show.html",
        doc=doc,
        version=version,
        versions=versions,
        live_body=live,
        coauthors=_coauthors(doc, versions),
        preview=_preview(doc, version),
        chain=services.ancestors(rows, doc.folder_id),
        move_targets=services.folder_paths(rows),
        can_upload=can_upload(me, space),
        can_edit=can_edit(me, doc),
        can_manage=can_manage(me, space),
        locked=locked_for(doc, me),
        can_share=can(me, "documents.share", space) and shares_enabled(space),
        share_links=links,
        new_token=new_token,
        expiry_choices=shares.EXPIRY_CHOICES,
        content_type_id=CONTENT_TYPE,
    )
    response = make_response(html)
    if version.preview == "pdf":
        # The page frames its own PDF preview (same origin, nothing else).
        response.headers["Content-Security-Policy"] = PAGE_CSP.replace("frame-src 'none'", "frame-src 'self'")
    return response


def _coauthors(doc: Document, versions: list[DocumentVersion]) -> dict[int, list[str]]:
    """Version id -> names of the people who co-edited it live, besides its author."""
    return {
        version_id: [name for _user_id, name in people]
        for version_id, people in services.coauthors_of(doc, versions).items()
    }


@bp.get("/d/<int:doc_id>/download")
def download(doc_id: int) -> Any:
    doc = doc_or_404(doc_id)
    version = doc.current_version
    if version is None:
        abort(404)
    return _send_version(doc, version)


@bp.get("/d/<int:doc_id>/v/<int:number>/download")
def download_version(doc_id: int, number: int) -> Any:
    doc = doc_or_404(doc_id)
    return _send_version(doc, _version_or_404(doc, number))


def _send_version(doc: Document, version: DocumentVersion) -> Any:
    if version.body is not None and not version.storage_key:
        from flask import Response

        from .names import download_name

        response = Response(version.body, mimetype="text/markdown")
        response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + _quote(download_name(doc.name))
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
    return send_stored(version.storage_key, name=doc.name if version.number == doc.version_count else version.filename,
                       content_type=version.content_type, size=version.size,
                       etag=f"v{version.id}", last_modified=version.created_at)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@bp.get("/d/<int:doc_id>/thumb")
@bp.get("/d/<int:doc_id>/v/<int:number>/thumb")
def thumbnail(doc_id: int, number: int | None = None) -> Any:
    """The server-made reduced copy of an image (never the uploaded bytes)."""
    doc = doc_or_404(doc_id)
    version = _version_or_404(doc, number) if number else doc.current_version
    if version is None or not version.thumb_key:
        abort(404)
    return _send_thumb(doc, version)


def _send_thumb(doc: Document, version: DocumentVersion) -> Any:
    from parvis.storage import StorageError, get_storage

    try:
        with get_storage().open(version.thumb_key or "") as stream:
            head = stream.read(8)
    except StorageError:
        abort(404)
    return send_stored(version.thumb_key, name=doc.name, content_type=files.thumbnail_type(head), size=0,
                       etag=f"t{version.id}", inline=True, last_modified=version.created_at)


@bp.get("/d/<int:doc_id>/pdf")
def pdf(doc_id: int) -> Any:
    """The current PDF, inline, for the browser's PDF viewer framed by the document page."""
    doc = doc_or_404(doc_id)
    version = doc.current_version
    if version is None or version.preview != "pdf":
        abort(404)
    return send_stored(version.storage_key, name=doc.name, content_type="application/pdf", size=version.size,
                       etag=f"p{version.id}", inline=True, csp=PDF_CSP, last_modified=version.created_at)


# -- changes ------------------------------------------------------------------------------


def _back(doc: Document) -> str:
    return url_for("documents.show", doc_id=doc.id)


@bp.post("/d/<int:doc_id>/versions")
def new_version(doc_id: int) -> Any:
    """Upload a new version of a file (any name: it keeps the document's)."""
    doc = doc_or_404(doc_id)
    require(can_upload(user(), g.space))
    try:
        item = request.files.get("file")
    except ClientDisconnected:
        abort(400)
    if item is None or not (item.filename or "").strip():
        flash(gettext("Choose a file to upload."), "error")
        return redirect(_back(doc))
    try:
        services.upload(g.space, doc.folder, item.stream, item.filename or "", user(), target=doc)
        services.commit()
    except services.DocError as exc:
        return fail(exc, _back(doc))
    finally:
        item.close()
    flash(gettext("New version uploaded."), "success")
    return redirect(_back(doc))


@bp.post("/d/<int:doc_id>/v/<int:number>/restore")
def restore_version(doc_id: int, number: int) -> Any:
    doc = doc_or_404(doc_id)
    require(can_upload(user(), g.space))
    version = _version_or_404(doc, number)
    if doc.is_note:
        # Live changes not cut yet are kept as their own version before the restore.
        coedit.before_form_save(KIND, doc.id, user())
    try:
        restored = services.restore_version(doc, version, user())
        services.commit()
    except services.DocError as exc:
        return fail(exc, _back(doc))
    if doc.is_note:
        coedit.stored_text_changed(KIND, doc.id, restored.body or "", str(restored.id))
    flash(gettext("Version %(n)s is the current version again.", n=number), "success")
    return redirect(_back(doc))


@bp.route("/d/<int:doc_id>/edit", methods=["GET", "POST"])
def edit_note(doc_id: int) -> Any:
    doc = doc_or_404(doc_id)
    if not doc.is_note:
        abort(404)
    require(can_upload(user(), g.space))
    current = doc.current_version
    body = current.body if current else ""
    base_id = current.id if current else None
    conflict = error = None
    live = request.method == "GET" and not locked_for(doc, user())
    if request.method == "POST" and request.form.get("coedit") == "1":
        return _save_live(doc)
    if request.method == "POST":
        body = request.form.get("body", "")
        # Live changes not cut yet become a version first: this form's base is then
        # stale and the conflict view protects both texts.
        coedit.before_form_save(KIND, doc.id, user())
        try:
            saved = services.save_note(doc, body, request.form.get("base_version_id"), user())
            services.commit()
        except services.NoteConflict as exc:
            services.discard()
            conflict = _conflict(exc, body)
            base_id = exc.current.id if exc.current else None
        except services.DocError as exc:
            services.discard()
            error = exc
        else:
            if saved is not None:
                coedit.stored_text_changed(KIND, doc.id, saved.body or "", str(saved.id))
            flash(gettext("Note saved.") if saved else gettext("Nothing changed."), "success")
            return redirect(_back(doc))
    status = 409 if conflict else (error.status if error else 200)
    return render_template("documents/note_edit.html", doc=doc, body=body, base_id=base_id, conflict=conflict,
                           error=error, locked=locked_for(doc, user()),
                           coedit_doc=live_key(doc) if live else None), status


def _save_live(doc: Document) -> Any:
    """The form posted from the live editor: the co-editing service cuts a version
    from the shared text (the textarea's copy is not used)."""
    try:
        saved = coedit.cut_revision(KIND, doc.id, user(), "")
    except services.DocError as exc:
        services.discard()
        flash(exc.message, "error")
        return redirect(url_for("documents.edit_note", doc_id=doc.id))
    flash(gettext("Note saved.") if saved else gettext("Nothing changed."), "success")
    return redirect(_back(doc))


def _conflict(exc: services.NoteConflict, mine: str) -> dict[str, Any]:
    theirs = exc.current.body if exc.current else ""
    diff = list(difflib.unified_diff(
        (theirs or "").splitlines(), mine.splitlines(), gettext("their version"), gettext("your text"), lineterm="", n=2,
    ))[:400]
    return {"theirs": theirs, "author": exc.current.author if exc.current else None,
            "saved_at": exc.current.created_at if exc.current else None, "diff": diff}


@bp.post("/d/<int:doc_id>/rename")
def rename(doc_id: int) -> Any:
    doc = doc_or_404(doc_id)
    require(can_edit(user(), doc))
    try:
        services.rename(doc, request.form.get("name", ""), user())
        services.commit()
    except services.DocError as exc:
        return fail(exc, _back(doc))
    flash(gettext("Renamed."), "success")
    return redirect(_back(doc))


@bp.post("/d/<int:doc_id>/move")
def move(doc_id: int) -> Any:
    doc = doc_or_404(doc_id)
    require(can_edit(user(), doc))
    destination = folder_from_form("destination")
    try:
        services.move_document(doc, destination, user())
        services.commit()
    except services.DocError as exc:
        return fail(exc, _back(doc))
    flash(gettext("Moved."), "success")
    return redirect(_back(doc))


@bp.post("/d/<int:doc_id>/copy")
def copy(doc_id: int) -> Any:
    doc = doc_or_404(doc_id)
    require(can_upload(user(), g.space))
    destination = folder_from_form("destination")
    try:
        created = services.copy_document(doc, destination, user())
        services.commit()
    except services.DocError as exc:
        return fail(exc, _back(doc))
    flash(gettext("Copied as “%(name)s”.", name=created.name), "success")
    return redirect(url_for("documents.show", doc_id=created.id))


@bp.post("/d/<int:doc_id>/trash")
def trash_document(doc_id: int) -> Any:
    doc = doc_or_404(doc_id)
    require(can_edit(user(), doc))
    try:
        services.trash_document(doc, user())
        services.commit()
    except services.DocError as exc:
        return fail(exc, _back(doc))
    flash(gettext("“%(name)s” is in the trash.", name=doc.name), "success")
    return redirect(folder_url(doc.folder_id))


@bp.post("/d/<int:doc_id>/lock")
def lock(doc_id: int) -> Any:
    doc = doc_or_404(doc_id)
    require(can_upload(user(), g.space))
    try:
        services.lock(doc, user(), request.form.get("minutes", services.LOCK_MINUTES, type=int) or services.LOCK_MINUTES)
        services.commit()
    except services.DocError as exc:
        return fail(exc, _back(doc))
    flash(gettext("Locked: others cannot change this document until you unlock it or the lock ends."), "success")
    return redirect(_back(doc))


@bp.post("/d/<int:doc_id>/unlock")
def unlock(doc_id: int) -> Any:
    doc = doc_or_404(doc_id)
    require(can_upload(user(), g.space))
    try:
        services.unlock(doc, user(), force=can_manage(user(), g.space))
        services.commit()
    except services.DocError as exc:
        return fail(exc, _back(doc))
    flash(gettext("Unlocked."), "success")
    return redirect(_back(doc))


# -- share links ----------------------------------------------------------------------------


@bp.post("/d/<int:doc_id>/shares")
def create_share(doc_id: int) -> Any:
    doc = doc_or_404(doc_id)
    require(can(user(), "documents.share", g.space))
    try:
        _link, token = shares.create_link(doc, user(), request.form.get("days", 7))
        services.commit()
    except services.DocError as exc:
        return fail(exc, _back(doc))
    share_url = url_for("documents_share.shared", token=token, _external=True)
    flash(gettext("Share link created. Copy it now, it will not be shown again: %(url)s", url=share_url), "success")
    return redirect(_back(doc))


@bp.post("/shares/<int:link_id>/revoke")
def revoke_share(link_id: int) -> Any:
    link = db.session.get(ShareLink, link_id)
    if link is None or link.space_id != g.space.id:
        abort(404)
    require(can(user(), "documents.share", g.space))
    shares.revoke(link)
    services.commit()
    flash(gettext("The link no longer works."), "success")
    return redirect(url_for("documents.show", doc_id=link.document_id))
