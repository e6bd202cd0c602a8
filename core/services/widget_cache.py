"""Rendered widgets kept in memory, and the stamp that tells when a space changed.

A space home renders a dozen widgets; most show the same thing to every member with
the same role until someone writes in the space. Rendering them costs queries,
markdown and templates on every view, so :func:`parvis.layouts.render_composition`
keeps each rendered fragment here and reuses it while nothing it depends on changed.

**What a fragment is keyed on** (:func:`fragment_key`): the space and its
``content_stamp``, the widget id and its settings, the viewer's standing in the space
(role, platform admin or not), the modules switched off platform-wide, the locale and
the day in the platform's zone. A widget opts in by declaring ``WidgetSpec.cache_ttl``
(seconds): it promises that its HTML depends on nothing else — no per-user data, no
form (a CSRF token is per session), no script nonce. A fragment holding a CSRF field,
the request's CSRF token anywhere else or a nonce is never stored, whatever the widget
declares. ``cache_ttl`` also bounds how long a time-dependent widget (scheduled posts
going live, "upcoming" events) or a change the stamp does not see (a bulk SQL
statement, a row without ``space_id`` such as a wiki revision whose page row is not
touched) may show stale data.

**The stamp** (``Space.content_stamp``) gets a new random value in the same transaction
as any ORM write to a row that has a ``space_id`` (or to the space itself; a row moved
to another space restamps both): the session's ``after_flush`` collects the space ids,
the outermost transaction's ``before_commit`` issues one ``UPDATE spaces`` for them, as
its last statement (rows in id order, so two writers never wait for each other in
opposite orders); a savepoint rolled back keeps what the transaction collected before
it. A person whose name, user name or photo changes restamps every space they belong
to (widgets list members and authors). Every process reads the stamp with the space,
which the request loads anyway, so a cache local to each process stays right across
processes at no extra query. Models whose rows never change what a widget shows
(notifications, audit log, co-editing state, search entries, tokens) declare
``widget_cache_neutral = True`` and cost no update.

Configuration: ``WIDGET_CACHE_SIZE`` fragments per process (LRU; 0 switches the cache
off).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from cachetools import TLRUCache
from flask import Flask, current_app, g, has_app_context
from flask_babel import get_locale, get_timezone
from markupsafe import Markup
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Membership, Space, User
from ..models.platform import switched_off_modules
from ..models.space import new_content_stamp

#: Markers of per-session or per-response HTML: such a fragment is never stored (nor
#: one holding the request's CSRF token, wherever it is: :func:`holds_per_session_data`).
UNCACHEABLE_MARKERS = ('name="csrf_token"', "nonce=")
_PENDING = "parvis.widget_cache.spaces"
_PENDING_PEOPLE = "parvis.widget_cache.people"
#: What widgets show of a person (members, authors): changing one restamps their spaces.
SHOWN_USER_FIELDS = ("name", "username", "photo_key")


def holds_per_session_data(html: str) -> bool:
    """Does ``html`` hold a CSRF field, a nonce, or this request's CSRF token anywhere
    (a ``data-`` attribute, a script)? Such a fragment belongs to one session."""
    if any(marker in html for marker in UNCACHEABLE_MARKERS):
        return True
    if not has_app_context():
        return False
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token")
    return bool(token) and str(token) in html


class FragmentCache:
    """A thread-safe LRU of rendered fragments, each kept for its own time to live."""

    def __init__(self, size: int, timer: Callable[[], float] | None = None) -> None:
        kwargs: dict[str, Any] = {"timer": timer} if timer is not None else {}
        self._entries: TLRUCache = TLRUCache(
            maxsize=size, ttu=lambda _key, value, now: now + value[1], **kwargs
        )
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Markup | None:
        with self._lock:
            found = self._entries.get(key)
        return None if found is None else found[0]

    def put(self, key: Hashable, html: Markup, ttl: int) -> None:
        if holds_per_session_data(html):
            return
        with self._lock:
            self._entries[key] = (html, ttl)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def init_app(app: Flask) -> None:
    """Give ``app`` its fragment cache and stamp spaces on every write (once per process)."""
    size = int(app.config.get("WIDGET_CACHE_SIZE") or 0)
    app.extensions["parvis.widget_cache"] = FragmentCache(size) if size > 0 else None
    if not event.contains(Session, "after_flush", _collect_written_spaces):
        event.listen(Session, "after_flush", _collect_written_spaces)
        event.listen(Session, "before_commit", _stamp_written_spaces)
        event.listen(Session, "after_rollback", _forget_written_spaces)
    _watch_moves()


def fragment_cache() -> FragmentCache | None:
    """The current app's cache (None when ``WIDGET_CACHE_SIZE`` is 0)."""
    return current_app.extensions.get("parvis.widget_cache")


def viewer_key(space: Any, user: Any) -> tuple[Any, ...]:
    """The viewer's standing in ``space`` as far as widgets may depend on it."""
    from .permissions import space_role

    if user is None or not getattr(user, "is_authenticated", False):
        return ("anonymous",)
    return (
        space_role(user, space) or "",
        bool(getattr(user, "is_platform_admin", False)),
        bool(getattr(user, "is_active", False)),
    )


def fragment_key(space: Any, widget_id: str, settings: dict[str, Any], viewer: tuple[Any, ...]) -> Hashable | None:
    """The cache key of one widget's HTML, or None when the space has no stamp yet."""
    stamp = getattr(space, "content_stamp", None)
    if not stamp:
        return None
    try:
        settings_key = json.dumps(settings, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    # Modules switched off platform-wide leave every space at once, without a write in
    # any (a platform setting, read once per request anyway by ``enabled_modules``).
    switched_off = tuple(sorted(switched_off_modules()))
    return (space.id, stamp, widget_id, settings_key, viewer, switched_off, str(get_locale()),
            datetime.now(get_timezone()).date())


# -- the stamp ----------------------------------------------------------------------


def _space_id_of(obj: Any) -> int | None:
    if getattr(type(obj), "widget_cache_neutral", False):
        return None
    if isinstance(obj, Space):
        return obj.id
    value = getattr(obj, "space_id", None)
    return value if isinstance(value, int) else None


def _keep_former_space(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    return value


def _watch_moves() -> None:
    """Make every model's ``space_id`` remember its former value when set, even when it
    was not loaded (one query then), for :func:`_former_space_ids`."""
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.class_, "widget_cache_neutral", False):
            continue
        attr = mapper.class_manager.get("space_id")
        if attr is not None and not event.contains(attr, "set", _keep_former_space):
            event.listen(attr, "set", _keep_former_space, active_history=True)


def _former_space_ids(obj: Any) -> set[int]:
    """The spaces a modified row was moved out of by this flush (its old ``space_id``)."""
    if isinstance(obj, Space) or getattr(type(obj), "widget_cache_neutral", False):
        return set()
    attr = inspect(obj).attrs.get("space_id")
    if attr is None:
        return set()
    return {value for value in attr.history.deleted if isinstance(value, int)}


def _collect_written_spaces(session: Session, _flush_context: Any) -> None:
    """``after_flush``: remember the spaces whose content this flush wrote."""
    found: set[int] = set()
    for obj in session.new:
        if not isinstance(obj, Space):  # a new space already has a fresh stamp
            space_id = _space_id_of(obj)
            if space_id is not None:
                found.add(space_id)
    for obj in session.deleted:
        space_id = _space_id_of(obj)
        if space_id is not None:
            found.add(space_id)
    people: set[int] = set()
    for obj in session.dirty:
        if isinstance(obj, User):
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in SHOWN_USER_FIELDS):
                people.add(obj.id)
        elif session.is_modified(obj, include_collections=False):
            space_id = _space_id_of(obj)
            if space_id is not None:
                found.add(space_id)
            found.update(_former_space_ids(obj))  # moved: the space it left changed too
    if found:
        session.info.setdefault(_PENDING, set()).update(found)
    if people:
        session.info.setdefault(_PENDING_PEOPLE, set()).update(people)


def _stamp_written_spaces(session: Session) -> None:
    """``before_commit``: give every written space a new stamp, last in the transaction."""
    if session.in_nested_transaction():  # a savepoint released: the enclosing commit stamps
        return
    pending = session.info.get(_PENDING) or session.info.get(_PENDING_PEOPLE)
    if not pending and not (session.new or session.dirty or session.deleted):
        return
    session.flush()  # objects added since the last flush: collect their spaces too
    written = session.info.pop(_PENDING, None)
    people = session.info.pop(_PENDING_PEOPLE, None)
    if people:  # a renamed member: every space that lists them
        written = set(written or ()) | set(
            session.scalars(select(Membership.space_id).where(Membership.user_id.in_(people)))
        )
    if not written:
        return
    session.execute(
        update(Space)
        .where(Space.id.in_(sorted(written)))
        .values(content_stamp=new_content_stamp())
        .execution_options(synchronize_session=False)
    )


def _forget_written_spaces(session: Session) -> None:
    """``after_rollback``: the transaction is undone, its spaces need no stamp.

    A savepoint rolled back undoes its own rows only: what the enclosing transaction
    wrote before it is still to be stamped (a few extra spaces, at worst, get a new one).
    """
    if session.in_nested_transaction():
        return
    session.info.pop(_PENDING, None)
    session.info.pop(_PENDING_PEOPLE, None)


def stamp_space(space_id: int) -> None:
    """Mark ``space_id`` as changed by a write the ORM did not see (a bulk statement)."""
    db.session.info.setdefault(_PENDING, set()).add(space_id)


__all__ = [
    "FragmentCache",
    "fragment_cache",
    "fragment_key",
    "init_app",
    "stamp_space",
    "viewer_key",
]
