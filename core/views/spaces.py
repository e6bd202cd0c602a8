"""Spaces: directory, space requests, a space's home page, joining and leaving.

The members page and invitations live in :mod:`parvis.views.space_members`, the
settings pages in :mod:`parvis.views.space_settings`; both add routes to the same
``spaces`` blueprint (imported at the bottom of this file).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import and_, or_

from ..extensions import db
from ..forms.spaces import JoinForm, SpaceRequestForm
from ..models import (
    JOIN_POLICIES,
    VISIBILITIES,
    JoinRequest,
    Membership,
    Space,
    SpaceRequest,
    role_rank,
)
from ..services import audit, membership
from ..services.permissions import can, min_role, prime_roles, space_role
from ..services.spaces import SpaceError, remove_member, slugify
from .pagination import paginate

bp = Blueprint("spaces", __name__)

DIRECTORY_PAGE_SIZE = 24


def refuse(message: str, code: int = 409):  # noqa: ANN201
    """A page explaining why an action was refused (with the given status)."""
    return render_template("spaces/refused.html", message=message, code=code), code


def may_manage_lifecycle(user: Any, space: Space) -> bool:
    """Archive/reactivate rights, which survive archiving (``can`` refuses all writes then)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_platform_admin:
        return True
    return role_rank(space_role(user, space)) >= role_rank(min_role(space, "space.delete"))


def may_open_settings(space: Space | None) -> bool:
    """Show the space's "Settings" link? (template helper)"""
    if space is None or not current_user.is_authenticated:
        return False
    return (
        can(current_user, "space.settings", space)
        or can(current_user, "space.modules", space)
        or may_manage_lifecycle(current_user, space)
    )


@bp.app_context_processor
def _space_helpers() -> dict[str, Any]:
    return {"may_open_settings": may_open_settings}


# -- directory -------------------------------------------------------------------------


def like_pattern(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its wildcards escaped (``escape="\\"``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@bp.get("/spaces")
@login_required
def directory():  # noqa: ANN201
    user = current_user
    q = (request.args.get("q") or "").strip()[:100]
    visibility = request.args.get("visibility", "")
    join_policy = request.args.get("join_policy", "")
    mine = request.args.get("mine") == "1"
    stmt = db.select(Space, Membership.role).outerjoin(
        Membership, and_(Membership.space_id == Space.id, Membership.user_id == user.id)
    )
    if not user.is_platform_admin:
        stmt = stmt.where(or_(Space.visibility != "secret", Membership.id.is_not(None)))
    if q:
        pattern = like_pattern(q)
        stmt = stmt.where(
            or_(Space.name.ilike(pattern, escape="\\"), Space.description.ilike(pattern, escape="\\"))
        )
    if visibility in VISIBILITIES:
        stmt = stmt.where(Space.visibility == visibility)
    if join_policy in JOIN_POLICIES:
        stmt = stmt.where(Space.join_policy == join_policy)
    if mine:
        stmt = stmt.where(Membership.id.is_not(None))
    stmt = stmt.order_by(Space.name, Space.id)
    page = paginate(stmt, per_page=DIRECTORY_PAGE_SIZE, scalars=False)
    ids = [space.id for space, _role in page.items]
    prime_roles(user, {space.id: role for space, role in page.items})
    counts: dict[int, int] = {}
    pending: set[int] = set()
    if ids:
        counts = dict(
            db.session.execute(
                db.select(Membership.space_id, db.func.count())
                .where(Membership.space_id.in_(ids))
                .group_by(Membership.space_id)
            ).all()
        )
        pending = set(
            db.session.scalars(
                db.select(JoinRequest.space_id).where(
                    JoinRequest.space_id.in_(ids),
                    JoinRequest.user_id == user.id,
                    JoinRequest.status == "pending",
                )
            )
        )
    return render_template(
        "spaces/directory.html",
        page=page,
        counts=counts,
        pending=pending,
        q=q,
        visibility=visibility,
        join_policy=join_policy,
        mine=mine,
    )


# -- space requests --------------------------------------------------------------------


@bp.route("/spaces/request", methods=["GET", "POST"])
@login_required
def request_space():  # noqa: ANN201
    from ..services.space_templates import available_templates

    form = SpaceRequestForm()
    templates = available_templates(current_user)
    form.template.choices = [*form.template.choices, *[(t.key, str(t.label)) for t in templates]]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            slug = form.slug.data or slugify(form.name.data or "")
            if not slug:
                form.slug.errors.append(gettext("Choose an address for the space."))
            else:
                try:
                    req = membership.request_space(
                        current_user,
                        name=form.name.data,
                        slug=slug,
                        purpose=form.purpose.data or "",
                        audience=form.audience.data or "",
                        visibility=form.visibility.data,
                        join_policy=form.join_policy.data,
                        template=form.template.data or None,
                    )
                except SpaceError as exc:
                    db.session.rollback()
                    target = getattr(form, exc.field or "slug", form.slug)
                    target.errors.append(str(exc))
                else:
                    audit.record("space_request.created", actor=current_user, target=req, details={"slug": slug})
                    db.session.commit()
                    if req.status == "approved" and req.space is not None:
                        flash(gettext("Your space is open."), "success")
                        return redirect(url_for("spaces.home", space_slug=req.space.slug))
                    flash(gettext("Your request was sent to the community managers."), "success")
                    return redirect(url_for("spaces.my_requests"))
    return render_template(
        "spaces/request.html", form=form, templates={t.key: t for t in templates}
    ), status


@bp.get("/spaces/requests")
@login_required
def my_requests():  # noqa: ANN201
    rows = db.session.scalars(
        db.select(SpaceRequest)
        .filter_by(requester_id=current_user.id)
        .order_by(SpaceRequest.created_at.desc(), SpaceRequest.id.desc())
        .options(db.selectinload(SpaceRequest.space))
        .limit(200)
    ).all()
    return render_template("spaces/my_requests.html", requests=rows)


# -- a space's home --------------------------------------------------------------------


def _member_count(space: Space) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(Membership).filter_by(space_id=space.id)
    ) or 0


def _pending_join_request(space: Space) -> JoinRequest | None:
    return db.session.scalar(
        db.select(JoinRequest).filter_by(space_id=space.id, user_id=current_user.id, status="pending")
    )


@bp.get("/s/<space_slug>/")
def home():  # noqa: ANN201
    """The space home: its published composition (or the default one), or the "about"
    page for an outsider of a private space."""
    from ..layouts import get_layout, render_composition
    from ..services.composition import home_composition

    space = g.space
    role = space_role(current_user, space)
    pending = _pending_join_request(space) if role is None else None
    if not can(current_user, "space.read", space):
        return render_template(
            "spaces/about.html",
            space=space,
            member_count=_member_count(space),
            pending=pending,
            join_form=JoinForm(),
        )
    comp = home_composition(space)
    layout = get_layout(comp.layout)
    body = render_composition(space, layout, comp.placements, current_user)
    return render_template(
        "spaces/home.html", space=space, body=body, role=role, pending=pending, join_form=JoinForm()
    )


@bp.get("/s/<space_slug>/p/<page_slug>")
def page(page_slug: str):  # noqa: ANN201
    """A composed page of the space (added in the builder, listed in the navigation)."""
    from ..layouts import get_layout, render_composition
    from ..services.composition import published_composition

    space = g.space
    if not can(current_user, "space.read", space) or page_slug == "home":
        abort(404)
    found = published_composition(space, page_slug[:64])
    if found is None:
        abort(404)
    page_row, comp = found
    body = render_composition(space, get_layout(comp.layout), comp.placements, current_user)
    return render_template("spaces/page.html", space=space, page=page_row, body=body)


@bp.post("/s/<space_slug>/join")
def join():  # noqa: ANN201
    space = g.space
    form = JoinForm()
    if not form.validate():
        return refuse(gettext("Your message is too long (2000 characters at most)."), 422)
    user = current_user._get_current_object()
    try:
        result = membership.join(space, user, form.message.data or "")
    except SpaceError as exc:
        return refuse(str(exc), 403)
    if isinstance(result, Membership):
        audit.record("space.member_joined", actor=user, space=space, target=user)
        db.session.commit()
        flash(gettext("Welcome to %(space)s!", space=space.name), "success")
    else:
        db.session.commit()
        flash(gettext("Your request to join was sent to the space's admins."), "success")
    return redirect(url_for("spaces.home", space_slug=space.slug))


@bp.post("/s/<space_slug>/leave")
def leave():  # noqa: ANN201
    space = g.space
    user = current_user._get_current_object()
    row = db.session.scalar(db.select(Membership).filter_by(space_id=space.id, user_id=user.id))
    if row is None:
        return refuse(gettext("You are not a member of this space."), 400)
    try:
        remove_member(row, user)
    except SpaceError as exc:
        db.session.rollback()
        return refuse(str(exc), 409)
    db.session.commit()
    flash(gettext("You left %(space)s.", space=space.name), "info")
    return redirect(url_for("home.index"))


from . import space_members, space_settings  # noqa: E402, F401  (routes on this blueprint)
