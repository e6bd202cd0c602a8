"""The live documents one process holds in memory (a cache of the database log).

A :class:`LiveDoc` is the pycrdt document of one text plus the id of the last log row
applied to it. The database is the truth: before answering, the service catches the
document up with the rows above :attr:`LiveDoc.applied` (see :mod:`.store`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from pycrdt import Doc, Text

from .kinds import CoeditKind

#: The name of the root text every client and the server edit.
TEXT_NAME = "content"


def new_doc() -> tuple[Doc, Text]:
    """An empty document and its ``content`` text."""
    doc = Doc()  # used by several threads, one at a time (LiveDoc.lock)
    return doc, doc.get(TEXT_NAME, type=Text)


@dataclass
class LiveDoc:
    """One loaded live document."""

    key: str
    kind: CoeditKind
    object_id: int
    doc_id: int
    space_id: int
    doc: Doc
    text: Text
    #: The id of the last log row merged into :attr:`doc` (or covered by its snapshot).
    applied: int = 0
    #: Size of the last snapshot this process read or wrote (compaction's pace, see
    #: CoeditService.maybe_compact).
    snapshot_bytes: int = 0
    #: Held while the document is read or changed (one thread at a time per process).
    lock: threading.RLock = field(default_factory=threading.RLock)
    #: ``time.monotonic()`` of the last join, update or sync in this process.
    touched: float = field(default_factory=time.monotonic)
    #: Updates waiting to be stored together (group commit, see CoeditService.accept).
    queue: list = field(default_factory=list)
    queue_lock: threading.Lock = field(default_factory=threading.Lock)
    #: Is a thread storing the queued updates right now?
    leading: bool = False

    @property
    def room_key(self) -> str:
        """The hub room key of this document, in its space: ``coedit:wiki.page:12``."""
        return f"coedit:{self.key}"

    def touch(self) -> None:
        """Record activity (unloading waits for COEDIT_UNLOAD_SECONDS without any)."""
        self.touched = time.monotonic()

    def length_exceeds(self, max_chars: int) -> bool:
        """Is the text longer than ``max_chars`` characters? (cheap unless near the limit)"""
        # len() is in UTF-8 bytes: never fewer than the characters.
        return len(self.text) > max_chars and len(str(self.text)) > max_chars


class LiveRegistry:
    """The loaded documents of this process, by key (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.docs: dict[str, LiveDoc] = {}

    def get(self, key: str) -> LiveDoc | None:
        """The loaded document ``key``, or None."""
        with self.lock:
            return self.docs.get(key)

    def put(self, live: LiveDoc) -> None:
        """Keep ``live`` loaded."""
        with self.lock:
            self.docs[live.key] = live

    def drop(self, key: str, live: LiveDoc | None = None) -> None:
        """Forget ``key`` (only if it is still ``live`` when given): reloaded from the log next time."""
        with self.lock:
            if live is None or self.docs.get(key) is live:
                self.docs.pop(key, None)

    def all(self) -> list[LiveDoc]:
        """Every loaded document."""
        with self.lock:
            return list(self.docs.values())

    def clear(self) -> None:
        """Forget every document (as a restarted process would)."""
        with self.lock:
            self.docs.clear()
