"""Sign-in, registration, password reset, profile and active sessions."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..auth_session import (
    disconnect_sessions,
    end_other_sessions,
    end_session,
    revoke_api_tokens,
    start_session,
)
from ..extensions import db, limiter
from ..forms.auth import (
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from ..models import Membership, Space, User, UserSession
from ..services import audit
from ..services.mail import send_mail
from ..services.permissions import can_see_space, prime_roles
from ..services.safe_redirect import safe_next
from ..services.users import UserError, by_email, create_user

bp = Blueprint("auth", __name__)


@cache
def _dummy_user() -> User:
    """Checked against when the e-mail is unknown, so a failed login takes the same time."""
    user = User()
    user.set_password(secrets.token_hex(16))
    return user


def _form_status(form: object) -> int:
    """422 when a submitted form was refused (errors shown in the page), else 200."""
    return 422 if request.method == "POST" and getattr(form, "errors", None) else 200


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _reset_limit() -> str:
    return current_app.config["RATELIMIT_PASSWORD_RESET"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():  # noqa: ANN201
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = by_email(form.email.data)
        if user is not None and user.active and user.check_password(form.password.data):
            start_session(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
        if user is None:
            _dummy_user().check_password(form.password.data)  # same time whether the account exists
        form.password.errors.append(gettext("Unknown e-mail address or wrong password."))
    return render_template("auth/login.html", form=form), _form_status(form)


@bp.post("/logout")
@login_required
def logout():  # noqa: ANN201
    end_session(current_user._get_current_object())
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("home.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():  # noqa: ANN201
    if not current_app.config["REGISTRATION_OPEN"]:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.name.data, form.password.data)
        except UserError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            start_session(user)
            flash(gettext("Welcome to %(site)s!", site=current_app.config["SITE_NAME"]), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/register.html", form=form), _form_status(form)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="parvis.password-reset")


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password changes, so a reset link works only once."""
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:16]


def reset_token(user: User) -> str:
    return _reset_serializer().dumps({"uid": user.id, "fp": _password_fingerprint(user)})


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_request():  # noqa: ANN201
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = by_email(form.email.data)
        if user is not None and user.active:
            link = url_for("auth.reset_password", token=reset_token(user), _external=True)
            send_mail(
                user.email,
                gettext("Reset your password"),
                gettext(
                    "Hello %(name)s,\n\nTo choose a new password, open this link within "
                    "%(hours)s hours:\n%(link)s\n\nIf you did not ask for it, ignore this message.",
                    name=user.name,
                    hours=current_app.config["PASSWORD_RESET_HOURS"],
                    link=link,
                ),
            )
        # Same answer whether the address exists or not (no account enumeration).
        flash(gettext("If an account uses this address, a reset link has been sent to it."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form), _form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):  # noqa: ANN201
    max_age = current_app.config["PASSWORD_RESET_HOURS"] * 3600
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return render_template("auth/reset_invalid.html", expired=True), 400
    except BadSignature:
        return render_template("auth/reset_invalid.html", expired=False), 400
    user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("fp") != _password_fingerprint(user):
        return render_template("auth/reset_invalid.html", expired=False), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        end_other_sessions(user)
        revoke_api_tokens(user)
        audit.record("user.password_reset", actor=user, target=user)
        db.session.commit()
        flash(gettext("Your password has been changed. Sign in with it."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), _form_status(form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():  # noqa: ANN201
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.current.data):
            form.current.errors.append(gettext("This is not your current password."))
        else:
            user.set_password(form.password.data)
            end_other_sessions(user)
            revoke_api_tokens(user)
            audit.record("user.password_changed", actor=user, target=user)
            db.session.commit()
            # The old session is gone too: start a fresh one for this browser.
            start_session(user)
            flash(gettext("Password changed; your other sessions were ended."), "success")
            return redirect(url_for("auth.sessions"))
    return render_template("auth/change_password.html", form=form), _form_status(form)


@bp.get("/account/sessions")
@login_required
def sessions():  # noqa: ANN201
    rows = db.session.scalars(
        db.select(UserSession)
        .filter_by(user_id=current_user.id)
        .order_by(UserSession.last_seen_at.desc())
    ).all()
    return render_template("auth/sessions.html", rows=rows, current_id=current_user.current_session_id)


@bp.post("/account/sessions/end")
@login_required
def end_sessions():  # noqa: ANN201
    session_id = request.form.get("session_id")
    if session_id:
        if session_id == current_user.current_session_id:
            abort(400)
        db.session.execute(
            db.delete(UserSession).filter_by(id=session_id, user_id=current_user.id)
        )
        db.session.commit()
        disconnect_sessions(current_user.id, only=session_id)
    else:
        end_other_sessions(current_user, keep=current_user.current_session_id)
    flash(gettext("Session ended."), "success")
    return redirect(url_for("auth.sessions"))


@bp.get("/people/<int:user_id>")
@login_required
def profile(user_id: int):  # noqa: ANN201
    user = db.session.get(User, user_id) or abort(404)
    rows = db.session.scalars(
        db.select(Space)
        .join(Membership, Membership.space_id == Space.id)
        .filter(Membership.user_id == user.id)
        .order_by(Space.name)
    ).all()
    # The viewer's roles in those spaces in one query, so can_see_space costs none per row.
    prime_roles(
        current_user,
        dict(
            db.session.execute(
                db.select(Membership.space_id, Membership.role).filter(
                    Membership.user_id == current_user.id,
                    Membership.space_id.in_([s.id for s in rows]),
                )
            ).all()
        ),
    )
    spaces = [s for s in rows if can_see_space(current_user, s)]
    return render_template("auth/profile.html", person=user, spaces=spaces)


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def edit_profile():  # noqa: ANN201
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if request.method == "GET":
        form.expertise.data = ", ".join(user.expertise or [])
        form.locale.data = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    if form.validate_on_submit():
        # Handles are matched lowercased in @mentions: store them lowercased.
        form.username.data = form.username.data.strip().lower()
        taken = db.session.scalar(
            db.select(User.id).filter(
                db.func.lower(User.username) == form.username.data, User.id != user.id
            )
        )
        if taken is not None:
            form.username.errors.append(gettext("This username is already taken."))
        else:
            user.name = form.name.data.strip()
            user.username = form.username.data
            user.job_title = form.job_title.data or ""
            user.organisation = form.organisation.data or ""
            user.bio = form.bio.data or ""
            user.locale = form.locale.data
            tags = [t.strip() for t in (form.expertise.data or "").split(",") if t.strip()]
            user.expertise = list(dict.fromkeys(tags))[:30]
            db.session.commit()
            flash(gettext("Profile saved."), "success")
            return redirect(url_for("auth.profile", user_id=user.id))
    return render_template("auth/edit_profile.html", form=form), _form_status(form)
