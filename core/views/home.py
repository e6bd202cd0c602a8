"""Platform home: the "my spaces" dashboard, notifications, language switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ..extensions import db
from ..input_guards import valid_id
from ..models import Membership, Notification, Space
from ..services import notifications
from ..services.safe_redirect import safe_next

bp = Blueprint("home", __name__)


@bp.get("/")
def index():  # noqa: ANN201
    if not current_user.is_authenticated:
        return render_template("home/welcome.html")
    rows = db.session.execute(
        db.select(Space, Membership.role)
        .join(Membership, Membership.space_id == Space.id)
        .filter(Membership.user_id == current_user.id)
        .order_by(Space.name)
    ).all()
    return render_template("home/dashboard.html", memberships=rows)


@bp.get("/notifications")
@login_required
def notification_list():  # noqa: ANN201
    items = db.session.scalars(
        db.select(Notification)
        .filter_by(user_id=current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(100)
        .options(db.selectinload(Notification.actor))
    ).all()
    return render_template("home/notifications.html", items=items)


@bp.post("/notifications/read")
@login_required
def notifications_read():  # noqa: ANN201
    notification_id = valid_id(request.form.get("id")) if request.form.get("id") else None
    notifications.mark_read(current_user, notification_id)
    db.session.commit()
    target = request.form.get("next")
    return redirect(safe_next(target) or url_for("home.notification_list"))


@bp.post("/language")
def set_language():  # noqa: ANN201
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    response = make_response(redirect(safe_next(request.form.get("next")) or url_for("home.index")))
    response.set_cookie(
        "parvis_lang",
        lang,
        max_age=3600 * 24 * 365,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response
