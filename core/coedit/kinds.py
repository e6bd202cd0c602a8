"""What a module declares to make one of its texts co-editable live.

A module returns :class:`CoeditKind` objects from the ``parvis_coedit_kinds`` hook. The
core co-editing service (:mod:`parvis.coedit.service`) then owns everything else: the
CRDT document (pycrdt on the server, Yjs in the browser), the Socket.IO events, the
update log, compaction, the idle revision cut and the list of co-authors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class CoeditTarget:
    """One co-editable text as the module sees it right now (loaded by :attr:`CoeditKind.load`).

    ``text`` is the text of the stored revision ``revision_key`` (the wiki page's current
    revision, the note's current version): the live document starts from it.
    """

    kind: str
    object_id: int
    space: Any
    text: str
    revision_key: str | None
    #: Anything the module wants to carry to its own callbacks (the page row, ...).
    obj: Any = None


@dataclass(frozen=True)
class CoeditKind:
    """A kind of co-editable text (``wiki.page``, ``documents.note``).

    * ``load(object_id)`` returns the :class:`CoeditTarget`, or None when the object
      does not exist or is deleted (the service answers "not found").
    * ``can_read(user, target)`` / ``can_edit(user, target)``: the module's own
      permission checks (the service has already checked that the user may read the
      space and that ``module_id`` is enabled in it). A reader receives updates; the
      server drops a reader's writes.
    * ``save_revision(target, text, actor, summary)`` stores ``text`` as a new
      revision (wiki revision, note version) authored by ``actor`` and returns its key
      (``str(revision.id)``), or None when ``text`` equals the stored text. It must not
      commit; the service commits, records the co-authors and re-indexes.
    * ``url(target)`` is where the text is shown (for notifications and history links).
    """

    name: str
    module_id: str
    load: Callable[[int], CoeditTarget | None]
    can_read: Callable[[Any, CoeditTarget], bool]
    can_edit: Callable[[Any, CoeditTarget], bool]
    save_revision: Callable[[CoeditTarget, str, Any, str], str | None]
    url: Callable[[CoeditTarget], str]
    #: Longest text accepted (characters); a longer result is refused.
    max_chars: int = 200_000


def doc_key(kind: str, object_id: int) -> str:
    """The name of a live document on the wire and in the database: ``wiki.page:12``."""
    return f"{kind}:{int(object_id)}"


def parse_doc_key(key: Any) -> tuple[str, int] | None:
    """``"wiki.page:12"`` -> ``("wiki.page", 12)``; None when malformed."""
    if not isinstance(key, str) or len(key) > 80:
        return None
    kind, sep, raw = key.rpartition(":")
    if not sep or not kind or not raw.isdigit() or len(raw) > 10:
        return None
    return kind, int(raw)
