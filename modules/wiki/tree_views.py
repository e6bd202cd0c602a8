"""The page tree: index, organise (reorder and move), delete, trash and restore."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from parvis.extensions import db

from . import services
from .blueprint import bp, gone, load_page, require
from .forms import MoveForm
from .helpers import may
from .models import WikiPage
from .outline import load_outline
from .views import parent_choices


@bp.get("/")
def index():  # noqa: ANN201
    """The wiki's home: the page tree and the recently changed pages."""
    outline = load_outline(g.space)
    return render_template(
        "wiki/index.html",
        outline=outline,
        recent=services.recent_pages(g.space, 8),
        can_edit=may("wiki.edit", g.space),
        can_restore=may("wiki.restore", g.space),
    )


@bp.get("/organise")
def organise():  # noqa: ANN201
    """The tree with up/down and move controls (drag and drop when JavaScript runs)."""
    require("wiki.edit")
    return render_template("wiki/organise.html", outline=load_outline(g.space))


@bp.post("/p/<slug>/shift")
def shift(slug: str):  # noqa: ANN201
    """Move a page one place up or down among its siblings (``direction``)."""
    require("wiki.edit")
    page = load_page(slug)
    if isinstance(page, Response):
        return gone(page, 409)
    direction = request.form.get("direction")
    if direction not in {"up", "down"}:
        abort(400)
    services.shift_page(page, g.space, -1 if direction == "up" else 1)
    db.session.commit()
    return redirect(url_for("wiki.organise") + f"#page-{page.id}")


def _int_or_none(value: object) -> int | None:
    if value in (None, "", "null"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(400)


@bp.post("/reorder")
def reorder():  # noqa: ANN201
    """Set the order of one parent's children (sent by the drag-and-drop script)."""
    require("wiki.edit")
    data = request.get_json(silent=True) if request.is_json else None
    if data is None:
        data = {"parent_id": request.form.get("parent_id"), "order": request.form.getlist("order")}
    if not isinstance(data, dict) or not isinstance(data.get("order"), list) or len(data["order"]) > 5000:
        abort(400)
    order = [_int_or_none(v) for v in data["order"]]
    if None in order:
        abort(400)
    try:
        services.reorder(g.space, current_user, _int_or_none(data.get("parent_id")), order)
    except services.WikiError as exc:
        db.session.rollback()
        if request.is_json:
            return jsonify({"error": {"code": 422, "message": exc.message}}), 422
        flash(exc.message, "error")
        return redirect(url_for("wiki.organise"))
    db.session.commit()
    if request.is_json:
        return jsonify({"ok": True})
    return redirect(url_for("wiki.organise"))


@bp.route("/p/<slug>/move", methods=["GET", "POST"])
def move(slug: str):  # noqa: ANN201
    """Put a page under another parent, or change its address (old one redirects)."""
    require("wiki.edit")
    page = load_page(slug)
    if isinstance(page, Response):
        return page if request.method == "GET" else gone(page, 409)
    outline = load_outline(g.space)
    form = MoveForm()
    form.parent_id.choices = parent_choices(outline, {page.id} | outline.descendant_ids(page.id))
    if request.method == "GET":
        form.parent_id.data = page.parent_id
        form.slug.data = page.slug
    status = 200
    if form.validate_on_submit():
        try:
            services.move_page(page, g.space, current_user, parent_id=form.parent_id.data, slug=form.slug.data.strip())
        except services.WikiError as exc:
            db.session.rollback()
            field = getattr(form, exc.field or "", None)
            if field is not None:
                field.errors = [*field.errors, exc.message]
            else:
                flash(exc.message, "error")
            status = 422
        else:
            db.session.commit()
            flash(gettext("Page moved."), "success")
            return redirect(url_for("wiki.view_page", slug=page.slug))
    elif request.method == "POST":
        status = 422
    return render_template("wiki/move.html", page=page, form=form), status


@bp.route("/p/<slug>/delete", methods=["GET", "POST"])
def delete(slug: str):  # noqa: ANN201
    """Confirm, then move a page to the trash (its sub-pages move up one level)."""
    require("wiki.delete")
    page = load_page(slug)
    if isinstance(page, Response):
        return page
    if request.method == "GET":
        children = load_outline(g.space).children(page.id)
        return render_template("wiki/delete.html", page=page, children=children)
    services.delete_page(page, g.space, current_user)
    db.session.commit()
    flash(gettext("The page “%(title)s” is in the trash.", title=page.title), "success")
    return redirect(url_for("wiki.index"))


@bp.get("/trash")
def trash():  # noqa: ANN201
    """Deleted pages, which space admins may restore."""
    require("wiki.restore")
    return render_template("wiki/trash.html", pages=services.trash(g.space))


@bp.post("/trash/<int:page_id>/restore")
def restore(page_id: int):  # noqa: ANN201
    """Take a page out of the trash."""
    require("wiki.restore")
    page = db.session.get(WikiPage, page_id)
    if page is None or page.space_id != g.space.id or not page.is_deleted:
        abort(404)
    services.restore_page(page, g.space, current_user)
    db.session.commit()
    flash(gettext("The page “%(title)s” is restored.", title=page.title), "success")
    return redirect(url_for("wiki.view_page", slug=page.slug))
