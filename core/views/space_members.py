"""A space's members page: roles, removal, join requests, invitations; accepting one.

Routes are added to the ``spaces`` blueprint of :mod:`parvis.views.spaces`.
"""

from __future__ import annotations

import re
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..auth_session import start_session
from ..extensions import db
from ..forms.spaces import ROLE_CHOICES, InvitationSignupForm, InviteForm
from ..models import (
    SPACE_ROLES,
    Invitation,
    JoinRequest,
    Membership,
    Space,
    User,
    role_rank,
    utcnow,
)
from ..services import membership as membership_service
from ..services import notifications
from ..services.permissions import can, space_role
from ..services.spaces import SpaceError, change_role, remove_member
from ..services.users import UserError, by_email, create_user
from .pagination import paginate
from .spaces import bp, like_pattern, refuse

#: Members listed per page of the members page.
MEMBERS_PER_PAGE = 50

MAX_INVITES = 50
EMAIL_SPLIT_RE = re.compile(r"[\s,;]+")


def _actor() -> User:
    return current_user._get_current_object()


def _may_manage(actor: User, space: Space, target: Membership) -> bool:
    """May ``actor`` change or remove ``target``? Not themselves, nobody above them."""
    if target.user_id == actor.id:
        return False
    if actor.is_platform_admin:
        return True
    return role_rank(target.role) <= role_rank(space_role(actor, space))


def _assignable_roles(actor: User, space: Space) -> list[tuple[str, Any]]:
    if actor.is_platform_admin:
        return list(ROLE_CHOICES)
    rank = role_rank(space_role(actor, space))
    return [(role, label) for role, label in ROLE_CHOICES if role_rank(role) <= rank]


def _members_page(invite_form: InviteForm | None = None, status: int = 200):  # noqa: ANN202
    space = g.space
    actor = _actor()
    manage = can(actor, "space.manage_members", space)
    may_invite = can(actor, "space.invite", space)
    query = (request.args.get("q") or "").strip()[:100]
    rank = db.case(
        {role: role_rank(role) for role in SPACE_ROLES}, value=Membership.role, else_=0
    )
    stmt = (
        db.select(Membership)
        .join(Membership.user)
        .filter(Membership.space_id == space.id)
        .order_by(rank.desc(), db.func.lower(User.name), Membership.id)
        .options(db.contains_eager(Membership.user))
    )
    if query:
        stmt = stmt.filter(User.name.ilike(like_pattern(query), escape="\\"))
    page = paginate(stmt, per_page=MEMBERS_PER_PAGE)
    join_requests: list[JoinRequest] = []
    invitations: list[Invitation] = []
    if manage:
        join_requests = list(
            db.session.scalars(
                db.select(JoinRequest)
                .filter_by(space_id=space.id, status="pending")
                .order_by(JoinRequest.created_at)
                .options(db.joinedload(JoinRequest.user))
            )
        )
    if may_invite:
        invitations = list(
            db.session.scalars(
                db.select(Invitation)
                .filter(
                    Invitation.space_id == space.id,
                    Invitation.accepted_at.is_(None),
                    Invitation.revoked_at.is_(None),
                    Invitation.expires_at > utcnow(),
                )
                .order_by(Invitation.created_at.desc())
                .options(db.joinedload(Invitation.invited_by))
            )
        )
    roles = _assignable_roles(actor, space)
    if invite_form is None and may_invite:
        invite_form = InviteForm()
    if invite_form is not None:
        invite_form.role.choices = roles
    return render_template(
        "spaces/members.html",
        space=space,
        members=page.items,
        page=page,
        query=query,
        manage=manage,
        may_invite=may_invite,
        join_requests=join_requests,
        invitations=invitations,
        invite_form=invite_form,
        roles=roles,
        my_role=space_role(actor, space),
        may_manage=lambda m: manage and _may_manage(actor, space, m),
    ), status


@bp.get("/s/<space_slug>/members")
def members():  # noqa: ANN201
    return _members_page()


def _membership_or_404(membership_id: int) -> Membership:
    row = db.session.get(Membership, membership_id)
    if row is None or row.space_id != g.space.id:
        abort(404)
    return row


@bp.post("/s/<space_slug>/members/<int:membership_id>/role")
def change_member_role(membership_id: int):  # noqa: ANN201
    space, actor = g.space, _actor()
    if not can(actor, "space.manage_members", space):
        abort(403)
    row = _membership_or_404(membership_id)
    role = request.form.get("role", "")
    if role not in SPACE_ROLES:
        return refuse(gettext("Unknown role."), 400)
    if not _may_manage(actor, space, row):
        return refuse(gettext("You cannot change the role of this member."), 403)
    try:
        membership_service.check_assignable_role(actor, space, role)
    except SpaceError as exc:
        return refuse(str(exc), 403)
    if role == row.role:
        return redirect(url_for("spaces.members", space_slug=space.slug))
    try:
        change_role(row, role, actor)
    except SpaceError as exc:
        db.session.rollback()
        return refuse(str(exc), 409)
    notifications.notify(
        [row.user_id],
        kind="space.role_changed",
        title=gettext("Your role in %(space)s is now: %(role)s", space=space.name, role=gettext(role.capitalize())),
        url=url_for("spaces.home", space_slug=space.slug),
        actor=actor,
        space=space,
    )
    db.session.commit()
    flash(gettext("Role of %(name)s changed.", name=row.user.name), "success")
    return redirect(url_for("spaces.members", space_slug=space.slug))


@bp.post("/s/<space_slug>/members/<int:membership_id>/remove")
def remove_space_member(membership_id: int):  # noqa: ANN201
    space, actor = g.space, _actor()
    if not can(actor, "space.manage_members", space):
        abort(403)
    row = _membership_or_404(membership_id)
    if row.user_id == actor.id:
        return refuse(gettext("Use the \"Leave this space\" button to leave."), 400)
    if not _may_manage(actor, space, row):
        return refuse(gettext("You cannot remove this member."), 403)
    name, user_id = row.user.name, row.user_id
    try:
        remove_member(row, actor)
    except SpaceError as exc:
        db.session.rollback()
        return refuse(str(exc), 409)
    notifications.notify(
        [user_id],
        kind="space.member_removed",
        title=gettext("You were removed from %(space)s", space=space.name),
        actor=actor,
        space=space,
    )
    db.session.commit()
    flash(gettext("%(name)s was removed from the space.", name=name), "success")
    return redirect(url_for("spaces.members", space_slug=space.slug))


@bp.post("/s/<space_slug>/join-requests/<int:request_id>")
def decide_join_request(request_id: int):  # noqa: ANN201
    space, actor = g.space, _actor()
    if not can(actor, "space.manage_members", space):
        abort(403)
    req = db.session.get(JoinRequest, request_id)
    if req is None or req.space_id != space.id:
        abort(404)
    decision = request.form.get("decision")
    if decision not in {"accept", "decline"}:
        return refuse(gettext("Choose to accept or decline."), 400)
    try:
        membership_service.decide_join_request(req, actor, accept=decision == "accept")
    except SpaceError as exc:
        db.session.rollback()
        return refuse(str(exc), 409)
    db.session.commit()
    if decision == "accept":
        flash(gettext("%(name)s is now a member.", name=req.user.name), "success")
    else:
        flash(gettext("The request of %(name)s was declined.", name=req.user.name), "info")
    return redirect(url_for("spaces.members", space_slug=space.slug))


def parse_emails(raw: str) -> tuple[list[str], list[str]]:
    """Split ``raw`` on commas, semicolons, spaces and new lines: (valid, invalid)."""
    valid: list[str] = []
    invalid: list[str] = []
    for part in EMAIL_SPLIT_RE.split(raw or ""):
        part = part.strip().strip("<>")
        if not part:
            continue
        try:
            address = validate_email(part, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            invalid.append(part)
            continue
        if address not in valid:
            valid.append(address)
    return valid, invalid


@bp.post("/s/<space_slug>/invite")
def invite():  # noqa: ANN201
    space, actor = g.space, _actor()
    if not can(actor, "space.invite", space):
        abort(403)
    form = InviteForm()
    form.role.choices = _assignable_roles(actor, space)
    if not form.validate():
        return _members_page(form, 422)
    emails, invalid = parse_emails(form.emails.data)
    if invalid:
        form.emails.errors.append(
            gettext("These addresses are not valid: %(list)s", list=", ".join(invalid[:10]))
        )
    elif not emails:
        form.emails.errors.append(gettext("Enter at least one e-mail address."))
    elif len(emails) > MAX_INVITES:
        form.emails.errors.append(gettext("At most %(n)s addresses at a time.", n=MAX_INVITES))
    if form.emails.errors:
        return _members_page(form, 422)
    sent: list[str] = []
    skipped: list[str] = []
    for email in emails:
        try:
            membership_service.invite(space, email, actor, role=form.role.data, message=form.message.data or "")
        except SpaceError as exc:
            if exc.field == "role":
                db.session.rollback()
                form.role.errors.append(str(exc))
                return _members_page(form, 422)
            skipped.append(f"{email} ({exc})")
        else:
            sent.append(email)
    db.session.commit()
    if sent:
        flash(gettext("Invitation sent to: %(list)s", list=", ".join(sent)), "success")
    if skipped:
        flash(gettext("Not invited: %(list)s", list="; ".join(skipped)), "error")
    return redirect(url_for("spaces.members", space_slug=space.slug))


@bp.post("/s/<space_slug>/invitations/<int:invitation_id>/revoke")
def revoke_invitation(invitation_id: int):  # noqa: ANN201
    space, actor = g.space, _actor()
    if not can(actor, "space.invite", space):
        abort(403)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.space_id != space.id:
        abort(404)
    try:
        membership_service.revoke_invitation(invitation, actor)
    except SpaceError as exc:
        db.session.rollback()
        return refuse(str(exc), 409)
    db.session.commit()
    flash(gettext("The invitation to %(email)s was withdrawn.", email=invitation.email), "info")
    return redirect(url_for("spaces.members", space_slug=space.slug))


# -- accepting an invitation (not under /s/: the invitee may not see the space yet) ---


def _invitation_gone(problem: str, invitation: Invitation | None):  # noqa: ANN202
    code = 400 if invitation is None else 410
    return render_template("spaces/invitation_invalid.html", message=problem, code=code), code


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):  # noqa: ANN201
    invitation = membership_service.find_invitation(token[:200])
    problem = membership_service.invitation_problem(invitation)
    if problem:
        return _invitation_gone(problem, invitation)
    space = invitation.space
    if current_user.is_authenticated:
        actor = _actor()
        if actor.email.lower() != invitation.email and not actor.is_platform_admin:
            message = membership_service.wrong_recipient_message(invitation, actor)
            return render_template(
                "spaces/invitation_invalid.html", message=message, code=403
            ), 403
        if request.method == "POST":
            membership_service.accept_invitation(invitation, actor)
            db.session.commit()
            flash(gettext("Welcome to %(space)s!", space=space.name), "success")
            return redirect(url_for("spaces.home", space_slug=space.slug))
        return render_template("spaces/invitation.html", invitation=invitation, space=space, form=None)
    if by_email(invitation.email) is not None:
        flash(gettext("Sign in to accept the invitation."), "info")
        return redirect(url_for("auth.login", next=url_for("spaces.accept_invitation", token=token)))
    form = InvitationSignupForm()
    form.email.data = invitation.email
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                user = create_user(invitation.email, form.name.data, form.password.data)
            except UserError as exc:
                form.name.errors.append(str(exc))
            else:
                membership_service.accept_invitation(invitation, user)
                db.session.commit()
                start_session(user)
                flash(gettext("Welcome to %(space)s!", space=space.name), "success")
                return redirect(url_for("spaces.home", space_slug=space.slug))
    return render_template("spaces/invitation.html", invitation=invitation, space=space, form=form), status
