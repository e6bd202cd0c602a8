"""What a file is, decided from its bytes (the extension only names a text flavour).

``sniff(head, name)`` returns ``(content_type, preview)``. Raster images and PDFs are
recognised by their magic numbers; text is UTF-8 without NUL bytes. Markup a browser
could run (HTML, SVG, XML, scripts) is never given its real type: it is stored as
``application/octet-stream`` and only ever downloaded.
"""

from __future__ import annotations

import re

from .names import extension

OCTET_STREAM = "application/octet-stream"
RASTER = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
ZIP_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "zip": "application/zip",
}
OLE_TYPES = {"doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint"}
MARKDOWN_EXT = {"md", "markdown"}
CSV_EXT = {"csv"}
#: Text that a browser would render as a page or run: download only.
ACTIVE_EXT = {"html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs", "hta", "swf"}
_MARKUP_RE = re.compile(rb"^\s*(<!doctype|<html|<head|<body|<script|<svg|<\?xml|<iframe|<object|<embed)", re.I)


def looks_like_text(head: bytes) -> bool:
    """UTF-8 (a multi-byte character cut at the end is fine), no NUL byte."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


def sniff(head: bytes, name: str) -> tuple[str, str]:
    """``(content_type, preview kind)`` of a file whose first bytes are ``head``."""
    ext = extension(name)
    for magic, ctype in RASTER.items():
        if head.startswith(magic):
            return ctype, "image"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "image"
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if head.startswith(b"PK\x03\x04"):
        return ZIP_TYPES.get(ext, "application/zip"), "none"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE_TYPES.get(ext, OCTET_STREAM), "none"
    if head and looks_like_text(head.removeprefix(b"\xef\xbb\xbf")):
        if ext in ACTIVE_EXT or _MARKUP_RE.match(head.removeprefix(b"\xef\xbb\xbf")):
            return OCTET_STREAM, "none"
        if ext in MARKDOWN_EXT:
            return "text/markdown", "markdown"
        if ext in CSV_EXT:
            return "text/csv", "csv"
        return "text/plain", "text"
    return OCTET_STREAM, "none"
