"""Who is connected, and in which rooms of which space.

The hub records every room a connection joins in a space, so that the core can make
connections leave a space's rooms at once when their user loses access (removed from
the space, space turned private or secret) and tell who is online in a space.

Two backends with the same interface: :class:`MemoryRegistry` for one process and
:class:`RedisRegistry` when several worker processes share a Redis message queue (each
process must see the connections of the others).

Both also count each user's entries per space, so that "is this user online here?"
(asked at every join and every disconnection) costs one lookup, not a scan of every
connection of the space: a thousand members reconnecting after a restart would
otherwise cost a million comparisons.
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
    def is_online(self, space_id: int, user_id: int) -> bool: ...
    def online_user_ids(self, space_id: int) -> list[int]: ...


class MemoryRegistry:
    """The registry of one process (no Redis)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spaces: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
        self._sids: dict[str, set[tuple[int, str]]] = defaultdict(set)
        #: space id -> user id -> how many of the space's entries are the user's
        self._users: dict[int, dict[int, int]] = defaultdict(dict)

    def add(self, space_id: int, entry: Entry) -> None:
        """Record that ``entry.sid`` joined ``entry.room`` of ``space_id``."""
        with self._lock:
            entries = self._spaces[space_id]
            if (entry.sid, entry.room) not in entries:
                users = self._users[space_id]
                users[entry.user_id] = users.get(entry.user_id, 0) + 1
            entries[(entry.sid, entry.room)] = entry.user_id
            self._sids[entry.sid].add((space_id, entry.room))

    def _drop(self, space_id: int, sid: str, room: str) -> int | None:
        """Remove one entry (the lock held); return its user id."""
        user_id = self._spaces.get(space_id, {}).pop((sid, room), None)
        if user_id is not None:
            users = self._users[space_id]
            users[user_id] -= 1
            if users[user_id] <= 0:
                del users[user_id]
        if not self._spaces.get(space_id):
            self._spaces.pop(space_id, None)
            self._users.pop(space_id, None)
        return user_id

    def remove(self, space_id: int, sid: str, room: str) -> None:
        """Record that ``sid`` left ``room`` of ``space_id``."""
        with self._lock:
            self._drop(space_id, sid, room)
            self._sids.get(sid, set()).discard((space_id, room))
            if not self._sids.get(sid):
                self._sids.pop(sid, None)

    def forget(self, sid: str) -> dict[int, int]:
        """Drop a closed connection; return ``{space_id: user_id}`` it was in."""
        left: dict[int, int] = {}
        with self._lock:
            for space_id, room in self._sids.pop(sid, set()):
                user_id = self._drop(space_id, sid, room)
                if user_id is not None:
                    left[space_id] = user_id
        return left

    def is_online(self, space_id: int, user_id: int) -> bool:
        """Has ``user_id`` at least one entry in the space?"""
        with self._lock:
            return self._users.get(space_id, {}).get(user_id, 0) > 0

    def online_user_ids(self, space_id: int) -> list[int]:
        """The users with at least one entry in the space."""
        with self._lock:
            return sorted(self._users.get(space_id, {}))

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
    ``parvis:rt:<channel>:users:<id>`` a hash ``user id -> number of their entries in
    that space`` (kept with the first by the same scripts, atomically);
    ``parvis:rt:<channel>:sid:<sid>`` a set of ``"<space id> <room>"`` for clean-up on
    disconnect.
    """

    #: KEYS: space hash, users hash, sid set; ARGV: field, user id, sid member.
    _ADD = """
    if redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) == 1 then
      redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
    end
    redis.call('SADD', KEYS[3], ARGV[3])
    """
    #: KEYS: space hash, users hash, sid set; ARGV: field, sid member. Returns the user id.
    _REMOVE = """
    local user = redis.call('HGET', KEYS[1], ARGV[1])
    if user then
      redis.call('HDEL', KEYS[1], ARGV[1])
      if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then
        redis.call('HDEL', KEYS[2], user)
      end
    end
    redis.call('SREM', KEYS[3], ARGV[2])
    return user
    """

    def __init__(self, url: str, client: Any = None, channel: str = "parvis-socketio") -> None:
        import redis

        self._redis = client or redis.Redis.from_url(url, decode_responses=True)
        #: Keys are namespaced by the Socket.IO channel: deployments sharing a Redis
        #: server with different channels never see each other's connections.
        self.prefix = f"parvis:rt:{channel}:"
        self._add = self._redis.register_script(self._ADD)
        self._remove = self._redis.register_script(self._REMOVE)

    def _space_key(self, space_id: int) -> str:
        return f"{self.prefix}space:{space_id}"

    def _users_key(self, space_id: int) -> str:
        return f"{self.prefix}users:{space_id}"

    def _keys(self, space_id: int, sid: str) -> list[str]:
        return [self._space_key(space_id), self._users_key(space_id), self._sid_key(sid)]

    def _sid_key(self, sid: str) -> str:
        return f"{self.prefix}sid:{sid}"

    def add(self, space_id: int, entry: Entry) -> None:
        """Record that ``entry.sid`` joined ``entry.room`` of ``space_id``."""
        self._add(keys=self._keys(space_id, entry.sid),
                  args=[f"{entry.sid} {entry.room}", entry.user_id, f"{space_id} {entry.room}"])

    def remove(self, space_id: int, sid: str, room: str) -> None:
        """Record that ``sid`` left ``room`` of ``space_id``."""
        self._remove(keys=self._keys(space_id, sid), args=[f"{sid} {room}", f"{space_id} {room}"])

    def forget(self, sid: str) -> dict[int, int]:
        """Drop a closed connection; return ``{space_id: user_id}`` it was in."""
        members = self._redis.smembers(self._sid_key(sid))
        fields: list[int] = []
        pipe = self._redis.pipeline()
        for member in members:
            space_raw, _sep, room = member.partition(" ")
            space_id = int(space_raw)
            fields.append(space_id)
            self._remove(keys=self._keys(space_id, sid), args=[f"{sid} {room}", member], client=pipe)
        pipe.delete(self._sid_key(sid))
        users = pipe.execute()[: len(fields)]
        return {space_id: int(user_id) for space_id, user_id in zip(fields, users, strict=True) if user_id is not None}

    def is_online(self, space_id: int, user_id: int) -> bool:
        """Has ``user_id`` at least one entry in the space (in any process)?"""
        return bool(self._redis.hexists(self._users_key(space_id), str(user_id)))

    def online_user_ids(self, space_id: int) -> list[int]:
        """The users with at least one entry in the space, in every process."""
        return sorted(int(user_id) for user_id in self._redis.hkeys(self._users_key(space_id)))

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
