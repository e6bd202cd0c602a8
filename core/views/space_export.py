"""Download a space's data as a ZIP archive (space admins and platform admins)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g
from flask_login import current_user

from ..extensions import db
from ..models import utcnow
from ..services import audit
from ..services.export import build_space_archive
from ..services.permissions import can

bp = Blueprint("export", __name__)


@bp.get("/s/<space_slug>/export.zip")
def space_archive():  # noqa: ANN201
    space = g.space
    if not can(current_user, "space.settings", space):
        abort(403)
    data = build_space_archive(space)
    audit.record("space.exported", actor=current_user, space=space)
    db.session.commit()
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="parvis-{space.slug}-{stamp}.zip"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
