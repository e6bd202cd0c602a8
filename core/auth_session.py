"""Server-side sessions and API tokens behind Flask-Login.

The browser cookie holds only the id of a ``UserSession`` row; logging out, changing
the password or ending a session from the sessions page deletes the row, so a copied
cookie stops working at once. API clients send ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request, g, request, session
from flask_login import login_user, logout_user

from .extensions import db, login_manager
from .models import ApiToken, User, UserSession, hash_token, utcnow

#: How often ``last_seen_at`` is written (avoid one UPDATE per request).
TOUCH_EVERY = timedelta(minutes=5)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # server-side sessions replace it


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the user of a live server-side session."""
    if not session_id:
        return None
    row = db.session.get(UserSession, session_id, options=[db.joinedload(UserSession.user)])
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    user = row.user
    user.current_session_id = row.id
    return user


@login_manager.request_loader
def load_user_from_request(req: Request) -> User | None:
    """Bearer tokens for the JSON API (no cookie, no CSRF needed)."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = db.session.scalar(
        db.select(ApiToken).filter_by(token_hash=hash_token(header[7:].strip()), revoked_at=None)
    )
    if token is None or not token.is_usable or not token.user.active:
        return None
    token.last_used_at = utcnow()
    db.session.commit()
    g.api_token_auth = True
    return token.user


def start_session(user: User, remember: bool = False) -> UserSession:
    """Create a server-side session for ``user`` and sign the browser in."""
    row = UserSession(
        id=UserSession.new_id(),
        user=user,
        user_agent=(request.user_agent.string or "")[:255],
        ip_address=(request.remote_addr or "")[:64],
    )
    db.session.add(row)
    db.session.commit()
    session.clear()
    user.current_session_id = row.id
    login_user(user, remember=remember)
    session.permanent = True
    return row


def end_session(user: User) -> None:
    """Delete the current server-side session, clear the cookie and cut the session's
    live (Socket.IO) connections at once."""
    session_id = user.current_session_id
    if session_id:
        db.session.execute(db.delete(UserSession).filter_by(id=session_id))
        db.session.commit()
        disconnect_sessions(user.id, only=session_id)
    logout_user()
    session.clear()


def end_other_sessions(user: User, keep: str | None = None) -> int:
    """Delete every session of ``user`` except ``keep`` and cut their live connections;
    return how many sessions ended."""
    stmt = db.delete(UserSession).filter(UserSession.user_id == user.id)
    if keep:
        stmt = stmt.filter(UserSession.id != keep)
    result = db.session.execute(stmt)
    db.session.commit()
    disconnect_sessions(user.id, keep=keep)
    return result.rowcount or 0


def disconnect_sessions(user_id: int, *, only: str | None = None, keep: str | None = None) -> None:
    """Cut the Socket.IO connections of ended sessions (see ``Hub.end_sessions``); call
    after the commit that ended them. Does nothing when real time is off."""
    from .realtime import get_hub

    hub = get_hub()
    if hub is not None:
        hub.end_sessions(user_id, only=only, keep=keep)


def revoke_api_tokens(user: User) -> int:
    """Revoke every personal API token of ``user`` (after a password reset or change)."""
    result = db.session.execute(
        db.update(ApiToken)
        .filter(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0
