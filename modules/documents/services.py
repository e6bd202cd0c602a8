"""Documents operations: folders, uploads, versions, notes, moves, trash, locks.

Functions add to the caller's transaction; views end with :func:`commit`, which
commits and then deletes the stored objects of purged rows, or, if the commit fails,
deletes the objects written during the request so no orphan is left behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from flask import current_app, g
from flask_babel import format_decimal, gettext

from parvis.extensions import db
from parvis.models import Space, utcnow
from parvis.services import activity
from parvis.services.search import index_later
from parvis.storage import StorageError, get_storage

from . import files
from .models import MAX_NOTE, MAX_TEXT, DocFolder, Document, DocumentVersion
from .names import clean_name, name_key, split_upload_path, unique_name
from .policy import CONTENT_TYPE, MB, locked_for, max_file_bytes, quota_bytes, room_left
from .sniff import sniff

LOCK_MINUTES = 30
MAX_LOCK_MINUTES = 8 * 60


class DocError(ValueError):
    """A refused operation, with a message for the user and the form field at fault."""

    status = 422

    def __init__(self, message: str, field: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if status:
            self.status = status


class NoteConflict(DocError):
    """Someone saved the note since the editor opened it."""

    status = 409

    def __init__(self, doc: Document, base: DocumentVersion | None, current: DocumentVersion | None) -> None:
        super().__init__(
            gettext("Someone saved this note while you were editing it: your text is kept below, compare it with theirs and save again."),
            "body",
        )
        self.doc, self.base, self.current = doc, base, current


def human_size(size: int) -> str:
    if size < 1024:
        return gettext("%(n)s bytes", n=size)
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{format_decimal(round(value, 1))} {unit}"
    return str(size)  # pragma: no cover


# -- transaction and stored objects -----------------------------------------------------


def _new_keys() -> list[str]:
    return g.setdefault("documents_new_keys", [])


def _purged_keys() -> list[str]:
    return g.setdefault("documents_purged_keys", [])


def track_new(key: str | None) -> None:
    """Remember an object written in this request (deleted if the commit fails)."""
    if key:
        _new_keys().append(key)


def _delete_quietly(keys: list[str]) -> None:
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except StorageError:
            current_app.logger.warning("documents: could not delete stored object %s", key)


def commit() -> None:
    """Commit; then delete purged objects. On failure, delete this request's new objects."""
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _delete_quietly(g.pop("documents_new_keys", []))
        raise
    g.pop("documents_new_keys", None)
    _delete_quietly(g.pop("documents_purged_keys", []))


def discard() -> None:
    """Roll back and delete the objects this request wrote."""
    db.session.rollback()
    _delete_quietly(g.pop("documents_new_keys", []))
    g.pop("documents_purged_keys", None)


# -- lookups ------------------------------------------------------------------------------


def get_document(space: Space, doc_id: Any, *, deleted: bool = False) -> Document | None:
    """The document ``doc_id`` of ``space`` (live ones only unless ``deleted``)."""
    from parvis.input_guards import valid_id

    ident = valid_id(doc_id)
    if ident is None:
        return None
    doc = db.session.get(Document, ident)
    if doc is None or doc.space_id != space.id or (doc.is_deleted and not deleted):
        return None
    return doc


def get_folder(space: Space, folder_id: Any, *, deleted: bool = False) -> DocFolder | None:
    from parvis.input_guards import valid_id

    ident = valid_id(folder_id)
    if ident is None:
        return None
    folder = db.session.get(DocFolder, ident)
    if folder is None or folder.space_id != space.id or (folder.is_deleted and not deleted):
        return None
    return folder


def get_version(doc: Document, number: Any) -> DocumentVersion | None:
    from parvis.input_guards import valid_id

    n = valid_id(number)
    if n is None:
        return None
    return db.session.scalar(db.select(DocumentVersion).filter_by(document_id=doc.id, number=n))


def versions_of(doc: Document) -> list[DocumentVersion]:
    return list(
        db.session.scalars(
            db.select(DocumentVersion)
            .filter_by(document_id=doc.id)
            .order_by(DocumentVersion.number.desc())
            .options(db.joinedload(DocumentVersion.author))
        )
    )


def folder_rows(space: Space) -> list[tuple[int, int | None, str]]:
    """``(id, parent_id, name)`` of every live folder of the space (one query)."""
    return [
        tuple(row)  # type: ignore[misc]
        for row in db.session.execute(
            db.select(DocFolder.id, DocFolder.parent_id, DocFolder.name)
            .where(DocFolder.space_id == space.id, DocFolder.deleted_at.is_(None))
            .order_by(DocFolder.name_key)
        )
    ]


def ancestors(rows: list[tuple[int, int | None, str]], folder_id: int | None) -> list[tuple[int, str]]:
    """``[(id, name), ...]`` from the root down to ``folder_id`` (from :func:`folder_rows`)."""
    by_id = {r[0]: r for r in rows}
    chain: list[tuple[int, str]] = []
    seen: set[int] = set()
    while folder_id is not None and folder_id in by_id and folder_id not in seen:
        seen.add(folder_id)
        fid, parent, name = by_id[folder_id]
        chain.append((fid, name))
        folder_id = parent
    return list(reversed(chain))


def folder_paths(rows: list[tuple[int, int | None, str]]) -> list[tuple[int, str]]:
    """``[(id, "A / B / C"), ...]`` of every folder, sorted by path (move targets)."""
    paths = [(fid, " / ".join(name for _i, name in ancestors(rows, fid))) for fid, _p, _n in rows]
    return sorted(paths, key=lambda p: p[1].casefold())


def descendant_folder_ids(space: Space, folder: DocFolder, rows: list[tuple[int, int | None, str]] | None = None) -> set[int]:
    """Ids of ``folder`` and every live folder below it."""
    rows = rows if rows is not None else folder_rows(space)
    children: dict[int | None, list[int]] = {}
    for fid, parent, _name in rows:
        children.setdefault(parent, []).append(fid)
    found = {folder.id}
    todo = [folder.id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _taken_names(space: Space, folder_id: int | None, *, exclude_doc: int | None = None) -> set[str]:
    """Name keys of the live documents and folders in a folder."""
    docs = db.select(Document.name_key).where(
        Document.space_id == space.id,
        Document.folder_id.is_(None) if folder_id is None else Document.folder_id == folder_id,
        Document.deleted_at.is_(None),
    )
    if exclude_doc:
        docs = docs.where(Document.id != exclude_doc)
    folders = db.select(DocFolder.name_key).where(
        DocFolder.space_id == space.id,
        DocFolder.parent_id.is_(None) if folder_id is None else DocFolder.parent_id == folder_id,
        DocFolder.deleted_at.is_(None),
    )
    return set(db.session.scalars(docs)) | set(db.session.scalars(folders))


def _doc_named(space: Space, folder_id: int | None, name: str) -> Document | None:
    return db.session.scalar(
        db.select(Document).where(
            Document.space_id == space.id,
            Document.folder_id.is_(None) if folder_id is None else Document.folder_id == folder_id,
            Document.name_key == name_key(name),
            Document.deleted_at.is_(None),
        ).limit(1)
    )


def _folder_named(space: Space, parent_id: int | None, name: str) -> DocFolder | None:
    return db.session.scalar(
        db.select(DocFolder).where(
            DocFolder.space_id == space.id,
            DocFolder.parent_id.is_(None) if parent_id is None else DocFolder.parent_id == parent_id,
            DocFolder.name_key == name_key(name),
            DocFolder.deleted_at.is_(None),
        ).limit(1)
    )


def url_of(doc: Document) -> str:
    from flask import url_for

    return url_for("documents.show", space_slug=doc.space.slug, doc_id=doc.id)


def _activity(verb: str, doc: Document, user: Any) -> None:
    activity.record(verb, actor=user, space=doc.space, target_type=CONTENT_TYPE, target_id=doc.id,
                    title=doc.name, url=url_of(doc))


# -- folders ------------------------------------------------------------------------------


def create_folder(space: Space, parent: DocFolder | None, raw_name: str, user: Any) -> DocFolder:
    name = clean_name(raw_name, fallback="")
    if not name:
        raise DocError(gettext("Give the folder a name."), "name")
    pid = parent.id if parent else None
    if name_key(name) in _taken_names(space, pid):
        raise DocError(gettext("Something in this folder already has this name."), "name")
    folder = DocFolder(space_id=space.id, parent_id=pid, name=name, name_key=name_key(name), created_by_id=user.id)
    db.session.add(folder)
    db.session.flush()
    return folder


def ensure_path(space: Space, parent: DocFolder | None, names: list[str], user: Any) -> DocFolder | None:
    """The folder at ``parent/names...``, creating the missing ones."""
    folder = parent
    for name in names:
        pid = folder.id if folder else None
        found = _folder_named(space, pid, name)
        if found is None:
            found = DocFolder(space_id=space.id, parent_id=pid, name=name, name_key=name_key(name), created_by_id=user.id)
            db.session.add(found)
            db.session.flush()
        folder = found
    return folder


# -- uploads and versions ---------------------------------------------------------------


@dataclass
class Uploaded:
    doc: Document
    version: DocumentVersion
    new_document: bool


def _too_large_message(space: Space, by_quota: bool) -> str:
    if by_quota:
        return gettext(
            "There is not enough room left in this space's documents (quota: %(quota)s).",
            quota=human_size(quota_bytes(space) or 0),
        )
    return gettext("This file is too large: the limit is %(limit)s.", limit=human_size(max_file_bytes(space)))


def upload_limit(space: Space) -> tuple[int, bool]:
    """``(bytes, limited by the quota?)`` the next file may take."""
    per_file = max_file_bytes(space)
    left = room_left(space)
    if left is not None and left < per_file:
        return left, True
    return per_file, False


def store_upload(space: Space, stream: IO[bytes], filename: str) -> files.Stored:
    """Stream one upload to the storage within the space's limits."""
    limit, by_quota = upload_limit(space)
    try:
        stored = files.store_stream(stream, limit)
    except files.TooLarge:
        raise DocError(_too_large_message(space, by_quota), "files", 413) from None
    track_new(stored.key)
    if stored.size == 0:
        get_storage().delete(stored.key)
        raise DocError(gettext("“%(name)s” is empty.", name=filename), "files")
    return stored


def upload(space: Space, folder: DocFolder | None, stream: IO[bytes], raw_filename: str, user: Any,
           *, target: Document | None = None) -> Uploaded:
    """Store one uploaded file in ``folder``: a new document, or a new version of the
    live document of the same name (or of ``target``: "upload a new version")."""
    if target is not None:
        name = target.name
        folder_names: list[str] = []
    else:
        folder_names, name = split_upload_path(raw_filename)
    if target is None:
        folder = ensure_path(space, folder, folder_names, user)
        existing = _doc_named(space, folder.id if folder else None, name)
        if existing is not None and existing.is_note:
            name = unique_name(name, _taken_names(space, folder.id if folder else None))
            existing = None
        elif existing is None and _folder_named(space, folder.id if folder else None, name):
            name = unique_name(name, _taken_names(space, folder.id if folder else None))
    else:
        existing = target
    if existing is not None and locked_for(existing, user):
        raise DocError(
            gettext("“%(name)s” is locked by %(who)s: a new version cannot be uploaded until the lock ends.",
                    name=existing.name, who=existing.lock_owner.name if existing.lock_owner else "?"),
            "files", 423,
        )
    if existing is not None and existing.is_note:
        raise DocError(gettext("A note cannot receive a file as a new version."), "files")
    stored = store_upload(space, stream, name)
    content_type, preview = sniff(stored.head, name)
    doc = existing
    new_document = doc is None
    if doc is None:
        doc = Document(space_id=space.id, folder_id=folder.id if folder else None, name=name,
                       name_key=name_key(name), kind="file", owner_id=user.id)
        db.session.add(doc)
        db.session.flush()
    version = _add_version(doc, user, key=stored.key, size=stored.size, sha256=stored.sha256,
                           filename=name, content_type=content_type, preview=preview, head=stored.head)
    _activity("documents.uploaded" if new_document else "documents.version_added", doc, user)
    return Uploaded(doc, version, new_document)


def _add_version(doc: Document, user: Any, *, key: str | None, size: int, filename: str, content_type: str,
                 preview: str, sha256: str | None = None, body: str | None = None, head: bytes = b"",
                 restored_from: int | None = None, source: DocumentVersion | None = None) -> DocumentVersion:
    number = doc.version_count + 1
    version = DocumentVersion(
        document_id=doc.id, space_id=doc.space_id, number=number, storage_key=key, body=body,
        filename=filename, content_type=content_type, preview=preview, size=size, sha256=sha256,
        author_id=user.id, restored_from=restored_from,
    )
    if source is not None:
        version.width, version.height = source.width, source.height
        version.preview_note, version.text_content = source.preview_note, source.text_content
        if source.thumb_key:
            try:
                version.thumb_key = get_storage().copy(source.thumb_key)
                track_new(version.thumb_key)
            except StorageError:
                version.thumb_key = None
    elif key is not None:
        _derive(version, head)
    elif body is not None:
        from parvis.services.markdown import plain_text

        version.text_content = plain_text(body)[:MAX_TEXT]
    db.session.add(version)
    db.session.flush()
    doc.version_count = number
    doc.current_version_id = version.id
    doc.current_version = version
    doc.size = size
    doc.content_type = content_type
    doc.preview = version.preview
    doc.updated_at = utcnow()
    doc.updated_by_id = user.id
    index_later(CONTENT_TYPE, doc.id)
    return version


def _derive(version: DocumentVersion, head: bytes) -> None:
    """Thumbnail of an image, text of a PDF or a text file (for previews and search)."""
    key = version.storage_key
    assert key is not None
    if version.preview == "image":
        thumb = files.make_thumbnail(key, version.size)
        version.width, version.height, version.preview_note = thumb.width, thumb.height, thumb.note
        if thumb.key:
            version.thumb_key = thumb.key
            track_new(thumb.key)
        else:
            version.preview = "none"
    elif version.preview == "pdf":
        text, readable = files.extract_pdf_text(key, version.size)
        version.text_content = text
        if not readable:
            version.preview, version.preview_note = "none", "corrupted"
    elif version.preview in {"text", "markdown", "csv"}:
        text, _truncated = files.read_text(key, MAX_TEXT * 4)
        version.text_content = text[:MAX_TEXT]


def restore_version(doc: Document, version: DocumentVersion, user: Any) -> DocumentVersion:
    """Make an old version current again, as a new version (history is kept)."""
    if locked_for(doc, user):
        raise DocError(gettext("This document is locked by someone else."), None, 423)
    if doc.is_note:
        new = _add_version(doc, user, key=None, size=version.size, filename=doc.name,
                           content_type="text/markdown", preview="note", body=version.body or "",
                           restored_from=version.number)
    else:
        limit, by_quota = upload_limit(doc.space)
        if version.size > limit:
            raise DocError(_too_large_message(doc.space, by_quota), None, 413)
        try:
            key = get_storage().copy(version.storage_key or "")
        except StorageError:
            raise DocError(gettext("The stored file of this version is missing."), None, 404) from None
        track_new(key)
        new = _add_version(doc, user, key=key, size=version.size, sha256=version.sha256, filename=version.filename,
                           content_type=version.content_type, preview=version.preview,
                           restored_from=version.number, source=version)
    _activity("documents.version_restored", doc, user)
    return new


# -- notes --------------------------------------------------------------------------------


def _note_body(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n")
    if len(body) > MAX_NOTE:
        raise DocError(gettext("A note holds at most %(n)s characters.", n=MAX_NOTE), "body")
    return body


def _mention(doc: Document, user: Any, body: str, before: str = "") -> None:
    from parvis.services.markdown import mentioned_usernames
    from parvis.services.mentions import notify_mentions

    new = sorted(set(mentioned_usernames(body)) - set(mentioned_usernames(before)))
    if new:
        notify_mentions(text=" ".join(f"@{h}" for h in new), space=doc.space, actor=user,
                        title=doc.name, url=url_of(doc))


def create_note(space: Space, folder: DocFolder | None, raw_name: str, body: str, user: Any) -> Document:
    name = clean_name(raw_name, fallback="")
    if not name:
        raise DocError(gettext("Give the note a name."), "name")
    if not name.lower().endswith(".md"):
        name = clean_name(name + ".md")
    body = _note_body(body)
    fid = folder.id if folder else None
    if name_key(name) in _taken_names(space, fid):
        raise DocError(gettext("Something in this folder already has this name."), "name")
    size = len(body.encode())
    left = room_left(space)
    if left is not None and size > left:
        raise DocError(_too_large_message(space, True), "body", 413)
    doc = Document(space_id=space.id, folder_id=fid, name=name, name_key=name_key(name), kind="note",
                   owner_id=user.id, content_type="text/markdown", preview="note")
    db.session.add(doc)
    db.session.flush()
    _add_version(doc, user, key=None, size=size, filename=name, content_type="text/markdown",
                 preview="note", body=body)
    _mention(doc, user, body)
    _activity("documents.note_created", doc, user)
    return doc


def save_note(doc: Document, body: str, base_version_id: Any, user: Any) -> DocumentVersion | None:
    """Save a new version of a note made from ``base_version_id``.

    Refused with :class:`NoteConflict` when someone saved in between (the caller
    shows both texts); None when nothing changed.
    """
    from parvis.input_guards import valid_id

    if locked_for(doc, user):
        raise DocError(
            gettext("This note is locked by %(who)s until %(when)s.", who=doc.lock_owner.name if doc.lock_owner else "?",
                    when=doc.lock_expires_at.strftime("%H:%M") if doc.lock_expires_at else ""),
            "body", 423,
        )
    body = _note_body(body)
    base_id = valid_id(base_version_id)
    current = doc.current_version
    if base_id is None:
        raise DocError(gettext("The edit form is incomplete: reload the page and try again."), "body")
    if current is None or base_id != current.id:
        base = db.session.get(DocumentVersion, base_id)
        if base is not None and base.document_id != doc.id:
            base = None
        raise NoteConflict(doc, base, current)
    if body == (current.body or ""):
        return None
    size = len(body.encode())
    left = room_left(doc.space)
    if left is not None and size > left:
        raise DocError(_too_large_message(doc.space, True), "body", 413)
    before = current.body or ""
    version = _add_version(doc, user, key=None, size=size, filename=doc.name, content_type="text/markdown",
                           preview="note", body=body)
    _mention(doc, user, body, before)
    _activity("documents.note_edited", doc, user)
    return version


# -- rename, move, copy -------------------------------------------------------------------


def rename(obj: Document | DocFolder, raw_name: str, user: Any) -> None:
    if isinstance(obj, Document) and locked_for(obj, user):
        raise DocError(gettext("This document is locked by someone else."), "name", 423)
    name = clean_name(raw_name, fallback="")
    if not name:
        raise DocError(gettext("The name cannot be empty."), "name")
    parent = obj.folder_id if isinstance(obj, Document) else obj.parent_id
    taken = _taken_names(obj.space, parent) - {obj.name_key}
    if name_key(name) in taken:
        raise DocError(gettext("Something in this folder already has this name."), "name")
    obj.name, obj.name_key = name, name_key(name)
    if isinstance(obj, Document):
        obj.updated_at = utcnow()
        index_later(CONTENT_TYPE, obj.id)


def move_document(doc: Document, target: DocFolder | None, user: Any) -> None:
    if locked_for(doc, user):
        raise DocError(gettext("This document is locked by someone else."), "folder", 423)
    tid = target.id if target else None
    if tid == doc.folder_id:
        return
    if doc.name_key in _taken_names(doc.space, tid):
        raise DocError(gettext("The target folder already holds something with this name."), "folder")
    doc.folder_id = tid
    index_later(CONTENT_TYPE, doc.id)


def move_folder(folder: DocFolder, target: DocFolder | None, user: Any) -> None:
    tid = target.id if target else None
    if tid == folder.parent_id:
        return
    if tid is not None and tid in descendant_folder_ids(folder.space, folder):
        raise DocError(gettext("A folder cannot be moved into itself or one of its sub-folders."), "folder")
    if folder.name_key in _taken_names(folder.space, tid):
        raise DocError(gettext("The target folder already holds something with this name."), "folder")
    folder.parent_id = tid


def copy_document(doc: Document, target: DocFolder | None, user: Any) -> Document:
    """A new document with a copy of the current version (history is not copied)."""
    current = doc.current_version
    if current is None:
        raise DocError(gettext("This document has no content to copy."), None)
    tid = target.id if target else None
    space = doc.space
    name = unique_name(doc.name, _taken_names(space, tid))
    limit, by_quota = upload_limit(space)
    if current.size > limit:
        raise DocError(_too_large_message(space, by_quota), None, 413)
    copy = Document(space_id=space.id, folder_id=tid, name=name, name_key=name_key(name), kind=doc.kind,
                    owner_id=user.id, content_type=doc.content_type, preview=doc.preview)
    db.session.add(copy)
    db.session.flush()
    key = None
    if current.storage_key:
        try:
            key = get_storage().copy(current.storage_key)
        except StorageError:
            raise DocError(gettext("The stored file of this document is missing."), None, 404) from None
        track_new(key)
    _add_version(copy, user, key=key, size=current.size, sha256=current.sha256, filename=name,
                 content_type=current.content_type, preview=current.preview, body=current.body,
                 source=current if key else None)
    _activity("documents.uploaded", copy, user)
    return copy


# -- trash --------------------------------------------------------------------------------


def trash_document(doc: Document, user: Any) -> None:
    if locked_for(doc, user):
        raise DocError(gettext("This document is locked by someone else."), None, 423)
    doc.deleted_at, doc.deleted_by_id, doc.trashed_with_id = utcnow(), user.id, None
    doc.lock_owner_id = doc.lock_expires_at = None
    index_later(CONTENT_TYPE, doc.id)


def trash_folder(folder: DocFolder, user: Any) -> None:
    """Trash a folder with everything below it (restored together)."""
    ids = descendant_folder_ids(folder.space, folder)
    now = utcnow()
    folder.deleted_at, folder.deleted_by_id, folder.trashed_with_id = now, user.id, None
    below = ids - {folder.id}
    if below:
        db.session.execute(
            db.update(DocFolder).where(DocFolder.id.in_(below), DocFolder.deleted_at.is_(None))
            .values(deleted_at=now, deleted_by_id=user.id, trashed_with_id=folder.id)
        )
    doc_ids = list(db.session.scalars(db.select(Document.id).where(
        Document.folder_id.in_(ids), Document.deleted_at.is_(None))))
    if doc_ids:
        db.session.execute(
            db.update(Document).where(Document.id.in_(doc_ids))
            .values(deleted_at=now, deleted_by_id=user.id, trashed_with_id=folder.id)
        )
    for did in doc_ids:
        index_later(CONTENT_TYPE, did)


def restore_document(doc: Document, user: Any) -> None:
    space = doc.space
    if doc.folder_id is not None:
        folder = db.session.get(DocFolder, doc.folder_id)
        if folder is None or folder.is_deleted:
            doc.folder_id = None  # its folder is in the trash: back to the root
    doc.name = unique_name(doc.name, _taken_names(space, doc.folder_id))
    doc.name_key = name_key(doc.name)
    doc.deleted_at = doc.deleted_by_id = doc.trashed_with_id = None
    index_later(CONTENT_TYPE, doc.id)


def restore_folder(folder: DocFolder, user: Any) -> None:
    if folder.parent_id is not None:
        parent = db.session.get(DocFolder, folder.parent_id)
        if parent is None or parent.is_deleted:
            folder.parent_id = None
    folder.name = unique_name(folder.name, _taken_names(folder.space, folder.parent_id))
    folder.name_key = name_key(folder.name)
    folder.deleted_at = folder.deleted_by_id = folder.trashed_with_id = None
    db.session.execute(db.update(DocFolder).where(DocFolder.trashed_with_id == folder.id)
                       .values(deleted_at=None, deleted_by_id=None, trashed_with_id=None))
    doc_ids = list(db.session.scalars(db.select(Document.id).where(Document.trashed_with_id == folder.id)))
    db.session.execute(db.update(Document).where(Document.trashed_with_id == folder.id)
                       .values(deleted_at=None, deleted_by_id=None, trashed_with_id=None))
    for did in doc_ids:
        index_later(CONTENT_TYPE, did)


def _keys_of(doc_ids: Any) -> list[str]:
    keys: list[str] = []
    for key, thumb in db.session.execute(
        db.select(DocumentVersion.storage_key, DocumentVersion.thumb_key).where(DocumentVersion.document_id.in_(doc_ids))
    ):
        keys += [k for k in (key, thumb) if k]
    return keys


def purge_document(doc: Document) -> None:
    """Delete a document for good: rows now, stored objects after the commit."""
    _purged_keys().extend(_keys_of([doc.id]))
    from parvis.services.search import remove_later

    remove_later(CONTENT_TYPE, doc.id)
    doc.current_version_id = None
    db.session.flush()
    db.session.execute(db.delete(DocumentVersion).where(DocumentVersion.document_id == doc.id))
    db.session.delete(doc)


def purge_folder(folder: DocFolder) -> None:
    ids = list(db.session.scalars(db.select(DocFolder.id).where(
        db.or_(DocFolder.id == folder.id, DocFolder.trashed_with_id == folder.id))))
    # Folders trashed earlier on their own below this one go too.
    ids = list(descendant_folder_ids(folder.space, folder, _all_folder_rows(folder.space)) | set(ids))
    docs = list(db.session.scalars(db.select(Document).where(Document.folder_id.in_(ids))))
    for doc in docs:
        purge_document(doc)
    db.session.flush()
    for fid in sorted(ids, reverse=True):
        child = db.session.get(DocFolder, fid)
        if child is not None:
            db.session.delete(child)


def _all_folder_rows(space: Space) -> list[tuple[int, int | None, str]]:
    return [tuple(r) for r in db.session.execute(  # type: ignore[misc]
        db.select(DocFolder.id, DocFolder.parent_id, DocFolder.name).where(DocFolder.space_id == space.id))]


# -- locks --------------------------------------------------------------------------------


def lock(doc: Document, user: Any, minutes: int = LOCK_MINUTES) -> None:
    if locked_for(doc, user):
        raise DocError(gettext("This document is already locked by %(who)s.",
                               who=doc.lock_owner.name if doc.lock_owner else "?"), None, 423)
    minutes = max(5, min(int(minutes), MAX_LOCK_MINUTES))
    doc.lock_owner_id = user.id
    doc.lock_expires_at = utcnow() + timedelta(minutes=minutes)


def unlock(doc: Document, user: Any, *, force: bool = False) -> None:
    if locked_for(doc, user) and not force:
        raise DocError(gettext("Only the lock's owner or a moderator may unlock this document."), None, 403)
    doc.lock_owner_id = doc.lock_expires_at = None


def quota_summary(space: Space) -> dict[str, Any]:
    from .policy import usage

    used = usage(space)
    quota = quota_bytes(space)
    return {
        "used": used,
        "quota": quota,
        "max_file": max_file_bytes(space),
        "percent": min(100, round(used * 100 / quota)) if quota else None,
        "used_label": human_size(used),
        "quota_label": human_size(quota) if quota else None,
        "max_file_label": human_size(max_file_bytes(space)),
    }


__all__ = ["MB"]


def coauthors_of(doc: Document, versions: list[DocumentVersion]) -> dict[int, list[tuple[int, str]]]:
    """Version id -> ``(user id, name)`` of the people who co-edited it live, besides its
    author (one query for a note; files are never co-edited)."""
    from parvis import coedit

    from .coedit import KIND

    if not doc.is_note:
        return {}
    found = coedit.coauthors(KIND, doc.id, [str(v.id) for v in versions])
    authors = {str(v.id): v.author_id for v in versions}
    return {
        int(key): [(user_id, name) for user_id, name in people if user_id != authors.get(key)]
        for key, people in found.items()
    }

