"""The hostile-file set: uploads every Parvis entry point (and a third-party module's)
must store harmlessly, and the checks a download of them must pass.

Used by the documents tests and by the security gate (``tests/test_upload_gate.py``),
which sends each file through every upload form and API of every module::

    from parvis.testing.hostile_uploads import HOSTILE_FILES, download_problems

    for item in HOSTILE_FILES:
        ...  # upload item.content as item.name, then GET the stored file
        assert not download_problems(response, item)

A download of user-supplied bytes is safe when the browser can never run it as a page
of the platform's origin: an active type (HTML, SVG, XML, script) is never served as
such, anything not a raster image is an attachment, and every response carries
``X-Content-Type-Options: nosniff`` and a sandboxing ``Content-Security-Policy``.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

#: Content types a browser renders or runs: never served for user files.
ACTIVE_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
    "text/javascript", "application/javascript", "application/x-javascript", "application/ecmascript",
    "text/ecmascript", "application/x-shockwave-flash",
})
#: Raster image types a page may show inline (the only inline user files).
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17


def _zip_bomb_like() -> bytes:
    """A small zip whose member inflates to 20 MB of zeros (compression ratio ~1000)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.txt", b"\x00" * (20 * 1024 * 1024))
    return out.getvalue()


@dataclass(frozen=True)
class HostileFile:
    """One upload an attacker could try: its bytes, its name and what it attempts."""

    id: str
    name: str
    content: bytes
    attempt: str
    #: The name contains markup: a page listing it must show it escaped.
    markup_name: bool = False


HOSTILE_FILES: tuple[HostileFile, ...] = (
    HostileFile("html", "page.html", b"<!doctype html><html><script>alert(document.cookie)</script></html>",
                "an HTML page run on the platform's origin"),
    HostileFile("xhtml", "page.xhtml", b"<html xmlns='http://www.w3.org/1999/xhtml'><script>alert(1)</script></html>",
                "XHTML rendered as a page"),
    HostileFile("svg-script", "logo.svg",
                b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><script>alert(2)</script></svg>",
                "an SVG image carrying a script"),
    HostileFile("svg-as-png", "photo.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
                "SVG behind an image extension"),
    HostileFile("html-as-txt", "notes.txt", b"<!DOCTYPE html><script>alert(1)</script>",
                "HTML sniffed from a text file"),
    HostileFile("polyglot", "cat.png", PNG_HEADER + b"<html><script>alert(1)</script></html>",
                "a PNG header followed by HTML (image/HTML polyglot)"),
    HostileFile("gifar", "anim.gif", b"GIF89a/*<script>alert(1)</script>*/=1;" + b"\x00" * 32,
                "a GIF header that is also JavaScript"),
    HostileFile("exe-as-jpg", "holiday.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 54 + b"PE\x00\x00",
                "a Windows executable disguised as a photo"),
    HostileFile("double-ext", "invoice.pdf.exe", b"MZ\x90\x00" + b"\x00" * 60,
                "an executable behind a double extension"),
    HostileFile("js", "app.js", b"alert(document.domain)", "a script served as JavaScript"),
    HostileFile("xml", "feed.xml", b"<?xml version='1.0'?><x:script xmlns:x='http://www.w3.org/1999/xhtml'>"
                b"alert(1)</x:script>", "XML with an XHTML script"),
    HostileFile("zip-bomb", "archive.zip", _zip_bomb_like(), "a zip inflating a thousand times"),
    HostileFile("traversal", "../../../etc/passwd", b"root:x:0:0", "a path climbing out of the storage"),
    HostileFile("windows-path", "C:\\Windows\\win.ini", b"[fonts]", "a Windows absolute path"),
    HostileFile("markup-name", '"><img src=x onerror=alert(1)>.txt', b"hello",
                "markup in the file name", markup_name=True),
    HostileFile("rtl-override", "report\u202egpj.exe", b"MZ\x90\x00", "a right-to-left override hiding .exe"),
    HostileFile("nul-name", "evil\x00.txt", b"hello", "a NUL byte in the name"),
    HostileFile("control-name", "bell\x07\x1b[31m.txt", b"hello", "control characters in the name"),
    HostileFile("reserved-name", "CON.txt", b"hello", "a Windows reserved device name"),
    HostileFile("long-name", "n" * 600 + ".txt", b"hello", "a name longer than any file system allows"),
)


def header(response: Any, name: str) -> str:
    """A response header ('' when absent), for a Werkzeug test response or a requests one."""
    return response.headers.get(name) or ""


def download_problems(response: Any, item: HostileFile | None = None) -> list[str]:
    """What makes the download ``response`` of a user file unsafe ([] when it is safe)."""
    label = f"{item.id}: " if item else ""
    problems: list[str] = []
    status = getattr(response, "status_code", 0)
    if status != 200:
        return [f"{label}download answered {status}"]
    mimetype = (header(response, "Content-Type").split(";")[0] or "").strip().lower()
    disposition = header(response, "Content-Disposition").lower()
    if mimetype in ACTIVE_TYPES:
        problems.append(f"{label}served as active content {mimetype}")
    if mimetype.startswith("text/html") or "html" in mimetype or "svg" in mimetype:
        problems.append(f"{label}served as {mimetype}")
    if mimetype not in INLINE_TYPES and not disposition.startswith("attachment"):
        problems.append(f"{label}{mimetype or 'untyped'} not served as an attachment ({disposition or 'no disposition'})")
    if header(response, "X-Content-Type-Options").lower() != "nosniff":
        problems.append(f"{label}no X-Content-Type-Options: nosniff")
    if "sandbox" not in header(response, "Content-Security-Policy"):
        problems.append(f"{label}no sandboxing Content-Security-Policy")
    for bad in ("\x00", "\u202e", "\n", "\r", "/", "\\"):
        filename = disposition.split("filename", 1)[-1] if "filename" in disposition else ""
        if bad in filename:
            problems.append(f"{label}download name keeps {bad!r}")
    return problems


def page_problems(html: str, item: HostileFile) -> list[str]:
    """Markup of a hostile name shown unescaped in a page ([] when escaped)."""
    if item.markup_name and "<img src=x onerror" in html:
        return [f"{item.id}: the file name is shown as markup"]
    return []
