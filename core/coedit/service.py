"""The co-editing service of one app: live documents, accepted updates, revision cuts.

``app.extensions["parvis_coedit"]`` holds a :class:`CoeditService`. The database log is
the truth; the pycrdt documents a process keeps in memory (:mod:`.live`) are caches
that catch up from the log before they answer, so several processes converge (CRDT
merges are idempotent and commutative). See docs/coedit.md.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from ..extensions import db
from ..models import User
from ..models.base import utcnow
from ..models.coedit import CoeditCoauthor
from ..realtime import get_hub
from ..services.search import index_later
from . import store
from .kinds import CoeditKind, doc_key
from .live import LiveDoc, LiveRegistry, new_doc
from .textdiff import apply_text

log = logging.getLogger(__name__)

REVISION_EVENT = "coedit:revision"
#: Compaction waits until the log holds at least 1/SNAPSHOT_SHARE of the snapshot's size
#: (stored size between compactions: at most the state plus this share, and the rows).
SNAPSHOT_SHARE = 8
UPDATE_EVENT = "coedit:update"


class UpdateRefused(Exception):
    """An update was not stored: ``code`` is ``invalid`` or ``too_large``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class _Pending:
    """An update waiting for the group commit, and its outcome."""

    user_id: int | None
    data: bytes
    done: threading.Event = field(default_factory=threading.Event)
    result: tuple[int, int] | None = None
    error: BaseException | None = None


@dataclass
class Session:
    """One connection's membership of one document (see :mod:`.events`)."""

    space_id: int
    can_edit: bool
    checked_at: float


class CoeditService:
    """Live documents of one app in this process, and what to do with them."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.live = LiveRegistry()
        #: ``(sid, doc key) -> Session`` for the connections of this process.
        self.sessions: dict[tuple[str, str], Session] = {}
        self.sessions_lock = threading.Lock()
        self._kinds: dict[str, CoeditKind] | None = None
        self.sweeper: Any = None

    # -- kinds --------------------------------------------------------------------

    def kinds(self) -> dict[str, CoeditKind]:
        """Every :class:`CoeditKind` the installed modules declare, by name."""
        if self._kinds is None:
            found: dict[str, CoeditKind] = {}
            for result in self.app.extensions["parvis"].hook.parvis_coedit_kinds():
                items = result if isinstance(result, list | tuple) else [result]
                for kind in items:
                    if isinstance(kind, CoeditKind):
                        found[kind.name] = kind
            self._kinds = found
        return self._kinds

    def kind(self, name: str) -> CoeditKind | None:
        """The kind ``name``, or None."""
        return self.kinds().get(name)

    # -- live documents -----------------------------------------------------------

    def open(self, kind: CoeditKind, object_id: int, target: Any = None) -> LiveDoc | None:
        """The live document (loaded from the database, created from ``target`` if new)."""
        key = doc_key(kind.name, object_id)
        live = self.live.get(key)
        if live is not None:
            return live
        with self.live.lock:
            live = self.live.get(key)
            if live is None:
                live = store.load(kind, object_id, target)
                if live is None:
                    return None
                self.live.put(live)
        return live

    def accept(self, live: LiveDoc, user_id: int | None, data: bytes) -> tuple[int, int]:
        """Store one client update (validated, appended, committed) and merge it.

        Concurrent updates of one document are stored together (group commit): the
        first thread stores everything queued in one transaction while the others wait,
        so a document takes as many updates a second as its editors send, whatever a
        commit costs. Returns the log's ``(rows, bytes)`` above the snapshot once this
        update is stored. Raises :class:`UpdateRefused`; nothing refused is stored.

        Ends the caller's transaction (commits it): the storing thread commits its
        session, and a waiting thread commits its own before it waits, so that it holds
        no pooled connection while the storing thread may need one for its next batch
        (waiters holding every connection of the pool stalled all writers until the pool
        timeout).
        """
        from pycrdt import get_state

        try:
            get_state(data)  # decodes the whole update without touching any document
        except Exception:
            raise UpdateRefused("invalid") from None
        item = _Pending(user_id, data)
        with live.queue_lock:
            live.queue.append(item)
            lead = not live.leading
            live.leading = True
        if lead:
            self._drain(live)
        else:
            db.session.commit()  # give the pooled connection back before waiting (see above)
            if not item.done.wait(60):
                raise UpdateRefused("invalid")  # pragma: no cover - the leader always answers
        if item.error is not None:
            raise item.error
        assert item.result is not None
        return item.result

    def _drain(self, live: LiveDoc) -> None:
        """Store queued batches until the queue is empty (the leader's job)."""
        while True:
            with live.queue_lock:
                batch = live.queue[:]
                live.queue.clear()
                if not batch:
                    live.leading = False
                    return
            try:
                self._store_batch(live, batch)
            except BaseException as exc:  # every waiter must be answered
                for item in batch:
                    if item.error is None and item.result is None:
                        item.error = exc
            finally:
                for item in batch:
                    item.done.set()

    def _store_batch(self, live: LiveDoc, batch: list[_Pending]) -> None:
        docs = store.DOCS
        hold_connection()
        with live.lock:
            try:
                row = store.lock_row(live.doc_id)
                store.catch_up(live, row.snapshot_upto)
                accepted: list[_Pending] = []
                for item in batch:
                    try:
                        live.doc.apply_update(item.data)
                        error = "too_large" if live.length_exceeds(live.kind.max_chars) else None
                    except Exception:
                        error = "invalid"
                    if error is None:
                        accepted.append(item)
                        continue
                    item.error = UpdateRefused(error)
                    # Take the refused update out again: rebuild from the log plus the
                    # updates of this batch accepted so far.
                    self._rebuild(live, accepted)
                if not accepted:
                    db.session.rollback()
                    return
                authors = list(row.authors or [])
                count, size = row.log_count, row.log_bytes
                last_id = store.append_many(live, [(item.user_id, item.data) for item in accepted])[-1]
                for item in accepted:
                    count, size = count + 1, size + len(item.data)
                    item.result = (count, size)
                    if item.user_id is not None and (not authors or authors[-1] != item.user_id):
                        authors = [a for a in authors if a != item.user_id] + [item.user_id]
                db.session.execute(
                    sa.update(docs).where(docs.c.id == live.doc_id).values(
                        dirty=True, updated_at=utcnow(), log_count=docs.c.log_count + len(accepted),
                        log_bytes=docs.c.log_bytes + sum(len(i.data) for i in accepted), authors=authors,
                    )
                )
                db.session.commit()
            except BaseException:
                db.session.rollback()
                for item in batch:
                    item.result = None
                # The merged document may hold what was not stored: rebuild it from the log.
                self.live.drop(live.key, live)
                raise
            live.applied = last_id
            live.touch()

    @staticmethod
    def _rebuild(live: LiveDoc, accepted: list[_Pending]) -> None:
        fresh = store.load(live.kind, live.object_id)
        if fresh is None:  # pragma: no cover - the row exists: we hold its lock
            raise RuntimeError(f"live document {live.key} vanished")
        for item in accepted:
            fresh.doc.apply_update(item.data)
        live.doc, live.text, live.applied = fresh.doc, fresh.text, fresh.applied

    def maybe_compact(self, live: LiveDoc, log_count: int, log_bytes: int) -> bool:
        """Compact when the log above the snapshot passed a threshold (never fails the caller).

        The log must hold ``COEDIT_COMPACT_UPDATES`` rows *and* at least
        1/:data:`SNAPSHOT_SHARE` of the snapshot's size, or ``COEDIT_COMPACT_BYTES``:
        compacting re-encodes the whole document under its lock (25 ms for a 470 KB
        state of 35,000 keystrokes), which 200 keystrokes of 30 bytes do not repay.
        """
        cfg = current_app.config
        if log_bytes >= int(cfg["COEDIT_COMPACT_BYTES"]) or (
            log_count >= int(cfg["COEDIT_COMPACT_UPDATES"]) and log_bytes * SNAPSHOT_SHARE >= live.snapshot_bytes
        ):
            return self.compact(live)
        return False

    def compact(self, live: LiveDoc) -> bool:
        """Snapshot the document and delete the log rows it covers (see :func:`.store.compact`)."""
        hold_connection()
        with live.lock:
            try:
                return store.compact(live)
            except Exception:
                db.session.rollback()
                log.exception("compaction of %s failed", live.key)
                return False

    def text_of(self, live: LiveDoc) -> str:
        """The current text, caught up with the log."""
        hold_connection()
        with live.lock:
            store.catch_up(live)
            return str(live.text)

    # -- revisions ----------------------------------------------------------------

    def cut(self, kind: CoeditKind, object_id: int, actor: Any, summary: str = "") -> str | None:
        """Cut the uncut live changes into a revision (see :func:`parvis.coedit.cut_revision`)."""
        live = self.open(kind, object_id)
        if live is None:
            return None
        hold_connection()
        with live.lock:
            try:
                result = self._cut_locked(live, actor, summary)
            except BaseException:
                db.session.rollback()
                raise
        if result is not None:
            key, authors = result
            hub = get_hub(self.app)
            if hub is not None and key is not None:
                hub.emit_to_space(live.space_id, live.room_key, REVISION_EVENT, {
                    "doc": live.key, "revision": key,
                    "authors": [{"id": uid, "name": name} for uid, name in authors],
                    "at": utcnow().isoformat(),
                })
            return key
        return None

    def _cut_locked(self, live: LiveDoc, actor: Any, summary: str) -> tuple[str | None, list] | None:
        docs = store.DOCS
        row = store.lock_row(live.doc_id, cut_upto=docs.c.cut_upto)
        if not row.dirty:
            db.session.rollback()
            return None
        store.catch_up(live, row.snapshot_upto)
        target = live.kind.load(live.object_id)
        if target is None:
            db.session.rollback()
            return None
        author_ids = [int(a) for a in (row.authors or [])]
        wanted = set(author_ids)
        if getattr(actor, "id", None) is not None:
            wanted.add(actor.id)
        users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))} if wanted else {}
        if actor is None and author_ids:
            actor = users.get(author_ids[-1])
        key = live.kind.save_revision(target, str(live.text), actor, summary or "")
        coauthors: list[tuple[int, str]] = []
        if key is not None:
            key = str(key)
            ordered = author_ids + ([actor.id] if getattr(actor, "id", None) not in (None, *author_ids) else [])
            for uid in ordered:
                if uid in users:
                    db.session.add(CoeditCoauthor(
                        kind=live.kind.name, object_id=live.object_id, revision_key=key, user_id=uid,
                    ))
                    coauthors.append((uid, users[uid].name))
        done = db.session.execute(
            sa.update(docs)
            .where(docs.c.id == live.doc_id, docs.c.cut_upto == row.cut_upto)
            .values(dirty=False, authors=[], cut_upto=live.applied,
                    revision_key=key if key is not None else row.revision_key)
        ).rowcount
        if done != 1:  # another process cut first
            db.session.rollback()
            return None
        if key is not None:
            index_later(live.kind.name, live.object_id)
        db.session.commit()
        return key, coauthors

    def stored_text_changed(self, kind: CoeditKind, object_id: int, text: str, revision_key: str | None) -> None:
        """Make the live text equal ``text`` with one diff update, broadcast to the room."""
        live = self.open(kind, object_id)
        if live is None:
            return  # nothing live yet: the document will start from the stored text
        data = None
        hold_connection()
        with live.lock:
            try:
                row = store.lock_row(live.doc_id)
                store.catch_up(live, row.snapshot_upto)
                before = live.doc.get_state()
                values: dict[str, Any] = {
                    "revision_key": revision_key, "dirty": False, "authors": [], "cut_upto": live.applied,
                }
                if apply_text(live.text, text):
                    data = live.doc.get_update(before)
                    new_id = store.append(live, None, data)
                    values.update(
                        cut_upto=new_id, updated_at=utcnow(),
                        log_count=store.DOCS.c.log_count + 1, log_bytes=store.DOCS.c.log_bytes + len(data),
                    )
                db.session.execute(sa.update(store.DOCS).where(store.DOCS.c.id == live.doc_id).values(**values))
                db.session.commit()
            except BaseException:
                db.session.rollback()
                self.live.drop(live.key, live)
                raise
            if data is not None:
                live.applied = values["cut_upto"]
        if data is not None:
            import base64

            hub = get_hub(self.app)
            if hub is not None:
                hub.emit_to_space(live.space_id, live.room_key, UPDATE_EVENT, {
                    "doc": live.key, "update": base64.b64encode(data).decode("ascii"),
                })

    # -- housekeeping -------------------------------------------------------------

    def sweep(self) -> dict[str, int]:
        """One pass: cut idle documents, forget closed connections, unload unused documents."""
        cfg = current_app.config
        cutoff = utcnow() - timedelta(seconds=int(cfg["COEDIT_IDLE_SECONDS"]))
        docs = store.DOCS
        idle = db.session.execute(
            sa.select(docs.c.kind, docs.c.object_id)
            .where(docs.c.dirty.is_(True), docs.c.updated_at <= cutoff)
            .order_by(docs.c.updated_at)
            .limit(50)
        ).all()
        db.session.rollback()
        cut = 0
        for name, object_id in idle:
            kind = self.kind(name)
            if kind is None:
                continue
            try:
                if self.cut(kind, int(object_id), None) is not None:
                    cut += 1
            except Exception:
                db.session.rollback()
                log.exception("idle revision cut of %s failed", doc_key(name, object_id))
        self.forget_closed_connections()
        unloaded = 0
        unload_after = float(cfg["COEDIT_UNLOAD_SECONDS"])
        joined = {key for (_sid, key) in list(self.sessions)}
        now = time.monotonic()
        for live in self.live.all():
            if live.key not in joined and now - live.touched >= unload_after:
                self.live.drop(live.key, live)
                unloaded += 1
        return {"cut": cut, "unloaded": unloaded}

    def forget_closed_connections(self) -> int:
        """Drop the sessions whose connection left the room (closed, revoked)."""
        hub = get_hub(self.app)
        if hub is None:
            return 0
        from ..realtime import space_room

        gone = []
        with self.sessions_lock:
            items = list(self.sessions.items())
        for (sid, key), session in items:
            if space_room(session.space_id, f"coedit:{key}") not in hub.registry.rooms_of(sid, session.space_id):
                gone.append((sid, key))
        with self.sessions_lock:
            for item in gone:
                self.sessions.pop(item, None)
        return len(gone)


def hold_connection() -> None:
    """Check a database connection out for the session *before* taking a document's lock.

    Threads that wait for a document's lock may hold pooled connections; one that took
    the lock first and then waited for the pool could wait for ever. Always in this
    order: connection, then lock.
    """
    db.session.connection()


def get_service(app: Flask | None = None) -> CoeditService:
    """The co-editing service of ``app`` (default: the current app)."""
    return (app or current_app).extensions["parvis_coedit"]


def init_app(app: Flask) -> None:
    """Create the service and declare the Socket.IO events (when real time is on)."""
    service = CoeditService(app)
    app.extensions["parvis_coedit"] = service
    hub = get_hub(app)
    if hub is not None:
        from .events import register

        register(hub, service)


def sweep_once(app: Flask | None = None) -> dict[str, int]:
    """Run one housekeeping pass now (tests, the CLI): ``{"cut": n, "unloaded": m}``."""
    return get_service(app).sweep()


def start_sweeper(app: Flask | None = None) -> Any:
    """Start the background sweep of ``app`` (idempotent); see :mod:`.sweeper`."""
    from .sweeper import start

    return start(get_service(app))


def stop_sweeper(app: Flask | None = None, timeout: float = 5.0) -> None:
    """Stop the background sweep and wait for it."""
    from .sweeper import stop

    stop(get_service(app), timeout)


# -- the public API (parvis.coedit) ------------------------------------------------


def _kind(name: str) -> CoeditKind | None:
    return get_service().kind(name)


def cut_revision(kind: str, object_id: int, actor: Any, summary: str = "") -> str | None:
    """See :func:`parvis.coedit.cut_revision`."""
    found = _kind(kind)
    return None if found is None else get_service().cut(found, int(object_id), actor, summary)


def before_form_save(kind: str, object_id: int, actor: Any) -> str | None:
    """See :func:`parvis.coedit.before_form_save`: authored by the live changes' last author."""
    found = _kind(kind)
    if found is None:
        return None
    row = store.find_row(found.name, int(object_id))
    if row is None or not row.dirty:
        return None
    author = None
    if row.authors:
        author = db.session.get(User, int(row.authors[-1]))
    return get_service().cut(found, int(object_id), author or actor)


def stored_text_changed(kind: str, object_id: int, text: str, revision_key: str | None) -> None:
    """See :func:`parvis.coedit.stored_text_changed`."""
    found = _kind(kind)
    if found is not None:
        get_service().stored_text_changed(found, int(object_id), text, revision_key)


def coauthors(kind: str, object_id: int, revision_keys: list[str]) -> dict[str, list[tuple[int, str]]]:
    """See :func:`parvis.coedit.coauthors` (one query)."""
    keys = [str(k) for k in revision_keys]
    if not keys:
        return {}
    rows = db.session.execute(
        sa.select(CoeditCoauthor.revision_key, User.id, User.name)
        .join(User, User.id == CoeditCoauthor.user_id)
        .where(
            CoeditCoauthor.kind == kind,
            CoeditCoauthor.object_id == int(object_id),
            CoeditCoauthor.revision_key.in_(keys),
        )
        .order_by(CoeditCoauthor.id)
    )
    result: dict[str, list[tuple[int, str]]] = {}
    for key, user_id, name in rows:
        result.setdefault(key, []).append((user_id, name))
    return result


def live_text(kind: str, object_id: int) -> str | None:
    """See :func:`parvis.coedit.live_text`: rebuilt from the snapshot and the log (one query)."""
    docs, log_ = store.DOCS, store.LOG
    mine = sa.and_(docs.c.kind == kind, docs.c.object_id == int(object_id), docs.c.dirty.is_(True))
    snapshot = sa.select(sa.literal(0, sa.BigInteger).label("seq"), docs.c.snapshot.label("data")).where(mine)
    updates = (
        sa.select(log_.c.id.label("seq"), log_.c.data.label("data"))
        .select_from(log_.join(docs, log_.c.doc_id == docs.c.id))
        .where(mine, log_.c.id > docs.c.snapshot_upto)
    )
    rows = db.session.execute(sa.union_all(snapshot, updates).order_by("seq")).all()
    if not rows:
        return None
    doc, text = new_doc()
    for _seq, data in rows:
        if data:
            doc.apply_update(data)
    return str(text)
