"""Search documents, storage keys and clean-up of a space's documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import url_for

from parvis.extensions import db
from parvis.models import Space
from parvis.storage import StorageError, get_storage

from .models import DocFolder, Document, DocumentVersion, ShareLink
from .policy import CONTENT_TYPE


def _document(doc: Document, version: DocumentVersion | None, space: Space) -> dict[str, Any]:
    body = (version.text_content or "") if version else ""
    return {
        "type": CONTENT_TYPE,
        "object_id": doc.id,
        "space_id": space.id,
        "title": doc.name,
        "body": body,
        "url": url_for("documents.show", space_slug=space.slug, doc_id=doc.id),
        "author_id": doc.owner_id,
        "created_at": doc.created_at,
        "updated_at": doc.updated_at,
        "tags": [doc.kind],
    }


def search_document(object_id: int) -> dict[str, Any] | None:
    """The search document of one live document (None in the trash or gone)."""
    doc = db.session.get(Document, object_id)
    if doc is None or doc.is_deleted:
        return None
    return _document(doc, doc.current_version, doc.space)


def search_documents(space: Space) -> Iterator[dict[str, Any]]:
    """Every live document of the space with its name and extracted text."""
    stmt = (
        db.select(Document).where(Document.space_id == space.id, Document.deleted_at.is_(None))
        .order_by(Document.id).options(db.joinedload(Document.current_version))
        .execution_options(yield_per=200)
    )
    for doc in db.session.scalars(stmt):
        yield _document(doc, doc.current_version, space)


def storage_keys() -> Iterator[str]:
    """Every stored object a version references (files and thumbnails, trash included)."""
    for key, thumb in db.session.execute(db.select(DocumentVersion.storage_key, DocumentVersion.thumb_key)):
        if key:
            yield key
        if thumb:
            yield thumb


def delete_space_data(space: Space) -> None:
    """Delete the stored objects and rows of a deleted space's documents."""
    keys = [k for pair in db.session.execute(
        db.select(DocumentVersion.storage_key, DocumentVersion.thumb_key).where(DocumentVersion.space_id == space.id)
    ) for k in pair if k]
    db.session.execute(db.delete(ShareLink).where(ShareLink.space_id == space.id))
    db.session.execute(db.update(Document).where(Document.space_id == space.id).values(current_version_id=None))
    db.session.execute(db.delete(DocumentVersion).where(DocumentVersion.space_id == space.id))
    db.session.execute(db.delete(Document).where(Document.space_id == space.id))
    db.session.execute(db.update(DocFolder).where(DocFolder.space_id == space.id).values(parent_id=None))
    db.session.execute(db.delete(DocFolder).where(DocFolder.space_id == space.id))
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except StorageError:
            pass
