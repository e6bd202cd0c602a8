"""User-given names of files and folders: cleaned for storage and display.

Names are only ever data in the database (stored objects have random keys), so a
name like ``../../etc/passwd`` is harmless; still, names are normalised so that they
display well and download safely on every system.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext

from .models import MAX_NAME

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SEPARATORS_RE = re.compile(r"[\\/]+")
#: Names Windows refuses for a file, whatever the extension.
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
)
#: Deepest folder path an upload may create (``a/b/c/file.txt``).
MAX_UPLOAD_DEPTH = 10


def clean_name(raw: str | None, *, fallback: str | None = None) -> str:
    """One name segment: NFC, no control or bidi characters, no slashes, trimmed.

    At most 255 characters, keeping the extension when it has to be shortened;
    never empty, never ``.`` or ``..`` (``fallback``, else "file").
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = _CONTROL_RE.sub("", name)
    name = _SEPARATORS_RE.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if not name or set(name) <= {"."}:
        name = fallback or gettext("file")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[: MAX_NAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_NAME]
    return name


def split_upload_path(raw: str | None) -> tuple[list[str], str]:
    """``(folders, name)`` of an uploaded file name.

    Browsers send a bare name, or ``folder/sub/name`` when a whole folder is
    uploaded. Empty, ``.`` and ``..`` segments are dropped, so a path can never
    climb above the folder the upload goes to.
    """
    parts = [p for p in _SEPARATORS_RE.split(unicodedata.normalize("NFC", raw or "")) if p]
    parts = [p for p in parts if p.strip(" .")]
    if not parts:
        return [], clean_name(raw)
    folders = [clean_name(p) for p in parts[:-1]][-MAX_UPLOAD_DEPTH:]
    return folders, clean_name(parts[-1])


def name_key(name: str) -> str:
    """The key names are compared and sorted by (case-insensitive)."""
    return unicodedata.normalize("NFKC", name).casefold()[:MAX_NAME]


def download_name(name: str) -> str:
    """A name every operating system accepts for the downloaded copy.

    Windows reserved device names (``CON``, ``NUL.txt``, ``com1.pdf``...) get an
    underscore; characters Windows forbids become ``_``.
    """
    name = re.sub(r'[<>:"|?*]', "_", name).strip(" .") or "file"
    stem, dot, ext = name.partition(".")
    if stem.casefold() in WINDOWS_RESERVED:
        name = f"{stem}_{dot}{ext}"
    return name


def extension(name: str) -> str:
    """The lower-case extension without the dot ("" when none)."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem and len(ext) <= 16 else ""


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2).ext``, ``name (3).ext``... not in ``taken`` (name keys)."""
    if name_key(name) not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, dot, ext = name, "", ""
    for n in range(2, 10_000):
        candidate = clean_name(f"{stem} ({n}){dot}{ext}")
        if name_key(candidate) not in taken:
            return candidate
    raise ValueError("no free name")  # pragma: no cover
