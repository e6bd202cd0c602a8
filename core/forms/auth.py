"""Forms of sign-in, registration, password and profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

#: Language names are written in their own language, so they are not translated.
LANGUAGE_CHOICES = (("fr", "Français"), ("en", "English"))

PASSWORD_RULES = [
    DataRequired(),
    Length(min=10, max=256, message=_l("Use between 10 and 256 characters.")),
]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Stay signed in on this device"))


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=PASSWORD_RULES)
    confirm = PasswordField(
        _l("Confirm the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=PASSWORD_RULES)
    confirm = PasswordField(
        _l("Confirm the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    username = StringField(
        _l("Username (for @mentions)"),
        validators=[
            DataRequired(),
            Length(min=2, max=64),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z", message=_l("Letters, digits, dots and dashes only.")),
        ],
    )
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=160)])
    expertise = StringField(
        _l("Expertise (comma-separated tags)"), validators=[Optional(), Length(max=500)]
    )
    bio = TextAreaField(_l("About me (markdown)"), validators=[Optional(), Length(max=5000)])
    locale = SelectField(_l("Language"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        # Set after binding: tuples given to the constructor are deprecated in WTForms 3.3.
        self.locale.choices = list(LANGUAGE_CHOICES)
