"""Marshmallow's fixed error messages, marked for translation.

:func:`parvis.api.endpoint.flatten_errors` passes every validation message through
``gettext``; listing marshmallow's own default messages here puts them in the core
catalog, so an API client working in French reads "Champ inconnu." rather than
"Unknown field.". Messages with placeholders (lengths, choices) are formatted by
marshmallow before Parvis sees them and stay in English.
"""

from __future__ import annotations

from ..i18n import N_

MARSHMALLOW_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Invalid value."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid datetime."),
    N_("Not a valid date."),
    N_("Not a valid time."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid tuple."),
)
