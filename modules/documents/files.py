"""Bytes in and out of the storage: streamed uploads, thumbnails, text extraction.

Nothing here reads a whole file in memory: uploads are copied from the request's
temporary file to the storage in chunks, and the few things that need random access
(Pillow, pypdf) get a disk-backed spool of bounded size.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
import warnings
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image, ImageOps

from parvis.storage import StorageError, get_storage

from .models import MAX_TEXT

#: Images larger than this (pixels) are not decoded: decompression bombs.
MAX_IMAGE_PIXELS = 40_000_000
#: Largest image file a thumbnail is made of, and largest PDF text is extracted from.
MAX_IMAGE_BYTES = 50 * 1024 * 1024
MAX_PDF_BYTES = 100 * 1024 * 1024
MAX_PDF_PAGES = 200
THUMB_SIZE = (1024, 1024)
#: How much of a text file the preview shows.
PREVIEW_TEXT_BYTES = 256 * 1024
PREVIEW_CSV_ROWS = 200
PREVIEW_CSV_COLUMNS = 40
HEAD_BYTES = 8192
CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The stream went past the allowed size (the stored part is discarded)."""


class LimitedReader:
    """Wrap a stream: count, hash and keep the head of what is read; stop past ``limit``."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.size = 0
        self.head = b""
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        # Fill the request (a short read is not the end of the stream, but some
        # readers, boto3's among them, take it for one).
        want = CHUNK if size is None or size < 0 else size
        parts = []
        got = 0
        while got < want:
            part = self.stream.read(want - got)
            if not part:
                break
            parts.append(part)
            got += len(part)
        data = b"".join(parts)
        if not data:
            return b""
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge(self.size)
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self.digest.update(data)
        return data


@dataclass
class Stored:
    """An object just written to the storage."""

    key: str
    size: int
    sha256: str
    head: bytes


def store_stream(stream: IO[bytes], limit: int, content_type: str = "application/octet-stream") -> Stored:
    """Copy ``stream`` to the storage in chunks; :class:`TooLarge` past ``limit`` bytes.

    A refused or interrupted copy leaves nothing behind (the backends write to a
    temporary object and publish it only when complete).
    """
    reader = LimitedReader(stream, limit)
    key = get_storage().save(reader, content_type=content_type)  # type: ignore[arg-type]
    return Stored(key, reader.size, reader.digest.hexdigest(), reader.head)


def spool(key: str, limit: int) -> IO[bytes] | None:
    """A seekable, disk-backed copy of a stored object (None if missing or too large)."""
    storage = get_storage()
    try:
        if storage.size(key) > limit:
            return None
        source = storage.open(key)
    except StorageError:
        return None
    out = tempfile.SpooledTemporaryFile(max_size=CHUNK)
    with source:
        while chunk := source.read(CHUNK):
            out.write(chunk)
    out.seek(0)
    return out


@dataclass
class Thumbnail:
    key: str | None
    width: int | None = None
    height: int | None = None
    note: str | None = None


def make_thumbnail(key: str, size: int) -> Thumbnail:
    """Store a reduced copy of an image; refuse bombs and corrupted files."""
    if size > MAX_IMAGE_BYTES:
        return Thumbnail(None, note="too_large")
    source = spool(key, MAX_IMAGE_BYTES)
    if source is None:
        return Thumbnail(None, note="missing")
    with source, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(source)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return Thumbnail(None, width, height, note="too_many_pixels")
            image.draft("RGB", THUMB_SIZE)
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMB_SIZE)
            alpha = image.mode in ("RGBA", "LA", "P") and (
                image.mode != "P" or "transparency" in image.info
            )
            out = io.BytesIO()
            if alpha:
                image.convert("RGBA").save(out, "PNG", optimize=True)
                ctype = "image/png"
            else:
                image.convert("RGB").save(out, "JPEG", quality=82)
                ctype = "image/jpeg"
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return Thumbnail(None, note="too_many_pixels")
        except Exception:  # noqa: BLE001 - any decoding error means "no preview"
            return Thumbnail(None, note="corrupted")
    out.seek(0)
    thumb_key = get_storage().save(out, content_type=ctype)
    return Thumbnail(thumb_key, width, height)


def thumbnail_type(head: bytes) -> str:
    return "image/png" if head.startswith(b"\x89PNG") else "image/jpeg"


def extract_pdf_text(key: str, size: int) -> tuple[str | None, bool]:
    """``(text, readable)``: the first pages' text (capped), and whether pypdf could parse it."""
    if size > MAX_PDF_BYTES:
        return None, True
    source = spool(key, MAX_PDF_BYTES)
    if source is None:
        return None, False
    from pypdf import PdfReader

    parts: list[str] = []
    length = 0
    with source, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(source)
            pages = reader.pages
            for index in range(min(len(pages), MAX_PDF_PAGES)):
                try:
                    text = pages[index].extract_text() or ""
                except Exception:  # noqa: BLE001, S112 - a broken page: skip it
                    continue
                parts.append(text)
                length += len(text)
                if length >= MAX_TEXT:
                    break
        except Exception:  # noqa: BLE001 - not a PDF pypdf can read
            return None, False
    return "\n".join(parts)[:MAX_TEXT], True


def read_text(key: str, limit: int = PREVIEW_TEXT_BYTES) -> tuple[str, bool]:
    """``(text, truncated)``: the first ``limit`` bytes of a stored text file."""
    try:
        with get_storage().open(key) as stream:
            data = stream.read(limit + 1)
    except StorageError:
        return "", False
    truncated = len(data) > limit
    return data[:limit].decode("utf-8", errors="replace").removeprefix("\ufeff"), truncated


def csv_rows(text: str) -> tuple[list[list[str]], bool]:
    """Rows of a CSV text for the preview table (bounded); the dialect is sniffed."""
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    truncated = False
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            if len(rows) >= PREVIEW_CSV_ROWS:
                truncated = True
                break
            rows.append([cell[:500] for cell in row[:PREVIEW_CSV_COLUMNS]])
    except csv.Error:
        truncated = True
    return rows, truncated
