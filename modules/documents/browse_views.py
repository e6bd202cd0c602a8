"""Folder pages: list, upload, new folder, new note, folder actions, trash, export."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from werkzeug.exceptions import ClientDisconnected

from parvis.extensions import db
from parvis.services.permissions import can

from . import listing, services
from .blueprint import (
    bp,
    doc_or_404,
    fail,
    folder_from_form,
    folder_or_404,
    folder_url,
    require,
    user,
)
from .models import DocFolder, Document
from .policy import can_edit, can_manage, can_restore, can_upload

MAX_FILES = 500


def _listing_page(folder: DocFolder | None, status: int = 200) -> Any:
    space = g.space
    opts = listing.parse_args(request.args)
    rows = services.folder_rows(space)
    result = listing.list_folder(space, folder, opts)
    if folder is not None:
        result.args["folder_id"] = folder.id
    return render_template(
        "documents/index.html",
        folder=folder,
        chain=services.ancestors(rows, folder.id if folder else None),
        listing=result,
        owners=listing.owners(space),
        quota=services.quota_summary(space),
        can_upload=can_upload(user(), space),
        can_manage=can_manage(user(), space),
        can_edit_folder=folder is not None and can_edit(user(), folder),
        move_targets=services.folder_paths(rows),
        kinds=listing.KINDS,
    ), status


@bp.get("/")
def index() -> Any:
    """The top level of the space's documents."""
    return _listing_page(None)


@bp.get("/f/<int:folder_id>")
def folder(folder_id: int) -> Any:
    return _listing_page(folder_or_404(folder_id))


@bp.post("/upload")
def upload() -> Any:
    """One or many files (or a whole folder) into a folder; same names become new versions."""
    require(can_upload(user(), g.space))
    try:
        target = folder_from_form()
        uploads = [f for f in request.files.getlist("files") if f and (f.filename or "").strip()]
    except ClientDisconnected:
        abort(400)
    back = folder_url(target.id if target else None)
    if not uploads:
        flash(gettext("Choose one or more files to upload."), "error")
        return redirect(back)
    if len(uploads) > MAX_FILES:
        flash(gettext("At most %(n)s files at once.", n=MAX_FILES), "error")
        return redirect(back)
    created, versions, refused = 0, 0, []
    for item in uploads:
        try:
            result = services.upload(g.space, target, item.stream, item.filename or "", user())
            services.commit()
        except services.DocError as exc:
            services.discard()
            refused.append(exc.message)
            continue
        finally:
            item.close()
        if result.new_document:
            created += 1
        else:
            versions += 1
    if created:
        flash(ngettext("%(num)s file uploaded.", "%(num)s files uploaded.", created), "success")
    if versions:
        flash(ngettext("%(num)s new version of an existing file.", "%(num)s new versions of existing files.",
                       versions), "success")
    for message in refused[:10]:
        flash(message, "error")
    if refused and not (created or versions):
        status = 413 if any("limit" in m or "quota" in m for m in refused) else 422
        return _listing_page(target, status)
    return redirect(back)


@bp.post("/folders")
def create_folder() -> Any:
    require(can_upload(user(), g.space))
    parent = folder_from_form("parent_id")
    try:
        created = services.create_folder(g.space, parent, request.form.get("name", ""), user())
        services.commit()
    except services.DocError as exc:
        return fail(exc, folder_url(parent.id if parent else None))
    flash(gettext("Folder “%(name)s” created.", name=created.name), "success")
    return redirect(folder_url(created.id))


@bp.route("/notes/new", methods=["GET", "POST"])
def new_note() -> Any:
    require(can_upload(user(), g.space))
    target = folder_from_form()
    error = None
    if request.method == "POST":
        try:
            doc = services.create_note(g.space, target, request.form.get("name", ""), request.form.get("body", ""), user())
            services.commit()
        except services.DocError as exc:
            services.discard()
            error = exc
        else:
            flash(gettext("Note created."), "success")
            return redirect(url_for("documents.show", doc_id=doc.id))
    return render_template(
        "documents/note_new.html", folder=target, error=error,
        name=request.form.get("name", ""), body=request.form.get("body", ""),
    ), (error.status if error else 200)


@bp.post("/f/<int:folder_id>/rename")
def rename_folder(folder_id: int) -> Any:
    target = folder_or_404(folder_id)
    require(can_edit(user(), target))
    try:
        services.rename(target, request.form.get("name", ""), user())
        services.commit()
    except services.DocError as exc:
        return fail(exc, folder_url(target.id))
    flash(gettext("Folder renamed."), "success")
    return redirect(folder_url(target.id))


@bp.post("/f/<int:folder_id>/move")
def move_folder(folder_id: int) -> Any:
    target = folder_or_404(folder_id)
    require(can_edit(user(), target))
    destination = folder_from_form("destination")
    try:
        services.move_folder(target, destination, user())
        services.commit()
    except services.DocError as exc:
        return fail(exc, folder_url(target.id))
    flash(gettext("Folder moved."), "success")
    return redirect(folder_url(target.id))


@bp.post("/f/<int:folder_id>/trash")
def trash_folder(folder_id: int) -> Any:
    target = folder_or_404(folder_id)
    require(can_manage(user(), g.space) or (can_edit(user(), target) and _empty(target)))
    parent = target.parent_id
    services.trash_folder(target, user())
    services.commit()
    flash(gettext("The folder and its content are in the trash."), "success")
    return redirect(folder_url(parent))


def _empty(target: DocFolder) -> bool:
    has_doc = db.session.scalar(db.select(Document.id).where(Document.folder_id == target.id,
                                                             Document.deleted_at.is_(None)).limit(1))
    has_folder = db.session.scalar(db.select(DocFolder.id).where(DocFolder.parent_id == target.id,
                                                                 DocFolder.deleted_at.is_(None)).limit(1))
    return has_doc is None and has_folder is None


# -- trash ----------------------------------------------------------------------------------


@bp.get("/trash")
def trash() -> Any:
    """What was put in the trash directly (content of trashed folders goes with them)."""
    space = g.space
    docs = list(db.session.scalars(
        db.select(Document).where(Document.space_id == space.id, Document.deleted_at.is_not(None),
                                  Document.trashed_with_id.is_(None))
        .order_by(Document.deleted_at.desc()).limit(500).options(db.joinedload(Document.deleted_by))
    ))
    folders = list(db.session.scalars(
        db.select(DocFolder).where(DocFolder.space_id == space.id, DocFolder.deleted_at.is_not(None),
                                   DocFolder.trashed_with_id.is_(None))
        .order_by(DocFolder.deleted_at.desc()).limit(500).options(db.joinedload(DocFolder.deleted_by))
    ))
    return render_template("documents/trash.html", docs=docs, folders=folders,
                           can_purge=can(user(), "documents.purge", space),
                           can_restore=lambda obj: can_restore(user(), obj))


@bp.post("/trash/d/<int:doc_id>/restore")
def restore_document(doc_id: int) -> Any:
    doc = doc_or_404(doc_id, deleted=True)
    if not doc.is_deleted:
        return redirect(url_for("documents.show", doc_id=doc.id))
    require(can_restore(user(), doc))
    services.restore_document(doc, user())
    services.commit()
    flash(gettext("“%(name)s” is restored.", name=doc.name), "success")
    return redirect(url_for("documents.show", doc_id=doc.id))


@bp.post("/trash/f/<int:folder_id>/restore")
def restore_folder(folder_id: int) -> Any:
    target = folder_or_404(folder_id, deleted=True)
    if not target.is_deleted:
        return redirect(folder_url(target.id))
    require(can_restore(user(), target))
    services.restore_folder(target, user())
    services.commit()
    flash(gettext("The folder “%(name)s” and its content are restored.", name=target.name), "success")
    return redirect(folder_url(target.id))


@bp.post("/trash/d/<int:doc_id>/purge")
def purge_document(doc_id: int) -> Any:
    doc = doc_or_404(doc_id, deleted=True)
    require(can(user(), "documents.purge", g.space))
    if not doc.is_deleted:
        abort(409)
    services.purge_document(doc)
    services.commit()
    flash(gettext("Deleted for good."), "success")
    return redirect(url_for("documents.trash"))


@bp.post("/trash/f/<int:folder_id>/purge")
def purge_folder(folder_id: int) -> Any:
    target = folder_or_404(folder_id, deleted=True)
    require(can(user(), "documents.purge", g.space))
    if not target.is_deleted:
        abort(409)
    services.purge_folder(target)
    services.commit()
    flash(gettext("Deleted for good."), "success")
    return redirect(url_for("documents.trash"))


# -- export ---------------------------------------------------------------------------------


@bp.get("/export.zip")
def export() -> Any:
    """Every live document (current version) as a ZIP with a ``manifest.json``."""
    require(can(user(), "documents.manage", g.space))
    from .export import export_response

    return export_response(g.space)


@bp.get("/search")
def search() -> Any:
    """Find documents by name across every folder of the space."""
    opts = listing.parse_args(request.args)
    result = listing.list_folder(g.space, None, opts, everywhere=True) if opts["q"] else None
    rows = services.folder_rows(g.space)
    paths = dict(services.folder_paths(rows))
    return render_template("documents/search.html", listing=result, q=opts["q"], paths=paths)
