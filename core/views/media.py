"""Profile photos and space icons/banners: upload (no JavaScript needed) and serving."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from ..extensions import db
from ..models import User
from ..services import audit
from ..services.content_errors import ContentError
from ..services.images import delete_image, serve_image, store_image
from ..services.permissions import can

bp = Blueprint("media", __name__)

#: Space image kinds and the column holding each one's storage key.
SPACE_IMAGES = {"icon": "icon_key", "banner": "banner_key"}


@bp.get("/people/<int:user_id>/photo")
@login_required
def user_photo(user_id: int):  # noqa: ANN201
    user = db.session.get(User, user_id) or abort(404)
    return serve_image(user.photo_key)


@bp.post("/account/photo")
@login_required
def upload_photo():  # noqa: ANN201
    user = current_user._get_current_object()
    if request.form.get("remove"):
        delete_image(user.photo_key)
        user.photo_key = None
        db.session.commit()
        flash(gettext("Photo removed."), "success")
    else:
        try:
            user.photo_key = store_image(request.files.get("image"), replaces=user.photo_key)
        except ContentError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(gettext("Photo saved."), "success")
    return redirect(url_for("auth.edit_profile"))


@bp.get("/s/<space_slug>/image/<kind>")
def space_image(kind: str):  # noqa: ANN201
    column = SPACE_IMAGES.get(kind) or abort(404)
    return serve_image(getattr(g.space, column))


@bp.post("/s/<space_slug>/image/<kind>")
def upload_space_image(kind: str):  # noqa: ANN201
    column = SPACE_IMAGES.get(kind) or abort(404)
    space = g.space
    if not can(current_user, "space.settings", space):
        abort(403)
    if request.form.get("remove"):
        delete_image(getattr(space, column))
        setattr(space, column, None)
        audit.record("space.image_removed", actor=current_user, space=space, details={"kind": kind})
        db.session.commit()
        flash(gettext("Image removed."), "success")
    else:
        try:
            key = store_image(request.files.get("image"), replaces=getattr(space, column))
        except ContentError as exc:
            flash(str(exc), "error")
        else:
            setattr(space, column, key)
            audit.record("space.image_changed", actor=current_user, space=space, details={"kind": kind})
            db.session.commit()
            flash(gettext("Image saved."), "success")
    return redirect(url_for("spaces.settings", space_slug=space.slug))
