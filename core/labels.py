"""Translated labels of the codes stored in the database (roles, visibility, statuses).

Templates must never show a raw code (``moderator``, ``secret``) nor build a msgid at
run time (``_(role|capitalize)`` cannot be extracted): they use the Jinja filters
registered by :func:`init_app` — ``role|role_label``, ``space.visibility|visibility_label``,
``space.join_policy|join_policy_label``, ``request.status|status_label`` and
``user.platform_role|platform_role_label``. An unknown code is shown as is.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .forms.admin import PLATFORM_ROLE_LABELS
from .forms.spaces import ROLE_LABELS

VISIBILITY_LABELS = {
    "public": _l("Public"),
    "private": _l("Private"),
    "secret": _l("Secret"),
}
JOIN_POLICY_LABELS = {
    "open": _l("Open"),
    "request": _l("On request"),
    "invitation": _l("Invitation only"),
}
#: Statuses of spaces, space requests and join requests share one vocabulary.
STATUS_LABELS = {
    "active": _l("Active"),
    "archived": _l("Archived"),
    "pending": _l("Waiting for a decision"),
    "approved": _l("Approved"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
}

CODE_LABELS: dict[str, dict[str, Any]] = {
    "role": ROLE_LABELS,
    "platform_role": PLATFORM_ROLE_LABELS,
    "visibility": VISIBILITY_LABELS,
    "join_policy": JOIN_POLICY_LABELS,
    "status": STATUS_LABELS,
}


def translate(text: Any) -> str:
    """The text of a label in the current language.

    Module specs mark their labels with ``lazy_gettext`` (already translated when
    turned into a string); a third-party module may still hand a plain English
    string, looked up in the merged catalogs.
    """
    if text is None:
        return ""
    if isinstance(text, LazyString):
        return str(text)
    return gettext(str(text))


def code_label(kind: str, code: str | None) -> str:
    """The translated label of ``code`` in the vocabulary ``kind`` (the code if unknown)."""
    if code is None:
        return ""
    label = CODE_LABELS[kind].get(code)
    return str(label) if label is not None else code


def init_app(app: Flask) -> None:
    """Register the ``code_label`` global and one filter per vocabulary."""
    app.jinja_env.globals["code_label"] = code_label
    app.jinja_env.filters["translate"] = translate
    for kind in CODE_LABELS:
        app.jinja_env.filters[f"{kind}_label"] = lambda code, _kind=kind: code_label(_kind, code)
