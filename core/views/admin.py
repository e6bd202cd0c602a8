"""Platform administration (to be completed)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
def index():  # noqa: ANN201
    return ""
