"""WTForms forms: the module's space settings and its widgets' settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, IntegerField
from wtforms.validators import NumberRange, Optional

from .policy import PLATFORM_MAX_FILE_MB


class DocumentsSettingsForm(Form):
    """Per-space settings (space settings → modules)."""

    share_links = BooleanField(
        _l("Allow share links (read-only links to one file for people without an account)")
    )
    max_file_mb = IntegerField(
        _l("Largest file accepted (MB)"), default=100,
        validators=[NumberRange(min=1, max=PLATFORM_MAX_FILE_MB)],
    )
    quota_mb = IntegerField(
        _l("Space quota for all documents and their versions (MB, 0 for no limit)"), default=5120,
        validators=[NumberRange(min=0, max=10_000_000)],
    )


class RecentWidgetForm(Form):
    limit = IntegerField(_l("How many"), default=5, validators=[NumberRange(min=1, max=30)])


class FolderWidgetForm(Form):
    folder_id = IntegerField(
        _l("Folder number (shown in the folder's address; empty for the top level)"),
        validators=[Optional(), NumberRange(min=1)],
    )
    limit = IntegerField(_l("How many"), default=10, validators=[NumberRange(min=1, max=50)])
