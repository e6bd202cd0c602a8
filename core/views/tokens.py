"""Personal API tokens page: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..api.tokens import issue_token, revoke_token, user_tokens

bp = Blueprint("tokens", __name__)

EXPIRY_CHOICES = [
    ("30", _l("30 days")),
    ("90", _l("90 days")),
    ("365", _l("One year")),
    ("0", _l("Never")),
]


class TokenForm(FlaskForm):
    """Name and lifetime of a new token."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("To recognise the token later, e.g. the script that uses it."),
    )
    expires = SelectField(_l("Expires after"), default="90")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set after binding: passing tuples to the constructor is deprecated in WTForms 3.3.
        self.expires.choices = list(EXPIRY_CHOICES)


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):  # noqa: ANN202
    response = make_response(
        render_template(
            "auth/tokens.html", form=form, tokens=user_tokens(current_user), new_token=new_token
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/tokens")
@login_required
def index():  # noqa: ANN201
    return _page(TokenForm())


@bp.post("/account/tokens")
@login_required
def create():  # noqa: ANN201
    """Create a token and show its secret in this answer only (never stored in clear)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    days = int(form.expires.data or 0) or None
    _row, clear = issue_token(current_user._get_current_object(), form.name.data, days)
    flash(gettext("Token created. Copy it now: it will not be shown again."), "success")
    return _page(TokenForm(formdata=None), new_token=clear, status=201)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):  # noqa: ANN201
    if revoke_token(current_user._get_current_object(), token_id) is None:
        abort(404)
    flash(gettext("Token revoked: it no longer works."), "success")
    return redirect(url_for("tokens.index"))
