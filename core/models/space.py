"""Spaces, membership, per-space module state, requests, invitations and join requests."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .user import User

VISIBILITIES = ("public", "private", "secret")
JOIN_POLICIES = ("open", "request", "invitation")
SPACE_STATUSES = ("active", "archived")
#: Space roles from the most to the least powerful.
SPACE_ROLES = ("owner", "admin", "moderator", "member", "guest")


def new_content_stamp() -> str:
    """A fresh value for ``Space.content_stamp`` (unique across databases and resets)."""
    return uuid4().hex


def role_rank(role: str | None) -> int:
    """Higher is more powerful; ``None`` (not a member) is 0."""
    if role not in SPACE_ROLES:
        return 0
    return len(SPACE_ROLES) - SPACE_ROLES.index(role)


class Space(db.Model):
    """A collaborative space composed of modules."""

    __tablename__ = "spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    join_policy: Mapped[str] = mapped_column(String(16), default="request")
    status: Mapped[str] = mapped_column(String(16), default="active")
    layout: Mapped[str] = mapped_column(String(64), default="main-sidebar")
    theme: Mapped[str] = mapped_column(String(64), default="default")
    accent_color: Mapped[str | None] = mapped_column(String(7))
    icon_key: Mapped[str | None] = mapped_column(String(255))
    banner_key: Mapped[str | None] = mapped_column(String(255))
    #: Composed pages shown in the navigation, ``[{"slug", "title"}]`` (kept by the builder).
    nav_pages: Mapped[list | None] = mapped_column(JSON)
    #: Copy of the published home composition ``{"layout", "placements"}`` (the versions
    #: table is the source of truth; this copy spares the home page a query).
    published_home: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Changes in the same transaction as any write to the space's content (see
    #: :mod:`parvis.services.widget_cache`): rendered widgets are cached under it.
    content_stamp: Mapped[str | None] = mapped_column(String(32), default=new_content_stamp)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="space", cascade="all, delete-orphan", passive_deletes=True
    )
    modules: Mapped[list[SpaceModule]] = relationship(
        back_populates="space",
        cascade="all, delete-orphan",
        order_by="SpaceModule.position",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Space {self.slug}>"


class Membership(db.Model):
    """A user's role in a space."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("space_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    space: Mapped[Space] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class SpaceModule(db.Model):
    """State of one module in one space: enabled, navigation position, settings."""

    __tablename__ = "space_modules"
    __table_args__ = (UniqueConstraint("space_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)

    space: Mapped[Space] = relationship(back_populates="modules")


class SpacePermission(db.Model):
    """A per-space override of the minimum role needed for an action."""

    __tablename__ = "space_permissions"
    __table_args__ = (UniqueConstraint("space_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(96))
    min_role: Mapped[str] = mapped_column(String(16))


class SpaceRequest(db.Model):
    """A user's request to open a space, decided by a community manager."""

    __tablename__ = "space_requests"
    #: Never changes what a widget shows (parvis.services.widget_cache).
    widget_cache_neutral = True

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    join_policy: Mapped[str] = mapped_column(String(16), default="request")
    #: Space template chosen in the request (a shipped key or ``user:<id>``), if any.
    template: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_message: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    space: Mapped[Space | None] = relationship()


class Invitation(db.Model):
    """A single-use, expiring invitation to a space sent to an e-mail address."""

    __tablename__ = "invitations"
    #: Never changes what a widget shows (parvis.services.widget_cache).
    widget_cache_neutral = True

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    message: Mapped[str] = mapped_column(Text, default="")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    space: Mapped[Space] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()


class JoinRequest(db.Model):
    """A user's request to join a space whose join policy is "on request"."""

    __tablename__ = "join_requests"
    #: Never changes what a widget shows (parvis.services.widget_cache).
    widget_cache_neutral = True

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    space: Mapped[Space] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
