"""Forms of the space builder (pages, theme, templates, space files)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from .spaces import JOIN_POLICY_CHOICES, VISIBILITY_CHOICES, set_choices


class NewPageForm(FlaskForm):
    """Add a composed page to the space navigation."""

    title = StringField(_l("Title of the new page"), validators=[DataRequired(), Length(max=120)])


class ThemeForm(FlaskForm):
    """Theme and accent colour of a space (choices set by the view)."""

    theme = SelectField(_l("Theme"))
    accent_color = StringField(
        _l("Accent colour"),
        validators=[
            Optional(),
            Regexp(r"^#[0-9a-fA-F]{6}\Z", message=_l("Use the #rrggbb form, for example #000091.")),
        ],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )


class TemplateForm(FlaskForm):
    """Save the space as a template."""

    label = StringField(_l("Name of the template"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("What is it for?"), validators=[Optional(), Length(max=2000)])


class SpaceFromFileForm(FlaskForm):
    """Create a space from a space file (the file itself is read from ``request.files``)."""

    name = StringField(_l("Name of the space"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        _l("Address"), validators=[Optional(), Length(max=64)],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )
    visibility = SelectField(_l("Visibility"), default="private")
    join_policy = SelectField(_l("How people join"), default="request")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.visibility, VISIBILITY_CHOICES)
        set_choices(self.join_policy, JOIN_POLICY_CHOICES)
