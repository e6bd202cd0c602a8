"""CSRF for the API: bearer-token requests are exempt, cookie requests are not.

Flask-WTF's app-wide check is switched off for the core API blueprint and every
module's API blueprint (``csrf.exempt``); in its place, one ``before_request`` hook
checks the ``X-CSRFToken`` header on state-changing requests under ``/api/`` that were
authenticated by the session cookie. A request authenticated by a personal token
(``Authorization: Bearer``) cannot be forged by another site, so it needs none.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask.blueprints import BlueprintSetupState
from flask_login import current_user

from ..extensions import csrf


def setup(state: BlueprintSetupState) -> None:
    """Run once when the core API blueprint is registered on an app."""
    app = state.app
    csrf.exempt(state.blueprint)
    for spec in app.extensions["parvis"].ordered_modules():
        if spec.api_blueprint is not None:
            csrf.exempt(spec.api_blueprint)
    app.before_request(protect_cookie_requests)


def protect_cookie_requests() -> None:
    """Check the CSRF token of a state-changing API request signed in by cookie."""
    if not request.path.startswith("/api/"):
        return
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True) or not config.get("WTF_CSRF_CHECK_DEFAULT", True):
        return
    if request.method not in config["WTF_CSRF_METHODS"]:
        return
    if not current_user.is_authenticated or g.get("api_token_auth"):
        return  # anonymous requests are refused by the views (401); tokens need no CSRF
    csrf.protect()
