"""WTForms forms of the wiki pages, the module settings and the widgets."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .models import MAX_BODY, MAX_SUMMARY, MAX_TITLE

BODY_TOO_LONG = _l("The page is too long (200000 characters at most): split it into sub-pages.")


def _parent_choice(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return -1  # refused by the service as "this parent page does not exist"


class PageForm(FlaskForm):
    """Create or edit a page. ``base_revision_id`` is the revision the editor started from."""

    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Give the page a title.")), Length(max=MAX_TITLE)],
    )
    body = TextAreaField(
        _l("Content (markdown)"),
        validators=[Optional(), Length(max=MAX_BODY, message=BODY_TOO_LONG)],
        render_kw={"rows": 20},
    )
    summary = StringField(
        _l("Summary of your changes"),
        validators=[Optional(), Length(max=MAX_SUMMARY)],
    )
    is_template = BooleanField(_l("Offer this page as a template for new pages"))
    base_revision_id = HiddenField()


class NewPageForm(PageForm):
    """The creation form adds where the page goes."""

    parent_id = SelectField(_l("Parent page"), coerce=_parent_choice, validate_choice=False)


class MoveForm(FlaskForm):
    """Place a page elsewhere in the tree and optionally change its address."""

    parent_id = SelectField(_l("Put this page under"), coerce=_parent_choice, validate_choice=False)
    slug = StringField(
        _l("Address of the page"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("Lowercase letters, digits and dashes. The old address keeps working."),
    )


class WikiSettingsForm(Form):
    """Per-space settings of the wiki module."""

    toc_min_headings = IntegerField(
        _l("Show a table of contents from this many headings"),
        default=3,
        validators=[NumberRange(min=1, max=50)],
    )
    comments = BooleanField(_l("Allow comments on wiki pages"), default=True)


class EmbedPageWidgetForm(Form):
    """Settings of the "wiki page" widget."""

    slug = StringField(_l("Address (slug) of the page to show"), validators=[DataRequired(), Length(max=128)])


class RecentWidgetForm(Form):
    limit = IntegerField(_l("How many"), default=5, validators=[NumberRange(min=1, max=50)])


class TreeWidgetForm(Form):
    depth = IntegerField(_l("Levels shown"), default=2, validators=[NumberRange(min=1, max=10)])
