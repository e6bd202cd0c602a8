"""The module contract, checked: what a module must declare for the platform to work.

``check_module(app, "links")`` returns a list of human-readable problems; an empty list
means the module keeps the contract described in docs/modules.md. Module authors call
it from their tests (the ``module_contract`` fixture of the pytest plugin).
"""

from __future__ import annotations

import re
from typing import Any

from wtforms import Form

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SPACE_ROLES = ("owner", "admin", "moderator", "member", "guest")


def check_module(app: Any, module_id: str) -> list[str]:
    """Problems of module ``module_id`` in ``app`` (empty when it keeps the contract)."""
    platform = app.extensions["parvis"]
    problems: list[str] = []
    try:
        platform.pm.check_pending()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        problems.append(f"misspelt hook implementation: {exc}")
    spec = platform.module(module_id)
    if spec is None:
        return [*problems, f"module {module_id!r} is not installed (or is blocked)"]
    prefix = f"{module_id}."
    if not ID_RE.match(spec.id):
        problems.append(f"id {spec.id!r}: use lowercase letters, digits and underscores")
    problems += _entry_point_name(platform, spec)
    problems += _permissions(spec, prefix)
    problems += _routes(app, spec, platform)
    with app.test_request_context():
        problems += _forms(spec)
    for widget in spec.widgets:
        if not widget.id.startswith(prefix):
            problems.append(f"widget {widget.id!r} should be named {prefix}<name>")
        if not callable(widget.render):
            problems.append(f"widget {widget.id!r}: render is not callable")
    for content_type in spec.content_types:
        if not content_type.id.startswith(prefix):
            problems.append(f"content type {content_type.id!r} should be named {prefix}<name>")
        for attr in ("resolve", "url", "title"):
            if not callable(getattr(content_type, attr)):
                problems.append(f"content type {content_type.id!r}: {attr} is not callable")
    for verb in spec.activity_types:
        if not verb.startswith(prefix):
            problems.append(f"activity type {verb!r} should be named {prefix}<verb>")
    if spec.migrations is not None and not spec.migrations.is_dir():
        problems.append(f"migrations folder {spec.migrations} does not exist")
    return problems


def _entry_point_name(platform: Any, spec: Any) -> list[str]:
    """The entry-point name (pluggy's plugin name) must be the module id."""
    distinfo = {id(plugin) for plugin, _dist in platform.pm.list_plugin_distinfo()}
    for impl in platform.pm.hook.parvis_module.get_hookimpls():
        if id(impl.plugin) not in distinfo:
            continue  # registered by hand (tests), not through an entry point
        if impl.function() is spec and impl.plugin_name != spec.id:
            return [f"entry point {impl.plugin_name!r} declares module {spec.id!r}: use one name"]
    return []


def _permissions(spec: Any, prefix: str) -> list[str]:
    problems = []
    for perm in spec.permissions:
        if not perm.action.startswith(prefix):
            problems.append(f"permission {perm.action!r} should be named {prefix}<verb>")
        if perm.default_role not in SPACE_ROLES:
            problems.append(f"permission {perm.action!r}: unknown role {perm.default_role!r}")
    return problems


def _routes(app: Any, spec: Any, platform: Any) -> list[str]:
    problems = []
    owned = {name for name, owner in platform.blueprint_owners.items() if owner == spec.id}
    rules = list(app.url_map.iter_rules())
    for blueprint, mount in ((spec.blueprint, "/s/<space_slug>/"), (spec.api_blueprint, "/api/v1/spaces/<space_slug>/")):
        if blueprint is None:
            continue
        if blueprint.name not in owned:
            problems.append(f"blueprint {blueprint.name!r} is not mounted")
            continue
        for rule in rules:
            if rule.endpoint.startswith(blueprint.name + ".") and not rule.rule.startswith(
                f"{mount}{spec.id}"
            ):
                problems.append(f"route {rule.rule} escapes the module's prefix {mount}{spec.id}")
    endpoints = {rule.endpoint for rule in rules}
    for entry in spec.nav:
        if entry.endpoint not in endpoints:
            problems.append(f"navigation entry {entry.endpoint!r} is not a route")
        elif spec.blueprint is None or not entry.endpoint.startswith(spec.blueprint.name + "."):
            problems.append(f"navigation entry {entry.endpoint!r} is not in the module's blueprint")
    return problems


def _forms(spec: Any) -> list[str]:
    problems = []
    forms = [(f"settings of {spec.id}", spec.settings_form, spec.settings_defaults)]
    forms += [(f"widget {w.id}", w.form, w.defaults) for w in spec.widgets]
    for label, form_class, defaults in forms:
        if form_class is None:
            if defaults and label.startswith("settings"):
                problems.append(f"{label}: defaults without a form")
            continue
        if not (isinstance(form_class, type) and issubclass(form_class, Form)):
            problems.append(f"{label}: form must be a WTForms Form class")
            continue
        try:
            fields = set(form_class()._fields)
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            problems.append(f"{label}: the form cannot be built ({exc})")
            continue
        unknown = set(defaults) - fields
        if unknown:
            problems.append(f"{label}: defaults name no field: {sorted(unknown)}")
    return problems
