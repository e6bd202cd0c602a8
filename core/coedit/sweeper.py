"""The background housekeeping of co-editing: idle revision cuts and unloading.

One daemon task per app and process, started with ``socketio.start_background_task`` at
the first ``coedit:join`` (never in tests unless :func:`start` is called), every
``COEDIT_SWEEP_SECONDS``; :func:`stop` ends it cleanly.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..extensions import db
from ..realtime import get_hub

log = logging.getLogger(__name__)


class Sweeper:
    """Runs :meth:`CoeditService.sweep` every ``interval`` seconds until stopped."""

    def __init__(self, service: Any, interval: float) -> None:
        self.service = service
        self.interval = interval
        self.stopping = threading.Event()
        self.thread: Any = None
        self.passes = 0

    def run(self) -> None:
        """The task's loop (one sweep per interval; errors are logged, never fatal)."""
        app = self.service.app
        while not self.stopping.wait(self.interval):
            with app.app_context():
                try:
                    self.service.sweep()
                    self.passes += 1
                except Exception:
                    db.session.rollback()
                    log.exception("co-editing sweep failed")
                finally:
                    db.session.remove()


def start(service: Any, interval: float | None = None) -> Sweeper | None:
    """Start the sweep of ``service`` if it is not running; None when switched off (interval 0)."""
    current = service.sweeper
    if current is not None and not current.stopping.is_set():
        return current
    seconds = float(interval if interval is not None else service.app.config["COEDIT_SWEEP_SECONDS"])
    if seconds <= 0:
        return None
    sweeper = Sweeper(service, seconds)
    hub = get_hub(service.app)
    if hub is not None:
        sweeper.thread = hub.socketio.start_background_task(sweeper.run)
    else:
        sweeper.thread = threading.Thread(target=sweeper.run, name="parvis-coedit-sweep", daemon=True)
        sweeper.thread.start()
    service.sweeper = sweeper
    return sweeper


def stop(service: Any, timeout: float = 5.0) -> None:
    """Ask the sweep to stop and wait for its thread (at most ``timeout`` seconds)."""
    sweeper = service.sweeper
    if sweeper is None:
        return
    sweeper.stopping.set()
    if sweeper.thread is not None and hasattr(sweeper.thread, "join"):
        sweeper.thread.join(timeout)
    service.sweeper = None


def autostart(service: Any) -> None:
    """Start the sweep on first use, except in tests (``TESTING``), where it must be asked for."""
    if service.sweeper is None and not service.app.testing:
        start(service)
