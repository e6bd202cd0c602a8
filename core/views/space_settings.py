"""A space's settings: general, modules, permissions, archive and deletion.

Routes are added to the ``spaces`` blueprint of :mod:`parvis.views.spaces`. Every
change is written to the audit log.
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..extensions import db
from ..forms.spaces import ROLE_CHOICES, DeleteSpaceForm, SpaceSettingsForm
from ..layouts import discover_layouts
from ..models import SPACE_ROLES, Space, SpacePermission, User, role_rank
from ..plugins.manager import current_platform
from ..services import audit
from ..services.permissions import all_permissions, can, min_role, space_role
from ..services.spaces import (
    SpaceError,
    delete_space,
    module_settings,
    module_states,
    set_module_enabled,
)
from .spaces import bp, may_manage_lifecycle, refuse

#: Actions not offered on the permissions page (``space.read`` follows the visibility).
FIXED_ACTIONS = {"space.read"}
GENERAL_FIELDS = ("name", "description", "visibility", "join_policy", "layout", "accent_color")


def _actor() -> User:
    return current_user._get_current_object()


def _require(action: str) -> None:
    if not can(current_user, action, g.space):
        abort(403)


def _tabs() -> list[dict[str, Any]]:
    space, user = g.space, current_user
    tabs = []
    if can(user, "space.settings", space):
        tabs.append({"endpoint": "spaces.settings", "label": gettext("General")})
    if can(user, "space.modules", space):
        tabs.append({"endpoint": "spaces.settings_modules", "label": gettext("Modules")})
    if can(user, "space.settings", space):
        tabs.append({"endpoint": "spaces.settings_permissions", "label": gettext("Permissions")})
    if can(user, "space.settings", space):
        tabs.append({"endpoint": "builder.index", "label": gettext("Builder")})
    if may_manage_lifecycle(user, space):
        tabs.append({"endpoint": "spaces.settings_lifecycle", "label": gettext("Archive and delete")})
    return tabs


def _render(template: str, status: int = 200, **context: Any):  # noqa: ANN202
    return render_template(template, space=g.space, tabs=_tabs(), **context), status


# -- general ---------------------------------------------------------------------------


@bp.route("/s/<space_slug>/settings", methods=["GET", "POST"])
def settings():  # noqa: ANN201
    space = g.space
    if not can(current_user, "space.settings", space):
        if can(current_user, "space.modules", space):
            return redirect(url_for("spaces.settings_modules", space_slug=space.slug))
        if may_manage_lifecycle(current_user, space):
            return redirect(url_for("spaces.settings_lifecycle", space_slug=space.slug))
        abort(403)
    form = SpaceSettingsForm(obj=space)
    layouts = discover_layouts()
    form.layout.choices = [(lid, gettext(layout.label)) for lid, layout in sorted(layouts.items())]
    if request.method == "GET" and space.layout not in layouts:
        form.layout.data = next(iter(sorted(layouts)), None)
    status = 200
    if request.method == "POST":
        status = 422
        valid = form.validate()
        accent = (form.accent_color.data or "").lower()
        if valid and accent:
            from flask import current_app

            from ..themes import accent_problems, discover_themes

            problems = accent_problems(accent, discover_themes(current_app).get(space.theme))
            form.accent_color.errors = list(problems)
            valid = not problems
        if valid:
            before = {name: getattr(space, name) for name in GENERAL_FIELDS}
            space.name = form.name.data.strip()
            space.description = form.description.data or ""
            space.visibility = form.visibility.data
            space.join_policy = form.join_policy.data
            space.layout = form.layout.data
            space.accent_color = (form.accent_color.data or "").lower() or None
            changes = {
                name: [before[name], getattr(space, name)]
                for name in GENERAL_FIELDS
                if before[name] != getattr(space, name) and name != "description"
            }
            if "layout" in changes:
                from ..services.composition import change_home_layout

                change_home_layout(space, space.layout, _actor())
            if before["description"] != space.description:
                changes["description"] = ["…", "…"]
            audit.record("space.settings_changed", actor=_actor(), space=space, details=changes)
            db.session.commit()
            if "visibility" in changes:
                current_platform().hook.parvis_space_access_changed(space=space)
            flash(gettext("Settings saved."), "success")
            return redirect(url_for("spaces.settings", space_slug=space.slug))
    return _render("spaces/settings/general.html", status, form=form)


# -- modules ---------------------------------------------------------------------------


@bp.route("/s/<space_slug>/settings/modules", methods=["GET", "POST"])
def settings_modules():  # noqa: ANN201
    _require("space.modules")
    space, actor = g.space, _actor()
    states = module_states(space)
    if request.method == "POST":
        module_id = request.form.get("module", "")
        op = request.form.get("op", "")
        index = next((i for i, (spec, _row) in enumerate(states) if spec.id == module_id), None)
        if index is None:
            return refuse(gettext("Unknown module."), 400)
        spec, row = states[index]
        if op in {"enable", "disable"}:
            try:
                set_module_enabled(space, module_id, op == "enable", actor)
            except SpaceError as exc:
                db.session.rollback()
                return refuse(str(exc), 400)
            message = (
                gettext("%(module)s is switched on.", module=gettext(spec.name))
                if op == "enable"
                else gettext("%(module)s is switched off; its content is kept.", module=gettext(spec.name))
            )
        elif op in {"up", "down"}:
            target = index - 1 if op == "up" else index + 1
            if 0 <= target < len(states):
                states[index], states[target] = states[target], states[index]
            for position, (_spec, state) in enumerate(states):
                state.position = position
            audit.record(
                "space.module_moved", actor=actor, space=space, details={"module": module_id, "direction": op}
            )
            message = gettext("Navigation order saved.")
        else:
            return refuse(gettext("Unknown action."), 400)
        db.session.commit()
        flash(message, "success")
        if request.form.get("back") == "builder":
            return redirect(url_for("builder.modules", space_slug=space.slug))
        return redirect(url_for("spaces.settings_modules", space_slug=space.slug))
    db.session.commit()  # rows created for modules installed after the space
    return _render("spaces/settings/modules.html", states=states)


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """Form data as JSON values (dates and decimals become strings)."""
    data = {k: v for k, v in data.items() if k != "csrf_token"}
    return json.loads(json.dumps(data, default=str))


@bp.route("/s/<space_slug>/settings/modules/<module_id>", methods=["GET", "POST"])
def settings_module(module_id: str):  # noqa: ANN201
    _require("space.modules")
    space = g.space
    spec = current_platform().module(module_id)
    if spec is None or spec.settings_form is None:
        abort(404)
    current = module_settings(space, module_id)
    formdata = request.form if request.method == "POST" else None
    form = spec.settings_form(formdata=formdata, data=current)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            row = next(row for s, row in module_states(space) if s.id == module_id)
            row.settings = {**current, **_json_safe(form.data)}
            audit.record(
                "space.module_settings_changed", actor=_actor(), space=space, details={"module": module_id}
            )
            db.session.commit()
            flash(gettext("Settings of %(module)s saved.", module=gettext(spec.name)), "success")
            return redirect(url_for("spaces.settings_modules", space_slug=space.slug))
    return _render("spaces/settings/module.html", status, spec=spec, form=form)


# -- permissions -----------------------------------------------------------------------


def _editable(actor: User, space: Space, action: str) -> bool:
    """Nobody changes an action that currently needs more than their own role."""
    if actor.is_platform_admin:
        return True
    return role_rank(min_role(space, action)) <= role_rank(space_role(actor, space))


@bp.route("/s/<space_slug>/settings/permissions", methods=["GET", "POST"])
def settings_permissions():  # noqa: ANN201
    _require("space.settings")
    space, actor = g.space, _actor()
    perms = [p for action, p in all_permissions().items() if action not in FIXED_ACTIONS]
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        wanted: dict[str, str] = {}
        for perm in perms:
            value = request.form.get(f"perm-{perm.action}")
            if value is None or not _editable(actor, space, perm.action):
                continue
            if value not in SPACE_ROLES:
                errors[perm.action] = gettext("Unknown role.")
            elif value == "guest" and perm.default_role != "guest":
                errors[perm.action] = gettext(
                    "Guests are read-only: this action needs at least the member role."
                )
            elif not actor.is_platform_admin and role_rank(value) > role_rank(space_role(actor, space)):
                errors[perm.action] = gettext("You cannot require a role above your own.")
            else:
                wanted[perm.action] = value
        if errors:
            status = 422
        else:
            rows = {
                row.action: row
                for row in db.session.scalars(db.select(SpacePermission).filter_by(space_id=space.id))
            }
            defaults = {p.action: p.default_role for p in perms}
            changes: dict[str, list[str]] = {}
            for action, value in wanted.items():
                row = rows.get(action)
                old = row.min_role if row is not None else defaults[action]
                if old == value:
                    continue
                changes[action] = [old, value]
                if value == defaults[action]:
                    if row is not None:
                        db.session.delete(row)
                elif row is None:
                    db.session.add(SpacePermission(space_id=space.id, action=action, min_role=value))
                else:
                    row.min_role = value
            if changes:
                audit.record("space.permissions_changed", actor=actor, space=space, details=changes)
            db.session.commit()
            flash(gettext("Permissions saved."), "success")
            return redirect(url_for("spaces.settings_permissions", space_slug=space.slug))
    current = {p.action: min_role(space, p.action) for p in perms}
    return _render(
        "spaces/settings/permissions.html",
        status,
        perms=perms,
        current=current,
        errors=errors,
        roles=ROLE_CHOICES,
        editable={p.action: _editable(actor, space, p.action) for p in perms},
    )


# -- archive, reactivate, delete -------------------------------------------------------


def _may_delete(user: User, space: Space) -> bool:
    return user.is_platform_admin or space_role(user, space) == "owner"


@bp.get("/s/<space_slug>/settings/lifecycle")
def settings_lifecycle():  # noqa: ANN201
    return _lifecycle_page()


def _lifecycle_page(form: DeleteSpaceForm | None = None, status: int = 200):  # noqa: ANN202
    space = g.space
    if not may_manage_lifecycle(current_user, space):
        abort(403)
    return _render(
        "spaces/settings/lifecycle.html",
        status,
        form=form or DeleteSpaceForm(formdata=None),
        may_delete=_may_delete(current_user, space),
    )


@bp.post("/s/<space_slug>/settings/archive")
def settings_archive():  # noqa: ANN201
    space, actor = g.space, _actor()
    if not may_manage_lifecycle(actor, space):
        abort(403)
    op = request.form.get("op")
    if op == "archive" and space.status == "active":
        space.status = "archived"
        audit.record("space.archived", actor=actor, space=space)
        flash(gettext("The space is archived: it is read-only until reactivated."), "info")
    elif op == "reactivate" and space.status == "archived":
        space.status = "active"
        audit.record("space.reactivated", actor=actor, space=space)
        flash(gettext("The space is active again."), "success")
    else:
        return refuse(gettext("Nothing to do: the space is already in that state."), 409)
    db.session.commit()
    return redirect(url_for("spaces.settings_lifecycle", space_slug=space.slug))


@bp.post("/s/<space_slug>/settings/delete")
def settings_delete():  # noqa: ANN201
    space, actor = g.space, _actor()
    if not _may_delete(actor, space):
        abort(403)
    form = DeleteSpaceForm()
    if not form.validate() or (form.confirm.data or "").strip() != space.slug:
        if not form.confirm.errors:
            form.confirm.errors.append(gettext("Type exactly the address of the space: %(slug)s", slug=space.slug))
        return _lifecycle_page(form, 422)
    name = space.name
    delete_space(space, actor)
    g.space = None
    flash(gettext("The space %(name)s was deleted.", name=name), "success")
    return redirect(url_for("home.index"))
