"""The builder's page canvas: place, move, configure and remove widgets; publish; history.

Each change edits the page's *draft* (members keep seeing the published version) and
carries the page's ``lock``; a change based on an older lock is refused with 409.
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import AnonymousUserMixin

from ..extensions import db
from ..layouts import discover_layouts, get_layout, render_composition, visible_placements
from ..plugins.manager import current_platform
from ..services.composition import (
    Composition,
    CompositionInvalid,
    StaleComposition,
    WorkingCopy,
    check_lock,
    clean_settings,
    discard_draft,
    history,
    new_placement_id,
    publish,
    restore,
    save_draft,
    validate,
    working_copy,
)
from ..services.spaces import enabled_modules
from .builder import PREFIX, actor, bp, render, require_builder, stale

PAGE = PREFIX + "/page/<page_slug>"


def _copy(page_slug: str) -> WorkingCopy:
    require_builder()
    copy = working_copy(g.space, page_slug[:64])
    if copy is None:
        abort(404)
    db.session.commit()  # the home page row exists before any write (a refused one rolls back)
    return copy


def _lock() -> int | None:
    try:
        return int(request.form.get("lock", ""))
    except ValueError:
        return None


def _back(page_slug: str, **args: Any) -> str:
    return url_for("builder.page", space_slug=g.space.slug, page_slug=page_slug, **args)


def palette() -> list[Any]:
    """Widgets offered: the core's and those of the modules enabled in the space."""
    enabled = {spec.id for spec, _row in enabled_modules(g.space)}
    widgets = [
        w for w in current_platform().widgets.values()
        if w.module_id is None or w.module_id in enabled
    ]
    order = {spec.id: i for i, (spec, _row) in enumerate(enabled_modules(g.space))}
    return sorted(widgets, key=lambda w: (w.module_id is not None, order.get(w.module_id, 0), w.id))


def _page_view(copy: WorkingCopy, status: int = 200, edit: str | None = None,
               form: Any = None, errors: dict[str, list[str]] | None = None):  # noqa: ANN202
    space = g.space
    layout = get_layout(copy.composition.layout)
    widgets = current_platform().widgets
    enabled = {spec.id for spec, _row in enabled_modules(space)}
    regions: dict[str, list[dict[str, Any]]] = {r.id: [] for r in layout.regions}
    for placement in copy.composition.placements:
        widget = widgets.get(placement.get("widget", ""))
        region = placement.get("region") if placement.get("region") in regions else layout.regions[0].id
        regions[region].append({
            "placement": placement,
            "widget": widget,
            "off": widget is None or (widget.module_id is not None and widget.module_id not in enabled),
        })
    editing = None
    if edit:
        editing = next((p for p in copy.composition.placements if p.get("id") == edit), None)
        if editing is not None and form is None:
            widget = widgets.get(editing["widget"])
            if widget is not None and widget.form is not None:
                form = widget.form(data={**widget.defaults, **(editing.get("settings") or {})})
    return render(
        "builder/page.html", status,
        copy=copy, layout=layout, layouts=discover_layouts(), regions=regions,
        palette=palette(), editing=editing, settings_form=form, errors=errors or {},
        widgets=widgets,
        composition_json=json.dumps(copy.composition.as_dict()),
    )


@bp.get(PAGE)
def page(page_slug: str):  # noqa: ANN201
    """The canvas of a page: regions with their widgets, the palette, the settings panel."""
    copy = _copy(page_slug)
    db.session.commit()  # the home page row is created on first visit
    return _page_view(copy, edit=request.args.get("edit", "")[:16] or None)


def _apply(copy: WorkingCopy, comp_dict: dict[str, Any], page_slug: str, message: str | None):  # noqa: ANN202
    """Validate and save ``comp_dict`` as the page's draft, then go back to the canvas."""
    try:
        check_lock(g.space, copy.page.slug, _lock())
        comp = validate(comp_dict)
        save_draft(g.space, copy.page.slug, comp, _lock(), actor())
    except StaleComposition as exc:
        db.session.rollback()
        return stale(exc, _back(page_slug))
    except CompositionInvalid as exc:
        db.session.rollback()
        return _page_view(copy, 422, errors=exc.errors)
    db.session.commit()
    if message:
        flash(message, "success")
    return None


@bp.post(PAGE + "/add")
def add(page_slug: str):  # noqa: ANN201
    """Add a widget at the end of a region (its default settings)."""
    copy = _copy(page_slug)
    widget = current_platform().widgets.get(request.form.get("widget", ""))
    comp = copy.composition.as_dict()
    if widget is None or widget not in palette():
        return _page_view(copy, 422, errors={"widget": [gettext("Choose a widget from the list.")]})
    pid = new_placement_id()
    comp["placements"].append({"id": pid, "region": request.form.get("region", ""),
                               "widget": widget.id, "settings": dict(widget.defaults)})
    refused = _apply(copy, comp, page_slug,
                     gettext("%(widget)s added. Publish to show it to members.", widget=str(widget.label)))
    if refused is not None:
        return refused
    return redirect(_back(page_slug, edit=pid if widget.form else None) + f"#placement-{pid}")


@bp.post(PAGE + "/placement/<pid>")
def move(page_slug: str, pid: str):  # noqa: ANN201
    """Move a placement up, down or to another region, or remove it."""
    copy = _copy(page_slug)
    comp = copy.composition.as_dict()
    placements = comp["placements"]
    index = next((i for i, p in enumerate(placements) if p.get("id") == pid), None)
    if index is None:
        abort(404)
    op = request.form.get("op", "")
    item = placements[index]
    region = item.get("region")
    same = [i for i, p in enumerate(placements) if p.get("region") == region]
    position = same.index(index)
    message = gettext("Moved.")
    if op == "up" and position > 0:
        other = same[position - 1]
        placements[index], placements[other] = placements[other], placements[index]
    elif op == "down" and position < len(same) - 1:
        other = same[position + 1]
        placements[index], placements[other] = placements[other], placements[index]
    elif op == "region":
        item["region"] = request.form.get("region", "")
        placements.append(placements.pop(index))
    elif op == "remove":
        placements.pop(index)
        message = gettext("Widget removed. Publish to remove it for members.")
    elif op not in {"up", "down"}:
        abort(400)
    refused = _apply(copy, comp, page_slug, message)
    if refused is not None:
        return refused
    anchor = f"#placement-{pid}" if op != "remove" else ""
    return redirect(_back(page_slug) + anchor)


@bp.post(PAGE + "/placement/<pid>/settings")
def configure(page_slug: str, pid: str):  # noqa: ANN201
    """Save the settings of one placement (422 with the form re-shown when invalid)."""
    copy = _copy(page_slug)
    comp = copy.composition.as_dict()
    item = next((p for p in comp["placements"] if p.get("id") == pid), None)
    widget = current_platform().widgets.get(item["widget"]) if item else None
    if item is None or widget is None:
        abort(404)
    if widget.form is None:
        return redirect(_back(page_slug))
    form = widget.form(formdata=request.form)
    names = [name for name in form._fields if name != "csrf_token"]
    values = {name: form._fields[name].data for name in names}
    try:
        item["settings"] = clean_settings(widget, values)
    except CompositionInvalid:
        form.validate()
        return _page_view(copy, 422, edit=pid, form=form)
    refused = _apply(copy, comp, page_slug, gettext("Settings saved in the draft."))
    if refused is not None:
        return refused
    return redirect(_back(page_slug) + f"#placement-{pid}")


@bp.post(PAGE + "/layout")
def change_layout(page_slug: str):  # noqa: ANN201
    """Change the page's layout; placements of regions the new layout lacks go to its first."""
    copy = _copy(page_slug)
    layouts = discover_layouts()
    layout_id = request.form.get("layout", "")
    if layout_id not in layouts:
        return _page_view(copy, 422, errors={"layout": [gettext("Choose a layout from the list.")]})
    new = layouts[layout_id]
    comp = copy.composition.as_dict()
    comp["layout"] = layout_id
    for item in comp["placements"]:
        if item.get("region") not in new.region_ids:
            item["region"] = new.regions[0].id
    refused = _apply(copy, comp, page_slug, gettext("Layout changed in the draft."))
    return refused if refused is not None else redirect(_back(page_slug))


@bp.post(PAGE + "/save")
def save_json(page_slug: str):  # noqa: ANN201
    """Replace the draft with a whole composition (JSON in the ``composition`` field).

    Used by the drag and drop of builder.js: answers JSON (``{"lock": n}``, 409 or
    422 with ``fields``); a plain form post is answered with a redirect.
    """
    copy = _copy(page_slug)
    wants_json = request.accept_mimetypes.best == "application/json"
    raw = request.form.get("composition", "")
    try:
        data = json.loads(raw) if len(raw) < 200_000 else None
    except ValueError:
        data = None
    try:
        check_lock(g.space, copy.page.slug, _lock())
        if data is None:
            raise CompositionInvalid({"composition": [gettext("The composition is not valid JSON.")]})
        comp = validate(data)
        save_draft(g.space, copy.page.slug, comp, _lock(), actor())
    except StaleComposition as exc:
        db.session.rollback()
        if wants_json:
            return jsonify(error={"code": 409, "message": str(exc)}, lock=exc.current_lock), 409
        return stale(exc, _back(page_slug))
    except CompositionInvalid as exc:
        db.session.rollback()
        if wants_json:
            return jsonify(error={"code": 422, "message": gettext("Some values are invalid."),
                                  "fields": exc.errors}), 422
        return _page_view(copy, 422, errors=exc.errors)
    db.session.commit()
    if wants_json:
        return jsonify(lock=copy.page.lock, composition=comp.as_dict())
    flash(gettext("Draft saved."), "success")
    return redirect(_back(page_slug))


@bp.post(PAGE + "/publish")
def publish_page(page_slug: str):  # noqa: ANN201
    """Publish the draft as a new version: members see it at once."""
    copy = _copy(page_slug)
    try:
        version = publish(g.space, copy.page.slug, copy.composition, _lock(), actor(),
                          note=request.form.get("note", "")[:200])
    except StaleComposition as exc:
        db.session.rollback()
        return stale(exc, _back(page_slug))
    except CompositionInvalid as exc:
        db.session.rollback()
        return _page_view(copy, 422, errors=exc.errors)
    db.session.commit()
    flash(gettext("Version %(n)s is published: members see it now.", n=version.number), "success")
    return redirect(_back(page_slug))


@bp.post(PAGE + "/discard")
def discard(page_slug: str):  # noqa: ANN201
    """Forget the draft; the canvas shows the published version again."""
    copy = _copy(page_slug)
    try:
        discard_draft(g.space, copy.page.slug, _lock(), actor())
    except StaleComposition as exc:
        db.session.rollback()
        return stale(exc, _back(page_slug))
    db.session.commit()
    flash(gettext("Draft discarded."), "info")
    return redirect(_back(page_slug))


@bp.get(PAGE + "/history")
def page_history(page_slug: str):  # noqa: ANN201
    """Published versions of the page, newest first, each with a restore button."""
    copy = _copy(page_slug)
    return render("builder/history.html", copy=copy, versions=history(copy.page),
                  widgets=current_platform().widgets)


@bp.post(PAGE + "/restore/<int:version_id>")
def restore_version(page_slug: str, version_id: int):  # noqa: ANN201
    """Publish an earlier version again (a new version; nothing is lost)."""
    copy = _copy(page_slug)
    try:
        version = restore(g.space, copy.page.slug, version_id, _lock(), actor())
    except LookupError:
        abort(404)
    except StaleComposition as exc:
        db.session.rollback()
        return stale(exc, url_for("builder.page_history", space_slug=g.space.slug, page_slug=page_slug))
    except CompositionInvalid as exc:
        db.session.rollback()
        flash(" ".join(m for ms in exc.errors.values() for m in ms), "error")
        return redirect(url_for("builder.page_history", space_slug=g.space.slug, page_slug=page_slug))
    db.session.commit()
    flash(gettext("Version %(n)s is published again.", n=version.number - 0), "success")
    return redirect(_back(page_slug))


def _visitor() -> Any:
    """A signed-in person who is not a member (never stored): what a visitor of a
    public space sees; for a private space, what an outsider sees (nothing)."""
    from ..models import User

    if g.space.visibility != "public":
        return AnonymousUserMixin()
    return User(id=0, email="visitor@invalid", username="visitor", name="Visitor",
                platform_role="user", active=True)


@bp.get(PAGE + "/preview")
def preview(page_slug: str):  # noqa: ANN201
    """The draft as a member or as a visitor would see it, at phone or desktop width."""
    copy = _copy(page_slug)
    viewer = request.args.get("as", "member")
    width = request.args.get("width", "desktop")
    viewer = viewer if viewer in {"member", "visitor"} else "member"
    width = width if width in {"phone", "desktop"} else "desktop"
    from flask_login import current_user

    user = current_user._get_current_object() if viewer == "member" else _visitor()
    comp: Composition = copy.composition
    body = render_composition(g.space, get_layout(comp.layout), comp.placements, user)
    shown = len(visible_placements(g.space, comp.placements))
    return render_template(
        "builder/preview.html", space=g.space, body=body, copy=copy, viewer=viewer, width=width,
        shown=shown,
    )
