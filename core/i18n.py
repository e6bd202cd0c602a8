"""Locale selection: the user's choice, then a cookie, then the browser, then French."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, request
from flask_login import current_user

CORE_TRANSLATIONS = Path(__file__).parent / "translations"


def N_(message: str) -> str:  # noqa: N802 - the gettext name for "mark for extraction only"
    """Mark ``message`` for extraction; the code that shows it calls ``gettext``."""
    return message


def translation_directories(platform: Any) -> str:
    """Core catalog plus each module's own (Flask-Babel merges them), ``;``-separated."""
    folders = [str(CORE_TRANSLATIONS)]
    for spec in platform.ordered_modules():
        if spec.translations is not None:
            folders.append(str(spec.translations))
    return ";".join(folders)


def select_locale() -> str:
    if not has_request_context():  # CLI commands, background work: the platform default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    cookie = request.cookies.get("parvis_lang")
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]
