"""The builder's pages list (extra composed pages in the navigation) and space files:
export, import into the space, save as a template, and create a space from a file."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from ..extensions import db
from ..forms.builder import NewPageForm, SpaceFromFileForm, TemplateForm
from ..models import SpacePage, SpaceTemplate
from ..services import audit
from ..services.composition import (
    CompositionInvalid,
    create_page,
    delete_page,
    move_page,
    pages_of,
    rename_page,
)
from ..services.permissions import can
from ..services.space_files import FORMATS, dump_space_file, parse_space_file
from ..services.space_templates import apply_space_data, export_space, save_as_template
from ..services.spaces import SpaceError, create_space, slugify
from .builder import PREFIX, actor, bp, render, require_builder

#: Largest space file accepted (bytes).
MAX_FILE = 512 * 1024


def _page_row(page_id: int) -> SpacePage:
    row = db.session.get(SpacePage, page_id)
    if row is None or row.space_id != g.space.id:
        abort(404)
    return row


@bp.route(PREFIX + "/pages", methods=["GET", "POST"])
def pages():  # noqa: ANN201
    """List the space's composed pages; add one."""
    require_builder()
    form = NewPageForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                row = create_page(g.space, form.title.data, actor())
            except SpaceError as exc:
                db.session.rollback()
                form.title.errors.append(str(exc))
            else:
                db.session.commit()
                flash(gettext("Page %(title)s added to the navigation.", title=row.title), "success")
                return redirect(url_for("builder.page", space_slug=g.space.slug, page_slug=row.slug))
    return render("builder/pages.html", status, form=form, rows=pages_of(g.space))


@bp.post(PREFIX + "/pages/<int:page_id>")
def page_action(page_id: int):  # noqa: ANN201
    """Rename, move or delete an extra page."""
    require_builder()
    row = _page_row(page_id)
    op = request.form.get("op", "")
    try:
        if op == "rename":
            rename_page(g.space, row, request.form.get("title", ""), actor())
            message = gettext("Page renamed.")
        elif op in {"up", "down"} and not row.is_home:
            move_page(g.space, row, op)
            message = gettext("Navigation order saved.")
        elif op == "delete":
            delete_page(g.space, row, actor())
            message = gettext("Page deleted.")
        else:
            abort(400)
    except SpaceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("builder.pages", space_slug=g.space.slug)), 303
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("builder.pages", space_slug=g.space.slug))


# -- space files and templates ---------------------------------------------------------


def _may_import() -> bool:
    return can(current_user, "space.settings", g.space) and can(current_user, "space.modules", g.space)


def _templates_of_space_owner() -> list[SpaceTemplate]:
    return list(db.session.scalars(
        db.select(SpaceTemplate).filter_by(owner_id=current_user.id).order_by(SpaceTemplate.label).limit(100)
    ))


def _file_page(status: int = 200, **context: Any):  # noqa: ANN202
    context.setdefault("template_form", TemplateForm(formdata=None))
    context.setdefault("errors", {})
    return render("builder/space_file.html", status, may_import=_may_import(),
                  saved=_templates_of_space_owner(), **context)


@bp.get(PREFIX + "/space-file")
def space_file():  # noqa: ANN201
    """Export, import, and save the space as a template."""
    require_builder()
    return _file_page()


@bp.get(PREFIX + "/export.<any(json, yaml):fmt>")
def export(fmt: str = "json"):  # noqa: ANN201
    """Download the space's composition (modules, theme, pages) as a JSON or YAML file."""
    require_builder()
    data = dump_space_file(export_space(g.space), fmt)
    db.session.commit()
    mimetype, extension = FORMATS[fmt]
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{g.space.slug}.{extension}"'
    return response


def _read_upload() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise CompositionInvalid({"file": [gettext("Choose a file.")]})
    raw = upload.stream.read(MAX_FILE + 1)
    if len(raw) > MAX_FILE:
        raise CompositionInvalid({"file": [gettext("The file is too large (512 KB at most).")]})
    return parse_space_file(raw, upload.filename)


@bp.post(PREFIX + "/import")
def import_file():  # noqa: ANN201
    """Apply a space file to this space (modules, theme, pages), strictly validated."""
    require_builder()
    if not _may_import():
        abort(403)
    try:
        apply_space_data(g.space, _read_upload(), actor(), strict=True)
    except CompositionInvalid as exc:
        db.session.rollback()
        return _file_page(422, errors=exc.errors)
    db.session.commit()
    flash(gettext("The space file was applied."), "success")
    return redirect(url_for("builder.page", space_slug=g.space.slug, page_slug="home"))


@bp.post(PREFIX + "/save-template")
def save_template():  # noqa: ANN201
    """Save this space as a template of the current user."""
    require_builder()
    form = TemplateForm()
    if not form.validate():
        return _file_page(422, template_form=form)
    row = save_as_template(g.space, form.label.data, form.description.data or "", actor())
    db.session.commit()
    flash(gettext("Template %(label)s saved: you can start new spaces from it.", label=row.label), "success")
    return redirect(url_for("builder.space_file", space_slug=g.space.slug))


@bp.post(PREFIX + "/templates/<int:template_id>")
def template_action(template_id: int):  # noqa: ANN201
    """Delete one's own template; a platform admin publishes or withdraws it."""
    require_builder()
    row = db.session.get(SpaceTemplate, template_id)
    if row is None or (row.owner_id != current_user.id and not current_user.is_platform_admin):
        abort(404)
    op = request.form.get("op", "")
    if op == "delete":
        db.session.delete(row)
        message = gettext("Template deleted.")
    elif op in {"publish", "withdraw"} and current_user.is_platform_admin:
        row.published = op == "publish"
        message = gettext("Template published for everyone.") if row.published else gettext("Template withdrawn.")
    else:
        abort(400)
    audit.record("space.template_" + op, actor=actor(), space=g.space, details={"template": template_id})
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("builder.space_file", space_slug=g.space.slug))


@bp.route("/spaces/from-file", methods=["GET", "POST"])
@login_required
def space_from_file():  # noqa: ANN201
    """Create a space from a space file (community managers, or anyone when spaces open
    without review)."""
    from flask import current_app

    if not (current_user.is_community_manager or current_app.config.get("SPACE_AUTO_APPROVE")):
        abort(403)
    form = SpaceFromFileForm()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            slug = form.slug.data or slugify(form.name.data or "")
            try:
                data = _read_upload()
                space = create_space(
                    name=form.name.data.strip(), slug=slug, owner=actor(),
                    description=str(data.get("description", ""))[:5000] if isinstance(data, dict) else "",
                    visibility=form.visibility.data, join_policy=form.join_policy.data, template=data,
                )
            except CompositionInvalid as exc:
                db.session.rollback()
                errors = exc.errors
            except SpaceError as exc:
                db.session.rollback()
                getattr(form, exc.field or "slug", form.slug).errors.append(str(exc))
            else:
                audit.record("space.created_from_file", actor=actor(), space=space)
                db.session.commit()
                flash(gettext("Your space is open."), "success")
                return redirect(url_for("spaces.home", space_slug=space.slug))
    return render_template("builder/from_file.html", form=form, errors=errors), status
