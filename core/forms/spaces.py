"""Forms of space requests, space settings, invitations and joining."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from .auth import PASSWORD_RULES

VISIBILITY_CHOICES = [
    ("public", _l("Public: every signed-in person can read it")),
    ("private", _l("Private: listed, content for members only")),
    ("secret", _l("Secret: only members know it exists")),
]
JOIN_POLICY_CHOICES = [
    ("open", _l("Open: anyone may join")),
    ("request", _l("On request: an admin accepts each request")),
    ("invitation", _l("Invitation only")),
]
ROLE_LABELS = {
    "owner": _l("Owner"),
    "admin": _l("Admin"),
    "moderator": _l("Moderator"),
    "member": _l("Member"),
    "guest": _l("Guest"),
}
ROLE_CHOICES = list(ROLE_LABELS.items())


def set_choices(field: Any, choices: list[tuple[str, Any]]) -> None:
    """Set a SelectField's choices after binding (the constructor's tuple form is deprecated)."""
    field.choices = list(choices)


class SpaceRequestForm(FlaskForm):
    """Ask for a new space."""

    name = StringField(_l("Name of the space"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        _l("Address"),
        validators=[Optional(), Length(max=64, message=_l("At most 64 characters."))],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )
    purpose = TextAreaField(
        _l("Purpose"), validators=[DataRequired(), Length(max=5000)]
    )
    audience = TextAreaField(_l("Who is it for?"), validators=[Optional(), Length(max=2000)])
    visibility = SelectField(_l("Visibility"), default="private")
    join_policy = SelectField(_l("How people join"), default="request")
    #: Choices are set by the view (shipped, published and the user's own templates).
    template = RadioField(_l("Start from a template"), default="", validate_choice=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.visibility, VISIBILITY_CHOICES)
        set_choices(self.join_policy, JOIN_POLICY_CHOICES)
        set_choices(self.template, [("", _l("No template: the default modules and home page"))])


class SpaceSettingsForm(FlaskForm):
    """General settings of a space."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description (markdown)"), validators=[Optional(), Length(max=20000)])
    visibility = SelectField(_l("Visibility"))
    join_policy = SelectField(_l("How people join"))
    layout = SelectField(_l("Layout of the home page"))
    accent_color = StringField(
        _l("Accent colour"),
        validators=[
            Optional(),
            Regexp(r"^#[0-9a-fA-F]{6}\Z", message=_l("Use the #rrggbb form, for example #000091.")),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.visibility, VISIBILITY_CHOICES)
        set_choices(self.join_policy, JOIN_POLICY_CHOICES)
        set_choices(self.layout, [])


class InviteForm(FlaskForm):
    """Invite one or several e-mail addresses."""

    emails = TextAreaField(
        _l("E-mail addresses"), validators=[DataRequired(), Length(max=10000)]
    )
    role = SelectField(_l("Role"), default="member")
    message = TextAreaField(_l("Personal message (optional)"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.role, ROLE_CHOICES)


class JoinForm(FlaskForm):
    """Optional message sent with a join request."""

    message = TextAreaField(_l("Message to the space's admins (optional)"), validators=[Optional(), Length(max=2000)])


class InvitationSignupForm(FlaskForm):
    """Create an account from an invitation (the e-mail address is the invited one)."""

    email = EmailField(_l("E-mail address"), render_kw={"readonly": True})
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Password"), validators=PASSWORD_RULES)
    confirm = PasswordField(
        _l("Confirm the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class DeleteSpaceForm(FlaskForm):
    """Type the space's address to confirm its deletion."""

    confirm = StringField(_l("Type the address of the space to confirm"), validators=[DataRequired()])
