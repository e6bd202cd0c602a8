"""The single writer: index jobs run after commit, away from requests.

``parvis.services.search.index_later`` records a job on the SQLAlchemy session; when
the session commits, the jobs go to the app's :class:`IndexQueue`. In ``thread`` mode
(the default) one daemon thread per process takes them in order, asks the modules for
fresh documents and writes them in one batch: requests never wait for the index and
never meet a writer lock. A rollback drops the jobs. In ``manual`` mode (tests) jobs
wait until :meth:`IndexQueue.flush` (each search flushes first).

A crash loses at most the jobs still in memory; ``parvis search reindex`` rebuilds
everything from the database, which stays the truth.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

#: A job: ``("index", type, id)``, ``("remove", type, id)``, ``("drop-space", id)``,
#: ``("rebuild-space", id)`` or ``("rebuild-all",)``.
Job = tuple[Any, ...]
#: Most jobs handled in one write.
MAX_BATCH = 500


class IndexQueue:
    """Runs ``process(jobs)`` for submitted jobs, in a writer thread or on flush."""

    def __init__(self, app: Flask, process: Callable[[list[Job]], None], mode: str = "thread") -> None:
        self.app = app
        self.process = process
        self.mode = mode
        self._queue: queue.Queue[Any] = queue.Queue()
        self._pending: list[Job] = []
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._manual_lock = threading.Lock()

    def submit(self, jobs: Iterable[Job]) -> None:
        """Queue ``jobs`` (already committed in the database)."""
        jobs = list(jobs)
        if not jobs:
            return
        if self.mode == "manual":
            with self._manual_lock:
                self._pending.extend(jobs)
            return
        self._ensure_thread()
        self._queue.put(jobs)

    def flush(self, timeout: float = 30.0) -> bool:
        """Run (manual) or wait for (thread) every job submitted so far; False on timeout."""
        if self.mode == "manual":
            with self._manual_lock:
                jobs, self._pending = self._pending, []
            if jobs:
                self._run(jobs)
            return True
        if self._thread is None:
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    @property
    def backlog(self) -> int:
        """Jobs waiting (approximate)."""
        return len(self._pending) if self.mode == "manual" else self._queue.qsize()

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="parvis-search-writer", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            jobs: list[Job] = []
            events: list[threading.Event] = []
            while True:
                if isinstance(item, threading.Event):
                    events.append(item)
                else:
                    jobs.extend(item)
                if len(jobs) >= MAX_BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if jobs:
                self._run(jobs)
            for event in events:
                event.set()

    def _run(self, jobs: list[Job]) -> None:
        from ..extensions import db

        # A fresh app context (its own database session), then a request context so that
        # modules can build their URLs with url_for as they do in a request.
        with self.app.app_context(), self.app.test_request_context("/"):
            try:
                self.process(jobs)
            except Exception:  # noqa: BLE001  (the writer must survive; reindex repairs)
                log.exception("search: %d index jobs failed; run `parvis search reindex`", len(jobs))
            finally:
                db.session.remove()
