"""Error pages, and JSON errors of a stable shape under ``/api/``.

JSON errors look like ``{"error": {"code": 404, "message": "...", "fields": {...}}}``.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .i18n import N_

MESSAGES = {
    400: N_("Bad request."),
    401: N_("You need to sign in."),
    403: N_("You are not allowed to do that."),
    404: N_("Page not found."),
    405: N_("Method not allowed."),
    409: N_("Conflict with the current state."),
    413: N_("File or request too large."),
    422: N_("Some values are invalid."),
    429: N_("Too many attempts: try again in a moment."),
    500: N_("An unexpected error occurred."),
}
FALLBACK_MESSAGE = N_("Error.")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error(code: int, message: str | None = None, fields: dict | None = None):  # noqa: ANN201
    """A JSON error response in the API's stable shape."""
    body: dict = {"code": code, "message": message or gettext(MESSAGES.get(code, FALLBACK_MESSAGE))}
    if fields:
        body["fields"] = fields
    return jsonify({"error": body}), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):  # noqa: ANN202
        if wants_json():
            return api_error(400, gettext("Missing or invalid CSRF token."))
        return render_template(
            "errors/error.html",
            code=400,
            message=gettext("The form has expired or is invalid: reload the page and try again."),
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # noqa: ANN202
        code = exc.code or 500
        if code == 401 and not wants_json():
            from .extensions import login_manager

            return login_manager.unauthorized()
        message = gettext(MESSAGES.get(code, exc.name))
        if wants_json():
            return api_error(code, message)
        response = render_template("errors/error.html", code=code, message=message)
        return response, code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # noqa: ANN202
        if isinstance(exc, HTTPException):
            return http_error(exc)
        app.logger.exception("unhandled error")
        from .extensions import db

        db.session.rollback()
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        return http_error(InternalServerError())
