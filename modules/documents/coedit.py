"""Live co-editing of markdown notes: the ``documents.note`` kind given to :mod:`parvis.coedit`.

The note's text is the shared text; a revision cut from it is an ordinary note version
(same quota, mentions and activity as the edit form); the core records its co-authors.
A note locked by someone is read-only live for everybody else.
"""

from __future__ import annotations

from typing import Any

from parvis.coedit import CoeditKind, CoeditTarget, doc_key
from parvis.extensions import db
from parvis.services.permissions import can

from . import services
from .models import MAX_NOTE, Document
from .policy import can_upload, locked_for

KIND = "documents.note"


def live_key(doc: Document) -> str:
    """The live document's key for the note ``doc`` (``documents.note:7``)."""
    return doc_key(KIND, doc.id)


def _load(object_id: int) -> CoeditTarget | None:
    doc = db.session.get(Document, object_id)
    if doc is None or doc.is_deleted or not doc.is_note:
        return None
    version = doc.current_version
    return CoeditTarget(
        kind=KIND,
        object_id=doc.id,
        space=doc.space,
        text=(version.body or "") if version else "",
        revision_key=str(version.id) if version else None,
        obj=doc,
    )


def _can_read(user: Any, target: CoeditTarget) -> bool:
    return can(user, "space.read", target.space)


def _can_edit(user: Any, target: CoeditTarget) -> bool:
    doc: Document = target.obj
    return can_upload(user, target.space) and not doc.is_deleted and not locked_for(doc, user)


def _save_revision(target: CoeditTarget, text: str, actor: Any, summary: str) -> str | None:
    """A new version of the note with ``text`` (``summary`` is not kept: notes have none)."""
    doc: Document = target.obj
    db.session.refresh(doc)
    version = services.save_note(doc, text, doc.current_version_id, actor)
    return str(version.id) if version is not None else None


def _url(target: CoeditTarget) -> str:
    return services.url_of(target.obj)


DOCUMENTS_NOTE = CoeditKind(
    name=KIND,
    module_id="documents",
    load=_load,
    can_read=_can_read,
    can_edit=_can_edit,
    save_revision=_save_revision,
    url=_url,
    max_chars=MAX_NOTE,
)
