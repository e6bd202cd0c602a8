"""Space life-cycle: creation, modules per space, membership changes."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import gettext
from sqlalchemy import inspect as sa_inspect

from ..extensions import db
from ..models import Membership, Space, SpaceModule, User
from ..plugins.manager import current_platform
from ..plugins.spec import ModuleSpec
from . import audit

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")
RESERVED_SLUGS = {"new", "requests", "directory", "api", "admin", "static", "builder"}


class SpaceError(ValueError):
    """A refused space operation; ``field`` names the form field at fault, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def slugify(text: str) -> str:
    """``"Réseau des médiathèques"`` -> ``"reseau-des-mediatheques"``."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text[:64].strip("-")


def check_slug(slug: str, exclude_space_id: int | None = None) -> None:
    """Raise :class:`SpaceError` if ``slug`` is malformed, reserved or taken."""
    if not SLUG_RE.match(slug or ""):
        raise SpaceError(
            gettext("Use 1 to 64 lowercase letters, digits and dashes (not at the ends)."),
            "slug",
        )
    if slug in RESERVED_SLUGS:
        raise SpaceError(gettext("This address is reserved."), "slug")
    existing = db.session.scalar(db.select(Space.id).filter_by(slug=slug))
    if existing is not None and existing != exclude_space_id:
        raise SpaceError(gettext("This address is already used by another space."), "slug")


def create_space(
    *,
    name: str,
    slug: str,
    owner: User,
    description: str = "",
    visibility: str = "private",
    join_policy: str = "request",
    modules: list[str] | None = None,
    template: str | dict[str, Any] | None = None,
) -> Space:
    """Create a space with ``owner`` and the given modules enabled (all defaults if None).

    ``template`` is a template key (shipped or ``user:<id>``) or a space file (dict):
    its modules, navigation order, theme and pages are applied (see
    :mod:`parvis.services.space_templates`). An unknown key raises :class:`SpaceError`.
    """
    from .space_templates import find_template

    template_data: dict[str, Any] | None = None
    if isinstance(template, dict):
        template_data = template
    elif template:
        choice = find_template(template, owner)
        if choice is None:
            raise SpaceError(gettext("Unknown space template."), "template")
        template_data = choice.data
    if template_data is not None and modules is None:
        modules = [
            m.get("id") for m in template_data.get("modules", [])
            if isinstance(m, dict) and m.get("enabled", True)
        ]
    check_slug(slug)
    space = Space(
        name=name,
        slug=slug,
        description=description,
        visibility=visibility,
        join_policy=join_policy,
        created_by_id=owner.id,
    )
    db.session.add(space)
    db.session.add(Membership(space=space, user_id=owner.id, role="owner"))
    db.session.flush()
    platform = current_platform()
    wanted = (
        modules
        if modules is not None
        else [m.id for m in platform.ordered_modules() if m.default_enabled]
    )
    for position, spec in enumerate(platform.ordered_modules()):
        state = SpaceModule(
            space=space,
            module_id=spec.id,
            enabled=spec.id in wanted,
            position=position,
            settings=dict(spec.settings_defaults),
        )
        db.session.add(state)
    db.session.flush()
    for module_id in wanted:
        if platform.module(module_id):
            platform.hook.parvis_space_module_enabled(space=space, module_id=module_id)
    if template_data is not None:
        from .space_templates import apply_space_data

        apply_space_data(space, template_data, owner, strict=isinstance(template, dict))
    return space


def module_states(space: Space) -> list[tuple[ModuleSpec, SpaceModule]]:
    """Every installed module with its state in ``space`` (rows created when missing)."""
    platform = current_platform()
    rows = {
        row.module_id: row
        for row in db.session.scalars(db.select(SpaceModule).filter_by(space_id=space.id))
    }
    result = []
    for spec in platform.ordered_modules():
        row = rows.get(spec.id)
        if row is None:
            row = SpaceModule(
                space_id=space.id,
                module_id=spec.id,
                enabled=False,
                position=len(rows) + len(result),
                settings=dict(spec.settings_defaults),
            )
            db.session.add(row)
        result.append((spec, row))
    result.sort(key=lambda pair: (pair[1].position, pair[0].id))
    return result


def enabled_modules(space: Space) -> list[tuple[ModuleSpec, SpaceModule]]:
    """Enabled modules of ``space`` in navigation order (one query).

    Modules switched off platform-wide (restart pending) are left out too.
    """
    from flask import g, has_request_context

    from ..models.platform import switched_off_modules

    # Navigation, layout and widgets all ask during one page: one query per request.
    cache = g.setdefault("_enabled_modules", {}) if has_request_context() else {}
    if space.id in cache:
        return list(cache[space.id])
    platform = current_platform()
    off = switched_off_modules()
    rows = db.session.scalars(
        db.select(SpaceModule)
        .filter_by(space_id=space.id, enabled=True)
        .order_by(SpaceModule.position, SpaceModule.module_id)
    )
    result = [
        (platform.modules[r.module_id], r)
        for r in rows
        if r.module_id in platform.modules and r.module_id not in off
    ]
    cache[space.id] = result
    return list(result)


def forget_enabled_modules() -> None:
    """Drop the per-request cache of :func:`enabled_modules` (after switching or reordering)."""
    from flask import g, has_request_context

    if has_request_context():
        g.pop("_enabled_modules", None)


def module_settings(space: Space, module_id: str) -> dict[str, Any]:
    """The module's settings in ``space``, defaults filled in (no query when the module
    is enabled: its row comes from the request's :func:`enabled_modules`)."""
    spec = current_platform().module(module_id)
    defaults = dict(spec.settings_defaults) if spec else {}
    row = next((r for s, r in enabled_modules(space) if s.id == module_id), None)
    if row is None or sa_inspect(row).detached:  # a cache from an earlier session
        row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=space.id, module_id=module_id))
    if row is not None and row.settings:
        defaults.update(row.settings)
    return defaults


def set_module_enabled(space: Space, module_id: str, enabled: bool, actor: User) -> SpaceModule:
    """Switch a module on or off in ``space``; data is kept when switched off."""
    platform = current_platform()
    if platform.module(module_id) is None:
        raise SpaceError(gettext("Unknown module."), "module")
    row = next(row for spec, row in module_states(space) if spec.id == module_id)
    if row.enabled == enabled:
        return row
    row.enabled = enabled
    db.session.flush()
    forget_enabled_modules()
    if enabled:
        platform.hook.parvis_space_module_enabled(space=space, module_id=module_id)
    else:
        platform.hook.parvis_space_module_disabled(space=space, module_id=module_id)
    audit.record(
        "space.module_enabled" if enabled else "space.module_disabled",
        actor=actor,
        space=space,
        details={"module": module_id},
    )
    return row


def add_member(space: Space, user: User, role: str = "member") -> Membership:
    """Add ``user`` to ``space`` (or return the existing membership unchanged)."""
    existing = db.session.scalar(db.select(Membership).filter_by(space_id=space.id, user_id=user.id))
    if existing is not None:
        return existing
    membership = Membership(space_id=space.id, user_id=user.id, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def owner_count(space: Space) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(Membership).filter_by(space_id=space.id, role="owner")
    ) or 0


def change_role(membership: Membership, role: str, actor: User) -> None:
    """Change a member's role; the last owner cannot be demoted."""
    if membership.role == "owner" and role != "owner" and owner_count(membership.space) <= 1:
        raise SpaceError(gettext("A space needs at least one owner."), "role")
    old = membership.role
    membership.role = role
    audit.record(
        "space.role_changed",
        actor=actor,
        space=membership.space,
        target=membership.user,
        details={"from": old, "to": role},
    )


def remove_member(membership: Membership, actor: User) -> None:
    """Remove a member (or let them leave); the last owner cannot go."""
    space = membership.space
    if membership.role == "owner" and owner_count(space) <= 1:
        raise SpaceError(gettext("The last owner cannot leave: name another owner first."))
    user = membership.user
    db.session.delete(membership)
    db.session.flush()
    current_platform().hook.parvis_member_removed(space=space, user=user)
    action = "space.member_left" if actor.id == user.id else "space.member_removed"
    audit.record(action, actor=actor, space=space, target=user)


def delete_space(space: Space, actor: User) -> None:
    """Delete ``space`` for good: its modules' data (``parvis_space_deleted``), its rows
    (cascade), then, once the deletion is committed, the files the core stored for it
    (attachments, logo, banner). Commits. A file that cannot be deleted is logged and
    left for ``parvis storage check --clean``."""
    from flask import current_app

    from ..models import Attachment
    from ..storage import StorageError, get_storage

    keys = list(db.session.scalars(db.select(Attachment.storage_key).filter_by(space_id=space.id)))
    keys += [k for k in (space.icon_key, space.banner_key) if k]
    current_platform().hook.parvis_space_deleted(space=space)
    audit.record("space.deleted", actor=actor, details={"slug": space.slug, "name": space.name, "id": space.id})
    db.session.delete(space)
    db.session.commit()
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except StorageError:
            current_app.logger.warning("could not delete stored file %s of a deleted space", key)
