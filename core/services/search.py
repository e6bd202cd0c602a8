"""The search service façade that modules call.

Modules never talk to a search backend. After a write they call
``index_later(content_type_id, object_id)``; once the transaction commits, the search
service's writer asks the content type's ``search_document(object_id)`` for the fresh
document and updates the index (or removes the entry when it answers None).
``remove_later`` drops an entry without asking. A rollback cancels both. The request
never waits for the index (see docs/search.md).
"""

from __future__ import annotations

from ..search.events import enqueue


def index_later(content_type_id: str, object_id: int) -> None:
    """Queue (re)indexing of one object after the current transaction commits."""
    enqueue(("index", str(content_type_id), int(object_id)))


def remove_later(content_type_id: str, object_id: int) -> None:
    """Queue removal of one object from the index after the current transaction commits."""
    enqueue(("remove", str(content_type_id), int(object_id)))


def reindex_space_later(space_id: int) -> None:
    """Queue a rebuild of every document of a space (after a bulk change)."""
    enqueue(("rebuild-space", int(space_id)))
