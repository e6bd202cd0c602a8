"""WTForms forms: the post editor, the module's space settings and the widgets' settings."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Form,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .models import BODY_MAX, TAG_MAX, TITLE_MAX
from .tags import check_tags, parse_tags

IMAGE_EXTENSIONS = ["png", "jpg", "jpeg", "gif", "webp"]


class PostForm(FlaskForm):
    """Create or edit a post. ``publish`` and ``save_draft`` are the two submit buttons."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description=_l("Markdown: **bold**, *italic*, [link](https://…), lists. @name mentions someone."),
    )
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=600)],
        description=_l("Separate topics with commas."),
    )
    cover = FileField(
        _l("Cover image"),
        validators=[FileAllowed(IMAGE_EXTENSIONS, _l("Choose a PNG, JPEG, GIF or WebP image."))],
    )
    remove_cover = BooleanField(_l("Remove the cover image"))
    attachments = MultipleFileField(_l("Images and attachments"))
    publish_at = DateTimeLocalField(
        _l("Publication date"),
        validators=[Optional()],
        description=_l("Leave empty to publish at once; a future date schedules the post."),
    )
    pinned = BooleanField(_l("Pin to the top of the feed"))
    announcement = BooleanField(_l("Announcement: notify every member"))
    publish = SubmitField(_l("Publish"))
    save_draft = SubmitField(_l("Save as draft"))

    def validate_tags(self, field: StringField) -> None:
        error = check_tags(parse_tags(field.data))
        if error:
            raise ValidationError(error)

    def tag_names(self) -> list[str]:
        return parse_tags(self.tags.data)

    def publish_at_utc(self) -> datetime | None:
        """The entered local date and time as an aware UTC datetime."""
        if self.publish_at.data is None:
            return None
        return to_utc(self.publish_at.data).replace(tzinfo=UTC)

    def set_publish_at(self, value: datetime | None) -> None:
        """Show an aware UTC datetime in the user's time zone."""
        if value is not None:
            self.publish_at.data = to_user_timezone(value).replace(tzinfo=None, second=0, microsecond=0)


class SettingsForm(Form):
    """The posts module's settings in one space."""

    require_approval = BooleanField(_l("Members' posts wait for a moderator's approval"))
    allow_comments = BooleanField(_l("Allow comments on posts"), default=True)
    posts_per_page = IntegerField(
        _l("Posts per page"), default=10, validators=[DataRequired(), NumberRange(min=1, max=50)]
    )


class LatestPostsWidgetForm(Form):
    """Settings of the "latest posts" widget."""

    n = IntegerField(_l("How many posts"), default=5, validators=[DataRequired(), NumberRange(min=1, max=20)])
    tag = StringField(
        _l("Only posts with this tag"), validators=[Optional(), Length(max=TAG_MAX)]
    )
