"""Forms of the discussions pages and widgets."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .models import MAX_BODY, MAX_CHANNEL_NAME, MAX_TOPIC


class MessageForm(FlaskForm):
    """A new message or reply (files are optional attachments)."""

    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(_l("Write a message.")), Length(max=MAX_BODY)],
        description=_l("Markdown is supported; type @username to mention someone."),
    )
    files = MultipleFileField(_l("Attach files"))


class EditForm(FlaskForm):
    body = TextAreaField(
        _l("Message"), validators=[DataRequired(_l("Write a message.")), Length(max=MAX_BODY)]
    )


class ChannelForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Give the channel a name.")), Length(max=MAX_CHANNEL_NAME)],
    )
    topic = StringField(
        _l("Topic"),
        validators=[Optional(), Length(max=MAX_TOPIC)],
        description=_l("What the channel is for, shown under its name."),
    )


class LatestWidgetForm(Form):
    limit = IntegerField(
        _l("How many discussions"), default=5, validators=[NumberRange(min=1, max=20)]
    )


class MiniChatWidgetForm(Form):
    channel_id = IntegerField(
        _l("Channel number (empty: the default channel)"),
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
    )
    limit = IntegerField(_l("Messages shown"), default=8, validators=[NumberRange(min=1, max=30)])
