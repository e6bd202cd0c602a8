"""A per-user token bucket for Socket.IO events (HTTP routes use Flask-Limiter).

Each (user, bucket) pair holds up to ``capacity`` tokens and regains ``per_second``
tokens a second; an event costs one token. Counters live in the worker process: with
several workers a user could send up to ``capacity`` events per worker, which is the
usual trade-off of a local limiter and enough to stop a flooding client.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """``capacity`` events at once, then ``per_second`` events a second."""

    capacity: int
    per_second: float


class TokenBuckets:
    """Thread-safe token buckets keyed by ``(user_id, bucket name)``."""

    #: Buckets untouched for this long are forgotten (memory stays bounded).
    IDLE_SECONDS = 600.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[tuple[int, str], tuple[float, float]] = {}
        self._last_sweep = clock()

    def allow(self, user_id: int, bucket: str, rate: Rate) -> bool:
        """Take one token for ``user_id`` in ``bucket``; False when the bucket is empty."""
        now = self._clock()
        key = (user_id, bucket)
        with self._lock:
            tokens, stamp = self._state.get(key, (float(rate.capacity), now))
            tokens = min(float(rate.capacity), tokens + (now - stamp) * rate.per_second)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._state[key] = (tokens, now)
            if now - self._last_sweep > self.IDLE_SECONDS:
                self._sweep(now)
        return allowed

    def _sweep(self, now: float) -> None:
        self._last_sweep = now
        stale = [k for k, (_t, stamp) in self._state.items() if now - stamp > self.IDLE_SECONDS]
        for key in stale:
            del self._state[key]
