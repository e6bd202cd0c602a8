"""Which concurrency model serves the Socket.IO connections (``SOCKETIO_ASYNC_MODE``).

``threading`` (the default) runs everywhere: every open websocket holds operating-system
threads of the process (the connection, its writer, its pings). ``gevent`` serves the
same connections with greenlets in one thread: a broadcast to a thousand connections
costs a few greenlet switches per connection instead of a thousand thread wake-ups
competing for the interpreter lock (benchmarks/README.md, "Real-time broadcast
latency"). It needs the standard library patched by gevent *before* Parvis is
imported, which ``gunicorn --worker-class gevent`` does (docs/operations.md).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

log = logging.getLogger(__name__)

#: The values ``SOCKETIO_ASYNC_MODE`` accepts (eventlet is winding down: not offered).
ASYNC_MODES = ("threading", "gevent")


class AsyncModeError(RuntimeError):
    """``SOCKETIO_ASYNC_MODE`` names a mode this process cannot run."""


def _gevent_patched() -> bool:
    """Has gevent patched the standard library's sockets and threads in this process?"""
    if "gevent" not in sys.modules:
        return False
    from gevent import monkey

    return bool(monkey.is_module_patched("socket") and monkey.is_module_patched("threading"))


def resolve_async_mode(config: Any) -> str:
    """The Socket.IO async mode for ``config``; raises :class:`AsyncModeError` with what
    to do when the mode is unknown or the process is not set up for it."""
    mode = str(config.get("SOCKETIO_ASYNC_MODE") or "threading").strip().lower()
    if mode not in ASYNC_MODES:
        raise AsyncModeError(
            f"PARVIS_SOCKETIO_ASYNC_MODE={mode!r} is not supported: use one of {', '.join(ASYNC_MODES)}."
        )
    if mode == "gevent":
        if not _gevent_patched():
            raise AsyncModeError(
                "PARVIS_SOCKETIO_ASYNC_MODE=gevent needs the standard library patched by gevent "
                "before Parvis is imported: run the real-time processes with "
                "'gunicorn --worker-class gevent' (pip install 'parvis[gevent]'), "
                "or call gevent.monkey.patch_all() first."
            )
        uri = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
        if uri.startswith("sqlite"):
            log.warning(
                "real time in gevent mode on SQLite: a request waiting for SQLite's write lock "
                "blocks every connection of the process; use PostgreSQL in production"
            )
    return mode
