"""Subscription feeds behind secret per-person tokens (Outlook, Thunderbird, phones).

A token is 32 random bytes (URL-safe); only its SHA-256 is stored. One token per person
for each space feed and one for the personal feed of all their spaces. Every request of
a feed checks again, as of now, that the person is active, that the space still exists,
that the calendar is on in it and that the person may read it: someone who left a
private or secret space, or whose token was revoked or regenerated, gets nothing of it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import url_for

from parvis.extensions import db
from parvis.models import Membership, Space, SpaceModule, User, hash_token, utcnow
from parvis.models.platform import switched_off_modules
from parvis.services.permissions import can, prime_roles

from . import ical, queries
from .models import CalendarEvent, CalendarFeedToken

#: Events that ended longer ago than this are left out of feeds.
FEED_PAST = timedelta(days=180)


def issue(user: Any, space: Space | None) -> str:
    """Create or replace the token of ``user`` for ``space`` (None: personal); return it once."""
    revoke(user, space)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeedToken(user_id=user.id, space_id=space.id if space else None,
                                     token_hash=hash_token(token)))
    return token


def revoke(user: Any, space: Space | None) -> int:
    """Delete the token(s) of ``user`` for ``space``; return how many were revoked."""
    stmt = db.delete(CalendarFeedToken).filter_by(user_id=user.id)
    stmt = stmt.filter(CalendarFeedToken.space_id.is_(None)) if space is None else stmt.filter_by(space_id=space.id)
    return db.session.execute(stmt).rowcount or 0


def current(user: Any, space: Space | None) -> CalendarFeedToken | None:
    stmt = db.select(CalendarFeedToken).filter_by(user_id=user.id)
    stmt = stmt.filter(CalendarFeedToken.space_id.is_(None)) if space is None else stmt.filter_by(space_id=space.id)
    return db.session.scalar(stmt.limit(1))


def feed_url(token: str) -> str:
    return url_for("calendar_feeds.feed", token=token, _external=True)


def lookup(token: str) -> CalendarFeedToken | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(db.select(CalendarFeedToken).filter_by(token_hash=hash_token(token)))


def _calendar_spaces(space_ids: list[int]) -> set[int]:
    """Those of ``space_ids`` where the calendar is switched on (one query)."""
    if not space_ids or queries.MODULE_ID in switched_off_modules():
        return set()
    return set(db.session.scalars(
        db.select(SpaceModule.space_id).where(
            SpaceModule.space_id.in_(space_ids), SpaceModule.module_id == queries.MODULE_ID,
            SpaceModule.enabled.is_(True))
    ))


def readable_spaces(user: User, token: CalendarFeedToken) -> list[Space]:
    """The spaces the token may show now: its space, or every space the user is a member of."""
    if token.space_id is not None:
        space = db.session.get(Space, token.space_id)
        spaces = [space] if space is not None else []
    else:
        rows = db.session.execute(
            db.select(Space, Membership.role).join(Membership, Membership.space_id == Space.id)
            .where(Membership.user_id == user.id)
        ).all()
        prime_roles(user, {space.id: role for space, role in rows})
        spaces = [space for space, _ in rows]
    on = _calendar_spaces([s.id for s in spaces])
    return [s for s in spaces if s.id in on and can(user, "space.read", s)]


def build_feed(token: CalendarFeedToken) -> bytes | None:
    """The iCalendar body of a feed, or None when the token gives access to nothing."""
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    spaces = readable_spaces(user, token)
    if token.space_id is not None and not spaces:
        return None
    by_id = {s.id: s for s in spaces}
    since = utcnow() - FEED_PAST
    events = list(db.session.scalars(
        db.select(CalendarEvent).where(
            CalendarEvent.space_id.in_(list(by_id)),
            db.or_(CalendarEvent.until_at.is_(None), CalendarEvent.until_at > since),
        ).order_by(CalendarEvent.start_at, CalendarEvent.id)
    )) if by_id else []
    urls = {
        e.id: url_for("calendar.event", space_slug=by_id[e.space_id].slug, event_id=e.id, _external=True)
        for e in events
    }
    if token.space_id is not None:
        name = spaces[0].name
    else:
        from flask_babel import gettext

        name = gettext("My spaces — %(name)s", name=user.name)
    token.last_used_at = utcnow()
    return ical.render(name, events, by_id, urls)
