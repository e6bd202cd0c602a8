"""Live co-editing of module texts: Yjs in the browser, pycrdt on the server.

Public API for modules (see docs/coedit.md)::

    from parvis.coedit import CoeditKind, CoeditTarget, coauthors, before_form_save, stored_text_changed

* return :class:`CoeditKind` objects from the ``parvis_coedit_kinds`` hook;
* call :func:`before_form_save` before saving the plain (no-JavaScript) edit form, so
  uncut live changes become a revision first and the form's base check sees them;
* call :func:`stored_text_changed` after a revision was stored outside co-editing (form
  save, restore), so the live document follows;
* :func:`coauthors` gives the co-authors of revisions for history pages;
* :func:`live_text` gives the current live text when it differs from the stored one.

The service itself (:mod:`.service`) is written by the core; these names are stable.
"""

from __future__ import annotations

from .kinds import CoeditKind, CoeditTarget, doc_key, parse_doc_key

__all__ = [
    "CoeditKind",
    "CoeditTarget",
    "before_form_save",
    "cut_revision",
    "coauthors",
    "doc_key",
    "init_app",
    "live_text",
    "parse_doc_key",
    "stored_text_changed",
]


def init_app(app: object) -> None:
    """Attach the co-editing service to ``app`` and declare its Socket.IO events."""
    from . import service

    service.init_app(app)


def before_form_save(kind: str, object_id: int, actor: object) -> str | None:
    """Cut the uncut live changes of the text into a revision (authored by their
    co-authors) and commit; return its key, or None when there was nothing to cut."""
    from . import service

    return service.before_form_save(kind, object_id, actor)


def cut_revision(kind: str, object_id: int, actor: object, summary: str = "") -> str | None:
    """Cut the live text into a revision now (the edit form posted with ``coedit=1``,
    or "save version"): co-authors recorded, committed, re-indexed, ``coedit:revision``
    emitted. Returns the revision key, or None when the text equals the stored one."""
    from . import service

    return service.cut_revision(kind, object_id, actor, summary)


def stored_text_changed(kind: str, object_id: int, text: str, revision_key: str | None) -> None:
    """After a revision stored outside co-editing: make the live document's text equal
    ``text`` (as one diff update broadcast to the editors). Call after commit."""
    from . import service

    service.stored_text_changed(kind, object_id, text, revision_key)


def coauthors(kind: str, object_id: int, revision_keys: list[str]) -> dict[str, list[tuple[int, str]]]:
    """``{revision_key: [(user_id, name), ...]}`` for revisions cut from co-editing (one query)."""
    from . import service

    return service.coauthors(kind, object_id, revision_keys)


def live_text(kind: str, object_id: int) -> str | None:
    """The live text when it has changes not yet cut into a revision, else None (one query)."""
    from . import service

    return service.live_text(kind, object_id)
