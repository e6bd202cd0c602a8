"""Profile photos, space icons and banners: sniffed raster images in the storage."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, abort, send_file
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from ..storage import get_storage
from ..storage.base import StorageError
from .attachments import INLINE_IMAGE_TYPES, sniff_image_type, spool_upload
from .content_errors import ContentError

#: Largest accepted image.
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_CSP = "default-src 'none'; sandbox"


def store_image(file_storage: FileStorage | None, replaces: str | None = None) -> str:
    """Store an uploaded PNG, JPEG, GIF or WebP image; return its storage key.

    The type is read from the bytes, never from the name or the browser; anything
    else (SVG included: it can carry scripts) is refused with a :class:`ContentError`.
    The image it ``replaces`` is deleted once the new one is stored.
    """
    if file_storage is None or not file_storage.filename:
        raise ContentError(gettext("Choose an image file."), "image")
    spool, _size, head = spool_upload(file_storage.stream, IMAGE_MAX_BYTES)
    content_type = sniff_image_type(head)
    if content_type not in INLINE_IMAGE_TYPES:
        spool.close()
        raise ContentError(gettext("Use a PNG, JPEG, GIF or WebP image."), "image")
    storage = get_storage()
    with spool:
        key = storage.save(spool, content_type=content_type)
    if replaces:
        delete_image(replaces)
    return key


def delete_image(key: str | None) -> None:
    """Remove a stored image; a missing file is not an error."""
    if not key:
        return
    try:
        get_storage().delete(key)
    except StorageError:
        pass


def serve_image(key: str | None) -> Response:
    """Send a stored image inline with a sandboxing CSP, or 404."""
    if not key:
        abort(404)
    storage = get_storage()
    try:
        stream: Any = storage.open(key)
    except (StorageError, FileNotFoundError, OSError):
        abort(404)
    with stream:  # images are small (IMAGE_MAX_BYTES): read once, close at once
        data = stream.read(IMAGE_MAX_BYTES + 1)
    content_type = sniff_image_type(data[:64])
    if content_type not in INLINE_IMAGE_TYPES:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype=content_type, max_age=300, conditional=False)
    response.headers["Content-Security-Policy"] = IMAGE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response
