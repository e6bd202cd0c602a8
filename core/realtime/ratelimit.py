"""A per-user token bucket for Socket.IO events (HTTP routes use Flask-Limiter).

Each (user, bucket) pair holds up to ``capacity`` tokens and regains ``per_second``
tokens a second; an event costs one token. :class:`TokenBuckets` keeps the counters in
the worker process (one process); :class:`RedisTokenBuckets` keeps them in Redis when
several workers share a message queue, so a user connected to several workers still
gets one budget. If Redis stops answering, the limiter falls back to the local counters
(a flood is still stopped per worker) rather than refusing every event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


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


#: Atomic refill-and-take on a Redis hash {tokens, stamp}; Redis's clock, so every
#: worker agrees on time. Returns 1 when a token was taken.
_TAKE = """
local capacity = tonumber(ARGV[1])
local per_second = tonumber(ARGV[2])
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1]) or capacity
local stamp = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - stamp) * per_second)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return allowed
"""


class RedisTokenBuckets:
    """The same buckets shared by every worker process through Redis."""

    def __init__(self, url: str, client: Any = None, channel: str = "parvis-socketio") -> None:
        import redis

        self._redis = client or redis.Redis.from_url(url)
        self._take = self._redis.register_script(_TAKE)
        self._local = TokenBuckets()
        self.prefix = f"parvis:rt:{channel}:rate:"

    def allow(self, user_id: int, bucket: str, rate: Rate) -> bool:
        """Take one token for ``user_id`` in ``bucket`` (every process); False when empty."""
        import redis

        ttl = max(1, int(rate.capacity / max(rate.per_second, 1e-6)) + 1)
        try:
            taken = self._take(
                keys=[f"{self.prefix}{user_id}:{bucket}"], args=[rate.capacity, rate.per_second, ttl]
            )
        except redis.exceptions.RedisError:
            log.warning("Redis rate limiter unavailable: counting in this process", exc_info=True)
            return self._local.allow(user_id, bucket, rate)
        return bool(taken)
