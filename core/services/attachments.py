"""Uploaded files attached to module objects, stored through :mod:`parvis.storage`.

The browser's file name and content type are never trusted: the stored key is
random, the kept file name is ``secure_filename``'d (the original is only shown),
and the content type of images is sniffed from the bytes.
"""

from __future__ import annotations

import mimetypes
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from typing import IO, Any

from flask import current_app
from flask_babel import format_decimal, gettext
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from ..extensions import db
from ..models import Attachment, Space, User
from ..storage import StorageError, get_storage
from .content_errors import ContentError
from .content_targets import resolve_target, valid_id

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: Raster image types that may be shown inline (never SVG: it can hold scripts).
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
#: Types a browser could execute or render as a page: stored as opaque bytes instead.
ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "text/ecmascript",
    }
)
OCTET_STREAM = "application/octet-stream"
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def max_bytes() -> int:
    """The upload size limit (``ATTACHMENT_MAX_BYTES``, 20 MB by default)."""
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def format_size(size: int) -> str:
    """A human, localised file size: ``"1,5 MB"``."""
    if size < 1024:
        return gettext("%(n)s bytes", n=size)
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{format_decimal(round(size, 1))} {unit}"
    return str(size)  # pragma: no cover


def sniff_image_type(head: bytes) -> str | None:
    """The raster image type these first bytes belong to, else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def detect_content_type(head: bytes, filename: str) -> str:
    """Sniffed image type, else the type the extension suggests unless risky.

    An image extension on bytes that are not an image, an unknown extension, and
    anything a browser could render as active content give ``application/octet-stream``.
    """
    sniffed = sniff_image_type(head)
    if sniffed:
        return sniffed
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    guessed, _encoding = mimetypes.guess_type(filename, strict=False)
    if not guessed or guessed.startswith("image/") or guessed in ACTIVE_TYPES:
        return OCTET_STREAM
    if guessed.startswith("text/"):
        return OCTET_STREAM if guessed not in {"text/plain", "text/csv", "text/markdown"} else guessed
    return guessed


def display_name(raw: str | None) -> str:
    """The uploaded name without folders or control characters, for display only."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _CONTROL_RE.sub("", name).strip().lstrip(".")
    return name[:255] or gettext("file")


def safe_filename(raw: str | None) -> str:
    """``secure_filename`` of the name, never empty, at most 255 characters."""
    name = secure_filename(unicodedata.normalize("NFKD", raw or ""))
    if not name or name.startswith("."):
        ext = secure_filename(raw.rsplit(".", 1)[-1]) if raw and "." in raw else ""
        name = f"file.{ext}" if ext else "file"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) < 10 else name[:255]
    return name


def spool_upload(stream: IO[bytes], limit: int) -> tuple[IO[bytes], int, bytes]:
    """Copy ``stream`` to a temporary file; refuse it as soon as it exceeds ``limit``."""
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    size = 0
    head = b""
    while True:
        chunk = stream.read(64 * 1024)
        if not chunk:
            break
        if len(head) < 64:
            head += chunk[: 64 - len(head)]
        size += len(chunk)
        if size > limit:
            spool.close()
            raise ContentError(
                gettext(
                    "This file is too large: the limit is %(limit)s.",
                    limit=format_size(limit),
                ),
                "file",
            )
        spool.write(chunk)
    spool.seek(0)
    return spool, size, head


def save_upload(
    file_storage: FileStorage | None,
    *,
    space: Space,
    uploader: User,
    target_type: str | None = None,
    target_id: int | None = None,
) -> Attachment:
    """Store an uploaded file and record it; attached to the target when one is given.

    The caller checks ``space.upload`` and, for a target, that it resolves in
    ``space`` for ``uploader`` (this function checks it again); it commits.
    """
    if file_storage is None or not (file_storage.filename or "").strip():
        raise ContentError(gettext("Choose a file to upload."), "file")
    if target_type or target_id:
        if resolve_target(target_type, target_id, uploader, space) is None:
            raise ContentError(gettext("This content does not exist or is not visible."), "target_id")
    spool, size, head = spool_upload(file_storage.stream, max_bytes())
    if size == 0:
        spool.close()
        raise ContentError(gettext("This file is empty."), "file")
    filename = safe_filename(file_storage.filename)
    content_type = detect_content_type(head, filename)
    try:
        key = get_storage().save(spool, content_type=content_type)
    finally:
        spool.close()
    attachment = Attachment(
        space_id=space.id,
        target_type=target_type or None,
        target_id=int(target_id) if target_type else None,
        uploader_id=uploader.id,
        filename=filename,
        display_name=display_name(file_storage.filename),
        content_type=content_type,
        size=size,
        storage_key=key,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def attach(
    attachment_ids: Iterable[int | str],
    *,
    space: Space,
    uploader: User,
    target_type: str,
    target_id: int,
) -> list[Attachment]:
    """Attach ``uploader``'s own unattached uploads of ``space`` to a target.

    Ids of other people's files, other spaces' files or already attached files are
    ignored. Returns the attachments that were attached.
    """
    ids = [i for i in (valid_id(raw) for raw in attachment_ids) if i is not None]
    if not ids:
        return []
    rows = list(
        db.session.scalars(
            db.select(Attachment).filter(
                Attachment.id.in_(ids),
                Attachment.space_id == space.id,
                Attachment.uploader_id == uploader.id,
                Attachment.target_type.is_(None),
            )
        )
    )
    for attachment in rows:
        attachment.target_type = target_type
        attachment.target_id = int(target_id)
    return rows


def attachments_for(target_type: str, ids: Iterable[int]) -> dict[int, list[Attachment]]:
    """Attachments per target id, oldest first (an empty list for none); one query."""
    ids = [int(i) for i in ids]
    result: dict[int, list[Attachment]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = db.session.scalars(
        db.select(Attachment)
        .filter(Attachment.target_type == target_type, Attachment.target_id.in_(ids))
        .order_by(Attachment.created_at, Attachment.id)
    )
    for attachment in rows:
        result[attachment.target_id].append(attachment)
    return result


def can_delete(user: Any, attachment: Attachment) -> bool:
    """The uploader (while a member who may upload) or a moderator of the space."""
    from .permissions import can

    space = db.session.get(Space, attachment.space_id) if attachment.space_id else None
    if space is None:
        return bool(getattr(user, "is_platform_admin", False))
    if can(user, "space.moderate", space):
        return True
    return attachment.uploader_id == getattr(user, "id", None) and can(user, "space.upload", space)


def delete_attachment(att: Attachment, actor: Any) -> None:
    """Delete the record, then the stored bytes (a missing file is not an error)."""
    key = att.storage_key
    if getattr(actor, "id", None) != att.uploader_id:
        from . import audit

        audit.record(
            "attachment.deleted",
            actor=actor,
            space=db.session.get(Space, att.space_id) if att.space_id else None,
            target=att,
            details={"filename": att.filename, "uploader_id": att.uploader_id},
        )
    db.session.delete(att)
    db.session.flush()
    try:
        get_storage().delete(key)
    except StorageError:
        current_app.logger.warning("could not delete stored file %s", key)


def open_attachment(att: Attachment) -> IO[bytes]:
    """A binary stream of the attachment's bytes (:class:`StorageError` if gone)."""
    return get_storage().open(att.storage_key)


def delete_for(target_type: str, ids: Iterable[int], actor: Any = None) -> int:
    """Delete the attachments of these targets, rows and stored files."""
    found = attachments_for(target_type, ids)
    count = 0
    for items in found.values():
        for att in items:
            delete_attachment(att, actor if actor is not None else att.uploader)
            count += 1
    return count
