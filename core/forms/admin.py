"""Forms of the platform administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class DeclineRequestForm(FlaskForm):
    """Decline a space request; the message is sent to the requester."""

    message = TextAreaField(
        _l("Why is it declined? (sent to the requester)"),
        validators=[DataRequired(message=_l("Explain why the request is declined.")), Length(max=2000)],
    )


class ApproveRequestForm(FlaskForm):
    """Approve a space request, with an optional message."""

    message = TextAreaField(_l("Message to the requester (optional)"), validators=[Length(max=2000)])


PLATFORM_ROLE_LABELS = {
    "admin": _l("Platform admin"),
    "community_manager": _l("Community manager"),
    "user": _l("User"),
}
