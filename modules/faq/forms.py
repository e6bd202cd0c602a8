"""Forms of the FAQ pages, its per-space settings and its widgets."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .models import ANSWER_MAX, CATEGORY_NAME_MAX, DETAILS_MAX, QUESTION_MAX, REASON_MAX


def _too_long(limit: int) -> Any:
    return _l("Too long: %(max)s characters at most.", max=limit)


def _question() -> StringField:
    return StringField(
        _l("Question"),
        validators=[
            DataRequired(message=_l("The question cannot be empty.")),
            Length(max=QUESTION_MAX, message=_too_long(QUESTION_MAX)),
        ],
    )


def _optional_int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


def category_choices(space: Any, *, empty_label: Any) -> list[SelectChoice]:
    """An empty choice then every category of ``space``, for a category select."""
    from .queries import categories

    return [SelectChoice("", empty_label)] + [
        SelectChoice(str(c.id), c.name) for c in categories(space)
    ]


class ProposeForm(FlaskForm):
    """A member's question."""

    question = _question()
    details = TextAreaField(
        _l("Details (optional)"),
        validators=[Optional(), Length(max=DETAILS_MAX, message=_too_long(DETAILS_MAX))],
    )
    category_id = SelectField(_l("Category (optional)"), coerce=_optional_int, validate_choice=False)


class EntryForm(FlaskForm):
    """A moderator's entry: question, category and markdown answer."""

    question = _question()
    category_id = SelectField(_l("Category"), coerce=_optional_int, validate_choice=False)
    answer = TextAreaField(
        _l("Answer (markdown)"),
        validators=[Optional(), Length(max=ANSWER_MAX, message=_too_long(ANSWER_MAX))],
    )
    save = SubmitField(_l("Save"))
    publish = SubmitField(_l("Save and publish"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (sent to the person who asked)"),
        validators=[
            DataRequired(message=_l("Give the reason for declining.")),
            Length(max=REASON_MAX, message=_too_long(REASON_MAX)),
        ],
    )


class CategoryForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("The category needs a name.")),
            Length(max=CATEGORY_NAME_MAX, message=_too_long(CATEGORY_NAME_MAX)),
        ],
    )


class SettingsForm(Form):
    """Per-space settings of the FAQ module."""

    who_may_propose = SelectField(
        _l("Who may propose questions"),
        choices=[
            SelectChoice("members", _l("Members")),
            SelectChoice("nobody", _l("Nobody (moderators write the FAQ)")),
        ],
        default="members",
    )
    default_order = SelectField(
        _l("Default order of the FAQ page"),
        choices=[
            SelectChoice("category", _l("By category")),
            SelectChoice("helpful", _l("Most helpful first")),
        ],
        default="category",
    )


class TopWidgetForm(Form):
    limit = IntegerField(
        _l("How many questions"), default=5, validators=[InputRequired(), NumberRange(1, 20)]
    )


def _widget_category_choices() -> list[SelectChoice]:
    space = g.get("space") if has_request_context() else None
    if space is None:
        return []
    from .queries import categories

    return [SelectChoice(str(c.id), c.name) for c in categories(space)]


class CategoryWidgetForm(Form):
    category_id = SelectField(
        _l("Category"), coerce=_optional_int, choices=_widget_category_choices
    )
    limit = IntegerField(
        _l("How many questions"), default=10, validators=[InputRequired(), NumberRange(1, 50)]
    )


class AskWidgetForm(Form):
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=120)])
