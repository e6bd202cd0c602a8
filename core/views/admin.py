"""Platform administration: space requests, users, audit log, installed modules.

Community managers see the space requests; the rest is for platform admins. Everyone
else gets a 404 (the administration does not exist for them).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..extensions import db
from ..forms.admin import PLATFORM_ROLE_LABELS, ApproveRequestForm, DeclineRequestForm
from ..models import PLATFORM_ROLES, AuditLog, SpaceRequest, User, UserSession
from ..models.platform import DISABLED_MODULES_KEY, PlatformSetting, switched_off_modules
from ..plugins.manager import current_platform
from ..services import audit
from ..services.membership import approve_request, decline_request
from ..services.spaces import SpaceError
from .pagination import paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _guard():  # noqa: ANN202
    if not current_user.is_authenticated or not current_user.is_active:
        abort(404)
    if not current_user.is_community_manager:
        abort(404)
    return None


def _platform_admin_only() -> None:
    if not current_user.is_platform_admin:
        abort(404)


def _pending_requests() -> list[SpaceRequest]:
    return list(
        db.session.scalars(
            db.select(SpaceRequest)
            .filter_by(status="pending")
            .order_by(SpaceRequest.created_at, SpaceRequest.id)
            .options(db.joinedload(SpaceRequest.requester))
        )
    )


@bp.get("/")
def index():  # noqa: ANN201
    pending = db.session.scalar(
        db.select(db.func.count()).select_from(SpaceRequest).filter_by(status="pending")
    )
    return render_template("admin/index.html", pending=pending, section="index")


# -- space requests --------------------------------------------------------------------


def _requests_page(forms: dict[int, DeclineRequestForm] | None = None, status: int = 200):  # noqa: ANN202
    recent = db.session.scalars(
        db.select(SpaceRequest)
        .filter(SpaceRequest.status != "pending")
        .order_by(SpaceRequest.decided_at.desc(), SpaceRequest.id.desc())
        .limit(20)
        .options(db.joinedload(SpaceRequest.requester), db.joinedload(SpaceRequest.decided_by))
    ).all()
    return render_template(
        "admin/requests.html",
        requests=_pending_requests(),
        recent=recent,
        decline_forms=forms or {},
        approve_form=ApproveRequestForm(formdata=None),
        empty_decline=DeclineRequestForm(formdata=None),
        section="requests",
    ), status


@bp.get("/requests")
def requests():  # noqa: ANN201
    return _requests_page()


def _pending_or_404(request_id: int) -> SpaceRequest:
    req = db.session.get(SpaceRequest, request_id)
    if req is None:
        abort(404)
    return req


@bp.post("/requests/<int:request_id>/approve")
def approve(request_id: int):  # noqa: ANN201
    req = _pending_or_404(request_id)
    form = ApproveRequestForm()
    if not form.validate():
        return _requests_page(status=422)
    try:
        space = approve_request(req, current_user._get_current_object(), (form.message.data or "").strip())
    except SpaceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.requests")), 303
    db.session.commit()
    flash(gettext("The space %(name)s is open.", name=space.name), "success")
    return redirect(url_for("admin.requests"))


@bp.post("/requests/<int:request_id>/decline")
def decline(request_id: int):  # noqa: ANN201
    req = _pending_or_404(request_id)
    form = DeclineRequestForm()
    if not form.validate():
        return _requests_page({req.id: form}, 422)
    try:
        decline_request(req, current_user._get_current_object(), form.message.data)
    except SpaceError as exc:
        db.session.rollback()
        if exc.field == "message":
            form.message.errors.append(str(exc))
            return _requests_page({req.id: form}, 422)
        flash(str(exc), "error")
        return redirect(url_for("admin.requests")), 303
    db.session.commit()
    flash(gettext("The request %(name)s was declined.", name=req.name), "info")
    return redirect(url_for("admin.requests"))


# -- users -----------------------------------------------------------------------------


@bp.get("/users")
def users():  # noqa: ANN201
    _platform_admin_only()
    q = (request.args.get("q") or "").strip()[:100]
    stmt = db.select(User)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            db.or_(
                User.name.ilike(pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"),
                User.username.ilike(pattern, escape="\\"),
            )
        )
    page = paginate(stmt.order_by(User.name, User.id), per_page=50)
    return render_template(
        "admin/users.html", page=page, q=q, role_labels=PLATFORM_ROLE_LABELS, section="users"
    )


def _other_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _back_to_users():  # noqa: ANN202
    return redirect(url_for("admin.users", q=request.form.get("q") or None))


@bp.post("/users/<int:user_id>/role")
def user_role(user_id: int):  # noqa: ANN201
    _platform_admin_only()
    user = _other_user(user_id)
    role = request.form.get("role", "")
    if role not in PLATFORM_ROLES:
        return render_template("errors/error.html", code=400, message=gettext("Unknown role.")), 400
    if user.id == current_user.id:
        return render_template(
            "errors/error.html", code=409, message=gettext("You cannot change your own platform role.")
        ), 409
    if role != user.platform_role:
        old, user.platform_role = user.platform_role, role
        audit.record(
            "user.platform_role_changed", actor=current_user, target=user, details={"from": old, "to": role}
        )
        db.session.commit()
        flash(gettext("%(name)s is now: %(role)s", name=user.name, role=PLATFORM_ROLE_LABELS[role]), "success")
    return _back_to_users()


@bp.post("/users/<int:user_id>/active")
def user_active(user_id: int):  # noqa: ANN201
    _platform_admin_only()
    user = _other_user(user_id)
    op = request.form.get("op")
    if op not in {"deactivate", "reactivate"}:
        return render_template("errors/error.html", code=400, message=gettext("Unknown action.")), 400
    if user.id == current_user.id:
        return render_template(
            "errors/error.html", code=409, message=gettext("You cannot deactivate your own account.")
        ), 409
    if op == "deactivate" and user.active:
        user.active = False
        db.session.execute(db.delete(UserSession).filter_by(user_id=user.id))
        audit.record("user.deactivated", actor=current_user, target=user)
        flash(gettext("%(name)s is deactivated and signed out everywhere.", name=user.name), "info")
    elif op == "reactivate" and not user.active:
        user.active = True
        audit.record("user.reactivated", actor=current_user, target=user)
        flash(gettext("%(name)s is active again.", name=user.name), "success")
    db.session.commit()
    return _back_to_users()


# -- audit log -------------------------------------------------------------------------


@bp.get("/audit")
def audit_log():  # noqa: ANN201
    _platform_admin_only()
    action = (request.args.get("action") or "").strip()[:64]
    stmt = db.select(AuditLog).options(db.joinedload(AuditLog.actor))
    if action:
        stmt = stmt.where(AuditLog.action.startswith(action, autoescape=True))
    page = paginate(stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc()), per_page=50)
    return render_template("admin/audit.html", page=page, action=action, section="audit")


# -- installed modules -----------------------------------------------------------------


@bp.get("/modules")
def modules():  # noqa: ANN201
    _platform_admin_only()
    platform = current_platform()
    off = switched_off_modules()
    rows = []
    for name in platform.installed_entry_points():
        spec = platform.module(name)
        loaded = spec is not None
        if name in off:
            state = "off_pending" if loaded else "off"
        else:
            state = "active" if loaded else "on_pending"
        rows.append({"id": name, "spec": spec, "state": state, "switched_off": name in off})
    return render_template("admin/modules.html", rows=rows, section="modules")


@bp.post("/modules/<name>")
def switch_module(name: str):  # noqa: ANN201
    _platform_admin_only()
    platform = current_platform()
    if name not in platform.installed_entry_points():
        abort(404)
    op = request.form.get("op")
    if op not in {"on", "off"}:
        return render_template("errors/error.html", code=400, message=gettext("Unknown action.")), 400
    off = set(switched_off_modules())
    if op == "off":
        off.add(name)
    else:
        off.discard(name)
    PlatformSetting.set_value(DISABLED_MODULES_KEY, sorted(off))
    audit.record(
        "platform.module_switched_off" if op == "off" else "platform.module_switched_on",
        actor=current_user,
        details={"module": name},
    )
    db.session.commit()
    if op == "off":
        flash(
            gettext(
                "%(name)s is switched off: its pages answer 404 now; restart the application "
                "to unload it completely.",
                name=name,
            ),
            "info",
        )
    else:
        flash(gettext("%(name)s is switched on: restart the application to load it.", name=name), "info")
    return redirect(url_for("admin.modules"))
