"""Database side of co-editing: the document row, its update log, snapshots.

Every function runs in the caller's transaction (``db.session``); the service commits.
Writers first :func:`lock_row` the document row: on PostgreSQL the row lock, on SQLite
the database write lock, serialise the writers of one document across processes, so log
ids of a document are committed in increasing order and a process that catches up with
``id > applied`` never skips a row committed late.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models.base import utcnow
from ..models.coedit import CoeditDocument, CoeditUpdate
from .kinds import CoeditKind, CoeditTarget, doc_key
from .live import LiveDoc, new_doc

DOCS = CoeditDocument.__table__
LOG = CoeditUpdate.__table__

#: The columns of a document row the service reads (not the snapshot).
ROW_COLUMNS = (
    DOCS.c.id, DOCS.c.space_id, DOCS.c.snapshot_upto, DOCS.c.log_count, DOCS.c.log_bytes,
    DOCS.c.revision_key, DOCS.c.dirty, DOCS.c.cut_upto, DOCS.c.authors, DOCS.c.updated_at,
)


def read_row(doc_id: int) -> Any:
    """The document row (without its snapshot)."""
    return db.session.execute(sa.select(*ROW_COLUMNS).where(DOCS.c.id == doc_id)).one()


def find_row(kind: str, object_id: int) -> Any | None:
    """The document row of ``(kind, object_id)`` (without its snapshot), or None."""
    return db.session.execute(
        sa.select(*ROW_COLUMNS).where(DOCS.c.kind == kind, DOCS.c.object_id == object_id)
    ).first()


def lock_row(doc_id: int, **values: Any) -> Any:
    """Take the writer's lock on the document row (and set ``values`` if given); return
    the row as :func:`read_row` would, read under the lock (one statement: ``RETURNING``)."""
    return db.session.execute(
        sa.update(DOCS).where(DOCS.c.id == doc_id).values(values or {"log_count": DOCS.c.log_count})
        .returning(*ROW_COLUMNS)
    ).one()


def _apply(live: LiveDoc, data: bytes) -> None:
    try:
        live.doc.apply_update(data)
    except ValueError:  # pragma: no cover - rows were validated before they were stored
        pass


def catch_up(live: LiveDoc, snapshot_upto: int | None = None) -> int:
    """Merge the log rows (and a newer snapshot) this process has not applied; return how many."""
    if snapshot_upto is None:
        snapshot_upto = db.session.scalar(sa.select(DOCS.c.snapshot_upto).where(DOCS.c.id == live.doc_id))
        if snapshot_upto is None:
            return 0
    merged = 0
    if snapshot_upto > live.applied:
        # Another process compacted rows we had not seen: its snapshot covers them.
        snapshot = db.session.scalar(sa.select(DOCS.c.snapshot).where(DOCS.c.id == live.doc_id))
        _apply(live, snapshot or b"")
        live.applied = snapshot_upto
        live.snapshot_bytes = len(snapshot or b"")
        merged += 1
    rows = db.session.execute(
        sa.select(LOG.c.id, LOG.c.data)
        .where(LOG.c.doc_id == live.doc_id, LOG.c.id > live.applied)
        .order_by(LOG.c.id)
    )
    for row_id, data in rows:
        _apply(live, data)
        live.applied = row_id
        merged += 1
    return merged


def load(kind: CoeditKind, object_id: int, target: CoeditTarget | None = None) -> LiveDoc | None:
    """Build the live document from the database; create it from ``target`` if it has none.

    Creating inserts the stored text as the document's first content (one insert by the
    server) and commits; if another process created it at the same moment, theirs wins.
    """
    row = db.session.execute(
        sa.select(DOCS.c.id, DOCS.c.space_id, DOCS.c.snapshot, DOCS.c.snapshot_upto)
        .where(DOCS.c.kind == kind.name, DOCS.c.object_id == object_id)
    ).first()
    if row is None:
        if target is None:
            return None
        row = _create(kind, object_id, target)
    doc, text = new_doc()
    live = LiveDoc(doc_key(kind.name, object_id), kind, object_id, row.id, row.space_id, doc, text)
    if row.snapshot:
        _apply(live, row.snapshot)
    live.applied = row.snapshot_upto
    live.snapshot_bytes = len(row.snapshot or b"")
    catch_up(live, row.snapshot_upto)
    return live


def _create(kind: CoeditKind, object_id: int, target: CoeditTarget) -> Any:
    doc, text = new_doc()
    if target.text:
        text.insert(0, target.text)
    now = utcnow()
    try:
        db.session.execute(
            sa.insert(DOCS).values(
                kind=kind.name, object_id=object_id, space_id=target.space.id,
                snapshot=doc.get_update(), snapshot_upto=0, log_count=0, log_bytes=0,
                revision_key=target.revision_key, dirty=False, cut_upto=0, authors=[],
                created_at=now, updated_at=now,
            )
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # created by another process or thread: load theirs
    return db.session.execute(
        sa.select(DOCS.c.id, DOCS.c.space_id, DOCS.c.snapshot, DOCS.c.snapshot_upto)
        .where(DOCS.c.kind == kind.name, DOCS.c.object_id == object_id)
    ).one()


def append(live: LiveDoc, user_id: int | None, data: bytes) -> int:
    """Insert one accepted update into the log; return its id (the row lock must be held)."""
    result = db.session.execute(
        sa.insert(LOG).values(doc_id=live.doc_id, user_id=user_id, data=data, created_at=utcnow())
    )
    return int(result.inserted_primary_key[0])


def append_many(live: LiveDoc, rows: list[tuple[int | None, bytes]]) -> list[int]:
    """Insert accepted updates ``(user_id, data)`` into the log in one statement; return
    their ids in the same order (the row lock must be held)."""
    now = utcnow()
    result = db.session.execute(
        sa.insert(LOG).returning(LOG.c.id, sort_by_parameter_order=True),
        [{"doc_id": live.doc_id, "user_id": user_id, "data": data, "created_at": now} for user_id, data in rows],
    )
    return [int(row_id) for row_id in result.scalars()]


def compact(live: LiveDoc) -> bool:
    """Replace the log rows covered by the current state with one snapshot; commit.

    The snapshot is written only if nobody compacted since we read ``snapshot_upto``
    (a conditional update), so two processes never both delete rows.
    """
    before = lock_row(live.doc_id).snapshot_upto
    catch_up(live, before)
    if live.applied <= before:
        db.session.commit()
        return False
    upto = live.applied
    snapshot = live.doc.get_update()
    done = db.session.execute(
        sa.update(DOCS)
        .where(DOCS.c.id == live.doc_id, DOCS.c.snapshot_upto == before)
        .values(snapshot=snapshot, snapshot_upto=upto, log_count=0, log_bytes=0)
    ).rowcount
    if done != 1:
        db.session.rollback()
        return False
    db.session.execute(sa.delete(LOG).where(LOG.c.doc_id == live.doc_id, LOG.c.id <= upto))
    db.session.commit()
    live.snapshot_bytes = len(snapshot)
    return True


def stored_size(doc_id: int) -> int:
    """Bytes stored for a document: its snapshot plus its log rows."""
    snapshot = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.length(DOCS.c.snapshot), 0)).where(DOCS.c.id == doc_id)
    ) or 0
    log = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(sa.func.length(LOG.c.data)), 0)).where(LOG.c.doc_id == doc_id)
    ) or 0
    return int(snapshot) + int(log)
