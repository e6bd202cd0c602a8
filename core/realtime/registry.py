"""Who is connected, and in which rooms of which space.

The hub records every room a connection joins in a space, so that the core can make
connections leave a space's rooms at once when their user loses access (removed from
the space, space turned private or secret) and tell who is online in a space.

Two backends with the same interface: :class:`MemoryRegistry` for one process and
:class:`RedisRegistry` when several worker processes share a Redis message queue (each
process must see the connections of the others).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Entry:
    """One connection (``sid``) of ``user_id`` in ``room`` of a space."""

    sid: str
    user_id: int
    room: str


class Registry(Protocol):
    """The interface both backends implement."""

    def add(self, space_id: int, entry: Entry) -> None: ...
    def remove(self, space_id: int, sid: str, room: str) -> None: ...
    def forget(self, sid: str) -> dict[int, int]: ...
    def entries(self, space_id: int) -> list[Entry]: ...
    def rooms_of(self, sid: str, space_id: int) -> set[str]: ...


class MemoryRegistry:
    """The registry of one process (no Redis)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spaces: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
        self._sids: dict[str, set[tuple[int, str]]] = defaultdict(set)

    def add(self, space_id: int, entry: Entry) -> None:
        """Record that ``entry.sid`` joined ``entry.room`` of ``space_id``."""
        with self._lock:
            self._spaces[space_id][(entry.sid, entry.room)] = entry.user_id
            self._sids[entry.sid].add((space_id, entry.room))

    def remove(self, space_id: int, sid: str, room: str) -> None:
        """Record that ``sid`` left ``room`` of ``space_id``."""
        with self._lock:
            self._spaces.get(space_id, {}).pop((sid, room), None)
            if not self._spaces.get(space_id):
                self._spaces.pop(space_id, None)
            self._sids.get(sid, set()).discard((space_id, room))
            if not self._sids.get(sid):
                self._sids.pop(sid, None)

    def forget(self, sid: str) -> dict[int, int]:
        """Drop a closed connection; return ``{space_id: user_id}`` it was in."""
        left: dict[int, int] = {}
        with self._lock:
            for space_id, room in self._sids.pop(sid, set()):
                user_id = self._spaces.get(space_id, {}).pop((sid, room), None)
                if user_id is not None:
                    left[space_id] = user_id
                if not self._spaces.get(space_id):
                    self._spaces.pop(space_id, None)
        return left

    def entries(self, space_id: int) -> list[Entry]:
        """Every (connection, room) of the space."""
        with self._lock:
            items = list(self._spaces.get(space_id, {}).items())
        return [Entry(sid, user_id, room) for (sid, room), user_id in items]

    def rooms_of(self, sid: str, space_id: int) -> set[str]:
        """The rooms of ``space_id`` that ``sid`` is in."""
        with self._lock:
            return {room for sp, room in self._sids.get(sid, set()) if sp == space_id}


class RedisRegistry:
    """The registry shared by every worker process through Redis.

    ``parvis:rt:<channel>:space:<id>`` is a hash ``"<sid> <room>" -> user id``;
    ``parvis:rt:<channel>:sid:<sid>`` a set of ``"<space id> <room>"`` for clean-up on
    disconnect.
    """

    def __init__(self, url: str, client: Any = None, channel: str = "parvis-socketio") -> None:
        import redis

        self._redis = client or redis.Redis.from_url(url, decode_responses=True)
        #: Keys are namespaced by the Socket.IO channel: deployments sharing a Redis
        #: server with different channels never see each other's connections.
        self.prefix = f"parvis:rt:{channel}:"

    def _space_key(self, space_id: int) -> str:
        return f"{self.prefix}space:{space_id}"

    def _sid_key(self, sid: str) -> str:
        return f"{self.prefix}sid:{sid}"

    def add(self, space_id: int, entry: Entry) -> None:
        """Record that ``entry.sid`` joined ``entry.room`` of ``space_id``."""
        pipe = self._redis.pipeline()
        pipe.hset(self._space_key(space_id), f"{entry.sid} {entry.room}", entry.user_id)
        pipe.sadd(self._sid_key(entry.sid), f"{space_id} {entry.room}")
        pipe.execute()

    def remove(self, space_id: int, sid: str, room: str) -> None:
        """Record that ``sid`` left ``room`` of ``space_id``."""
        pipe = self._redis.pipeline()
        pipe.hdel(self._space_key(space_id), f"{sid} {room}")
        pipe.srem(self._sid_key(sid), f"{space_id} {room}")
        pipe.execute()

    def forget(self, sid: str) -> dict[int, int]:
        """Drop a closed connection; return ``{space_id: user_id}`` it was in."""
        members = self._redis.smembers(self._sid_key(sid))
        left: dict[int, int] = {}
        pipe = self._redis.pipeline()
        fields: list[tuple[int, str]] = []
        for member in members:
            space_raw, _sep, room = member.partition(" ")
            space_id = int(space_raw)
            fields.append((space_id, room))
            pipe.hget(self._space_key(space_id), f"{sid} {room}")
        users = pipe.execute() if fields else []
        pipe = self._redis.pipeline()
        for (space_id, room), user_id in zip(fields, users, strict=True):
            if user_id is not None:
                left[space_id] = int(user_id)
            pipe.hdel(self._space_key(space_id), f"{sid} {room}")
        pipe.delete(self._sid_key(sid))
        pipe.execute()
        return left

    def entries(self, space_id: int) -> list[Entry]:
        """Every (connection, room) of the space, in every process."""
        result = []
        for field_name, user_id in self._redis.hgetall(self._space_key(space_id)).items():
            sid, _sep, room = field_name.partition(" ")
            result.append(Entry(sid, int(user_id), room))
        return result

    def rooms_of(self, sid: str, space_id: int) -> set[str]:
        """The rooms of ``space_id`` that ``sid`` is in."""
        prefix = f"{space_id} "
        return {
            m[len(prefix):] for m in self._redis.smembers(self._sid_key(sid)) if m.startswith(prefix)
        }
