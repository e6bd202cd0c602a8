"""Membership workflows shared by the web views and the JSON API.

Space requests (a user asks, a community manager decides), invitations by e-mail
(single-use, expiring token), join requests and open joining. Functions raise
:class:`~parvis.services.spaces.SpaceError` with a translated message and the
offending field; callers commit.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext

from ..extensions import db
from ..models import (
    JOIN_POLICIES,
    SPACE_ROLES,
    VISIBILITIES,
    Invitation,
    JoinRequest,
    Membership,
    Space,
    SpaceRequest,
    User,
    hash_token,
    role_rank,
    utcnow,
)
from . import audit, notifications
from .mail import send_mail
from .permissions import space_role
from .spaces import SpaceError, add_member, check_slug, create_space
from .users import normalise_email


def community_managers() -> list[User]:
    return list(
        db.session.scalars(
            db.select(User).filter(
                User.platform_role.in_(("admin", "community_manager")), User.active.is_(True)
            )
        )
    )


# -- space requests -----------------------------------------------------------------


def request_space(
    requester: User,
    *,
    name: str,
    slug: str,
    purpose: str = "",
    audience: str = "",
    visibility: str = "private",
    join_policy: str = "request",
    template: str | None = None,
) -> SpaceRequest:
    """Ask for a new space; auto-approved when ``SPACE_AUTO_APPROVE`` is on."""
    if visibility not in VISIBILITIES:
        raise SpaceError(gettext("Unknown visibility."), "visibility")
    if join_policy not in JOIN_POLICIES:
        raise SpaceError(gettext("Unknown join policy."), "join_policy")
    check_slug(slug)
    pending = db.session.scalar(db.select(SpaceRequest.id).filter_by(slug=slug, status="pending"))
    if pending is not None:
        raise SpaceError(gettext("A pending request already asks for this address."), "slug")
    req = SpaceRequest(
        requester_id=requester.id,
        name=name.strip(),
        slug=slug,
        purpose=purpose,
        audience=audience,
        visibility=visibility,
        join_policy=join_policy,
        template=template or None,
    )
    db.session.add(req)
    db.session.flush()
    if current_app.config["SPACE_AUTO_APPROVE"]:
        approve_request(req, decider=None)
    else:
        notifications.notify(
            community_managers(),
            kind="space_request.created",
            title=gettext("New space request: %(name)s", name=req.name),
            url=url_for("admin.requests"),
            actor=requester,
        )
    return req


def approve_request(req: SpaceRequest, decider: User | None, message: str = "") -> Space:
    """Create the space, make the requester its owner and tell them."""
    if req.status != "pending":
        raise SpaceError(gettext("This request has already been decided."), "status")
    space = create_space(
        name=req.name,
        slug=req.slug,
        owner=req.requester,
        description=req.purpose,
        visibility=req.visibility,
        join_policy=req.join_policy,
        template=req.template,
    )
    req.status = "approved"
    req.space_id = space.id
    req.decided_by_id = decider.id if decider else None
    req.decided_at = utcnow()
    req.decision_message = message
    notifications.notify(
        [req.requester],
        kind="space_request.approved",
        title=gettext("Your space %(name)s is open", name=space.name),
        url=url_for("spaces.home", space_slug=space.slug),
        actor=decider,
        space=space,
    )
    audit.record("space_request.approved", actor=decider, space=space, target=req)
    return space


def decline_request(req: SpaceRequest, decider: User, message: str) -> None:
    """Decline with a message, which the requester receives."""
    if req.status != "pending":
        raise SpaceError(gettext("This request has already been decided."), "status")
    if not message.strip():
        raise SpaceError(gettext("Explain why the request is declined."), "message")
    req.status = "declined"
    req.decided_by_id = decider.id
    req.decided_at = utcnow()
    req.decision_message = message.strip()
    notifications.notify(
        [req.requester],
        kind="space_request.declined",
        title=gettext("Your space request %(name)s was declined", name=req.name),
        url=url_for("spaces.my_requests"),
        actor=decider,
    )
    audit.record("space_request.declined", actor=decider, target=req, details={"message": message})


# -- invitations ---------------------------------------------------------------------


def check_assignable_role(actor: User, space: Space, role: str) -> None:
    """Nobody grants a role above their own (platform admins excepted)."""
    if role not in SPACE_ROLES:
        raise SpaceError(gettext("Unknown role."), "role")
    if actor.is_platform_admin:
        return
    if role_rank(role) > role_rank(space_role(actor, space)):
        raise SpaceError(gettext("You cannot grant a role above your own."), "role")


def invite(space: Space, email: str, inviter: User, role: str = "member", message: str = "") -> tuple[Invitation, str]:
    """Invite ``email`` (with or without an account); returns the invitation and its clear token."""
    email = normalise_email(email)
    check_assignable_role(inviter, space, role)
    existing_user = db.session.scalar(db.select(User).filter_by(email=email))
    if existing_user is not None and space_role(existing_user, space) is not None:
        raise SpaceError(gettext("This person is already a member."), "email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        space_id=space.id,
        email=email,
        role=role,
        message=message,
        token_hash=hash_token(token),
        invited_by_id=inviter.id,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    link = url_for("spaces.accept_invitation", token=token, _external=True)
    send_mail(
        email,
        gettext("%(name)s invites you to %(space)s", name=inviter.name, space=space.name),
        gettext(
            "Hello,\n\n%(name)s invites you to join the space \"%(space)s\" on %(site)s.\n\n"
            "%(message)s\n\nAccept the invitation (valid %(days)s days, single use):\n%(link)s\n",
            name=inviter.name,
            space=space.name,
            site=current_app.config["SITE_NAME"],
            message=message,
            days=current_app.config["INVITATION_DAYS"],
            link=link,
        ),
    )
    if existing_user is not None:
        notifications.notify(
            [existing_user],
            kind="invitation.created",
            title=gettext("%(name)s invites you to %(space)s", name=inviter.name, space=space.name),
            url=link,
            actor=inviter,
            space=space,
        )
    audit.record("space.invited", actor=inviter, space=space, details={"email": email, "role": role})
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    """The invitation behind ``token`` whatever its state (callers check it)."""
    return db.session.scalar(db.select(Invitation).filter_by(token_hash=hash_token(token)))


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why an invitation cannot be used, or None when it can."""
    if invitation is None:
        return gettext("This invitation link is invalid.")
    if invitation.accepted_at is not None:
        return gettext("This invitation has already been used.")
    if invitation.revoked_at is not None:
        return gettext("This invitation has been withdrawn.")
    if invitation.expires_at <= utcnow():
        return gettext("This invitation has expired: ask for a new one.")
    if invitation.space.status != "active":
        return gettext("This space is archived.")
    return None


def wrong_recipient_message(invitation: Invitation, user: User) -> str:
    return gettext(
        "This invitation was sent to %(invited)s, but you are signed in as %(you)s. "
        "Sign out and sign in with the invited address, or ask for an invitation.",
        invited=invitation.email,
        you=user.email,
    )


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """Use the invitation: ``user`` joins with the invited role (single use)."""
    problem = invitation_problem(invitation)
    if problem:
        raise SpaceError(problem, "token")
    if normalise_email(user.email) != invitation.email and not user.is_platform_admin:
        # A forwarded or leaked link must not let someone else in with the role.
        raise SpaceError(wrong_recipient_message(invitation, user), "email")
    existing = db.session.scalar(
        db.select(Membership).filter_by(space_id=invitation.space_id, user_id=user.id)
    )
    if existing is None:
        membership = add_member(invitation.space, user, invitation.role)
    else:
        membership = existing
        if role_rank(invitation.role) > role_rank(existing.role):
            existing.role = invitation.role
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    if invitation.invited_by_id:
        notifications.notify(
            [invitation.invited_by_id],
            kind="invitation.accepted",
            title=gettext("%(name)s joined %(space)s", name=user.name, space=invitation.space.name),
            url=url_for("spaces.members", space_slug=invitation.space.slug),
            actor=user,
            space=invitation.space,
        )
    return membership


def revoke_invitation(invitation: Invitation, actor: User) -> None:
    if invitation.accepted_at is not None:
        raise SpaceError(gettext("This invitation has already been used."), "token")
    invitation.revoked_at = utcnow()
    audit.record("space.invitation_revoked", actor=actor, space=invitation.space, target=invitation)


# -- joining ---------------------------------------------------------------------------


def join(space: Space, user: User, message: str = "") -> Membership | JoinRequest:
    """Join an open space at once, or file a join request; invitation-only refuses."""
    if space.status != "active":
        raise SpaceError(gettext("This space is archived."))
    if space_role(user, space) is not None:
        raise SpaceError(gettext("You are already a member."))
    if space.join_policy == "open" and space.visibility != "secret":
        return add_member(space, user, "member")
    if space.join_policy == "request":
        pending = db.session.scalar(
            db.select(JoinRequest).filter_by(space_id=space.id, user_id=user.id, status="pending")
        )
        if pending is not None:
            return pending
        req = JoinRequest(space_id=space.id, user_id=user.id, message=message[:2000])
        db.session.add(req)
        db.session.flush()
        admins = db.session.scalars(
            db.select(Membership.user_id).filter(
                Membership.space_id == space.id, Membership.role.in_(("owner", "admin"))
            )
        ).all()
        notifications.notify(
            admins,
            kind="join_request.created",
            title=gettext("%(name)s asks to join %(space)s", name=user.name, space=space.name),
            url=url_for("spaces.members", space_slug=space.slug),
            actor=user,
            space=space,
        )
        return req
    raise SpaceError(gettext("This space is by invitation only."))


def decide_join_request(req: JoinRequest, decider: User, accept: bool) -> Membership | None:
    if req.status != "pending":
        raise SpaceError(gettext("This request has already been decided."))
    req.status = "accepted" if accept else "declined"
    req.decided_by_id = decider.id
    req.decided_at = utcnow()
    membership = add_member(req.space, req.user, "member") if accept else None
    notifications.notify(
        [req.user],
        kind="join_request.accepted" if accept else "join_request.declined",
        title=(
            gettext("You are now a member of %(space)s", space=req.space.name)
            if accept
            else gettext("Your request to join %(space)s was declined", space=req.space.name)
        ),
        url=url_for("spaces.home", space_slug=req.space.slug) if accept else "",
        actor=decider,
        space=req.space,
    )
    audit.record(
        "space.join_accepted" if accept else "space.join_declined",
        actor=decider,
        space=req.space,
        target=req.user,
    )
    return membership
