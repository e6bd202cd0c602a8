"""Users, their server-side sessions and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

#: Argon2id with OWASP's recommended minimum (19 MiB, 2 passes): a login costs a worker
#: 19 MiB instead of argon2-cffi's default 64 MiB; older hashes still verify.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: Cheap parameters for test suites only (``PASSWORD_HASH_FAST = True``); verify()
#: reads the parameters from the hash itself, so both kinds of hashes keep working.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def _current_hasher() -> PasswordHasher:
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _fast_hasher
    return _hasher

PLATFORM_ROLES = ("admin", "community_manager", "user")


class User(UserMixin, db.Model):
    """A person with an account. ``platform_role`` is admin, community_manager or user."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    #: Unique handle used in @mentions (letters, digits, dots, dashes).
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    platform_role: Mapped[str] = mapped_column(String(32), default="user")
    active: Mapped[bool] = mapped_column(default=True)
    job_title: Mapped[str] = mapped_column(String(120), default="")
    organisation: Mapped[str] = mapped_column(String(160), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    expertise: Mapped[list] = mapped_column(JSON, default=list)
    photo_key: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: Set by the login flow: the server-side session this object was loaded through.
    current_session_id = None

    def set_password(self, password: str) -> None:
        """Hash ``password`` with Argon2id and remember when it changed."""
        self.password_hash = _current_hasher().hash(password)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches; never raises on a malformed hash."""
        if not self.password_hash:
            return False
        try:
            return _current_hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def is_platform_admin(self) -> bool:
        return self.platform_role == "admin"

    @property
    def is_community_manager(self) -> bool:
        return self.platform_role in {"admin", "community_manager"}

    def get_id(self) -> str:  # type: ignore[override]
        """Flask-Login stores the server-side session id, never the user id."""
        return self.current_session_id or ""

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserSession(db.Model):
    """A signed-in browser. Deleting the row ends the session on the server."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship()

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 of a secret token, as stored in the database."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A personal API token; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: After this instant the token no longer authenticates (None: never expires).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_usable(self) -> bool:
        """Not revoked and not expired."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > utcnow())

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        """Create a token row and return it with the clear token (shown once)."""
        clear = "pvs_" + secrets.token_urlsafe(32)
        token = cls(user=user, name=name, token_hash=hash_token(clear))
        db.session.add(token)
        return token, clear
