"""Members of a space, joining and leaving, invitations."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import gettext

from ...extensions import db
from ...models import Invitation, JoinRequest, Membership, User, role_rank, utcnow
from ...services.membership import check_assignable_role, invite, join, revoke_invitation
from ...services.permissions import space_role
from ...services.spaces import SpaceError, change_role, remove_member
from .. import api_bp
from ..endpoint import ApiError, api_endpoint
from ..helpers import current_space, me, require, space_error
from ..pagination import Page, paginate
from ..schemas import (
    Extra,
    InvitationCreateSchema,
    InvitationSchema,
    InvitationsQuerySchema,
    JoinResultSchema,
    JoinSchema,
    MemberSchema,
    MembersQuerySchema,
    RoleSchema,
)
from .spaces import like_pattern

TAGS = ["members"]


@api_endpoint(
    api_bp, "/spaces/<space_slug>/members", ["GET"], query=MembersQuerySchema,
    response=MemberSchema, paginated=True, tags=TAGS,
)
def list_members(query: dict[str, Any]) -> Page:
    """Members of the space, by name."""
    space = current_space()
    stmt = (
        db.select(Membership)
        .join(User, User.id == Membership.user_id)
        .filter(Membership.space_id == space.id)
        .options(db.contains_eager(Membership.user))
        .order_by(User.name, User.id)
    )
    if query.get("role"):
        stmt = stmt.filter(Membership.role == query["role"])
    if query.get("q"):
        stmt = stmt.filter(User.name.ilike(like_pattern(query["q"]), escape="\\"))
    return paginate(stmt, query)


def _target(user_id: int) -> Membership:
    """The membership of ``user_id`` in the current space, which the actor may manage."""
    space = current_space()
    require("space.manage_members", space)
    membership = db.session.scalar(
        db.select(Membership).filter_by(space_id=space.id, user_id=user_id)
    )
    if membership is None:
        raise ApiError(404)
    actor = me()
    if not actor.is_platform_admin and role_rank(membership.role) > role_rank(space_role(actor, space)):
        raise ApiError(403, gettext("You cannot change a member whose role is above yours."))
    return membership


@api_endpoint(
    api_bp, "/spaces/<space_slug>/members/<int:user_id>", ["PATCH"], body=RoleSchema,
    response=MemberSchema, tags=TAGS,
)
def update_member(user_id: int, body: dict[str, Any]) -> Any:
    """Change a member's role (needs ``space.manage_members``; never above your own)."""
    membership = _target(user_id)
    try:
        check_assignable_role(me(), membership.space, body["role"])
        change_role(membership, body["role"], me())
    except SpaceError as exc:
        raise space_error(exc) from exc
    db.session.commit()
    return membership


@api_endpoint(api_bp, "/spaces/<space_slug>/members/<int:user_id>", ["DELETE"], tags=TAGS)
def delete_member(user_id: int) -> None:
    """Remove a member from the space (the last owner stays)."""
    membership = _target(user_id)
    try:
        remove_member(membership, me())
    except SpaceError as exc:
        raise space_error(exc, 409) from exc
    db.session.commit()


@api_endpoint(
    api_bp, "/spaces/<space_slug>/join", ["POST"], body=JoinSchema, response=JoinResultSchema,
    status=200, tags=TAGS, errors=[409],
)
def join_space(body: dict[str, Any]) -> Any:
    """Join an open space, or ask to join one that accepts requests."""
    try:
        result = join(current_space(), me(), body.get("message", ""))
    except SpaceError as exc:
        raise space_error(exc, 409) from exc
    db.session.commit()
    if isinstance(result, JoinRequest):
        return {"status": "pending", "role": None, "request_id": result.id}
    return {"status": "member", "role": result.role, "request_id": None}


@api_endpoint(api_bp, "/spaces/<space_slug>/leave", ["POST"], tags=TAGS, errors=[409])
def leave_space() -> None:
    """Leave the space (the last owner must name another owner first)."""
    space = current_space()
    membership = db.session.scalar(db.select(Membership).filter_by(space_id=space.id, user_id=me().id))
    if membership is None:
        raise ApiError(409, gettext("You are not a member of this space."))
    try:
        remove_member(membership, me())
    except SpaceError as exc:
        raise space_error(exc, 409) from exc
    db.session.commit()


# -- invitations -----------------------------------------------------------------------


def invitation_status(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= utcnow():
        return "expired"
    return "pending"


def _with_status(invitation: Invitation) -> Extra:
    return Extra(invitation, status=invitation_status(invitation))


@api_endpoint(
    api_bp, "/spaces/<space_slug>/invitations", ["GET"], query=InvitationsQuerySchema,
    response=InvitationSchema, paginated=True, tags=TAGS,
)
def list_invitations(query: dict[str, Any]) -> Page:
    """Invitations of the space (pending ones by default; needs ``space.invite``)."""
    space = current_space()
    require("space.invite", space)
    now = utcnow()
    stmt = (
        db.select(Invitation)
        .filter(Invitation.space_id == space.id)
        .options(db.selectinload(Invitation.invited_by))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    status = query["status"]
    if status == "accepted":
        stmt = stmt.filter(Invitation.accepted_at.is_not(None))
    elif status == "revoked":
        stmt = stmt.filter(Invitation.revoked_at.is_not(None))
    elif status in {"pending", "expired"}:
        stmt = stmt.filter(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        stmt = stmt.filter(
            Invitation.expires_at > now if status == "pending" else Invitation.expires_at <= now
        )
    page = paginate(stmt, query)
    page.items = [_with_status(i) for i in page.items]
    return page


@api_endpoint(
    api_bp, "/spaces/<space_slug>/invitations", ["POST"], body=InvitationCreateSchema,
    response=InvitationSchema, tags=TAGS,
)
def create_invitation(body: dict[str, Any]) -> Any:
    """Invite someone by e-mail (with or without an account); the link is e-mailed."""
    space = current_space()
    require("space.invite", space)
    try:
        invitation, _token = invite(space, body["email"], me(), body["role"], body["message"])
    except SpaceError as exc:
        raise space_error(exc) from exc
    db.session.commit()
    return _with_status(invitation)


@api_endpoint(
    api_bp, "/spaces/<space_slug>/invitations/<int:invitation_id>", ["DELETE"], tags=TAGS,
    errors=[409],
)
def delete_invitation(invitation_id: int) -> None:
    """Withdraw an invitation: its link stops working."""
    space = current_space()
    require("space.invite", space)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.space_id != space.id:
        abort(404)
    if invitation.revoked_at is None:
        try:
            revoke_invitation(invitation, me())
        except SpaceError as exc:
            raise space_error(exc, 409) from exc
        db.session.commit()
