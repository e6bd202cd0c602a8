"""``/spaces/<slug>/modules``: installed modules, switched on or off, ordered, configured."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from ...extensions import db
from ...models import Space, SpaceModule
from ...models.platform import switched_off_modules
from ...plugins.manager import current_platform
from ...plugins.spec import ModuleSpec
from ...services import audit
from ...services.spaces import SpaceError, module_states, set_module_enabled
from .. import api_bp
from ..endpoint import ApiError, api_endpoint
from ..helpers import current_space, me, require, space_error
from ..schemas import Extra, ModuleStateSchema, ModuleUpdateSchema

TAGS = ["modules"]


def _jsonable(value: Any) -> Any:
    """A form field's value as something the JSON column can store."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _state(spec: ModuleSpec, row: SpaceModule) -> Extra:
    return Extra(
        spec,
        enabled=row.enabled,
        position=row.position,
        settings={**spec.settings_defaults, **(row.settings or {})},
        has_settings_form=spec.settings_form is not None,
    )


def _states(space: Space) -> list[tuple[ModuleSpec, SpaceModule]]:
    off = switched_off_modules()
    return [(spec, row) for spec, row in module_states(space) if spec.id not in off]


def validate_settings(spec: ModuleSpec, current: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    """New settings: ``incoming`` over ``current``, validated by the module's settings form.

    Without a form, only the keys of ``settings_defaults`` are accepted, each with the
    JSON type of its default. Raises a 422 :class:`ApiError` naming ``settings.<key>``.
    """
    errors: dict[str, list[str]] = {}
    if spec.settings_form is not None:
        merged = {**current, **incoming}
        form = spec.settings_form(formdata=_formdata(merged), data=merged, meta={"csrf": False})
        names = {name for name in form._fields if name != "csrf_token"}
        for key in incoming:
            if key not in names:
                errors[f"settings.{key}"] = [gettext("Unknown setting.")]
        if not form.validate():
            for name, messages in form.errors.items():
                if name in names:
                    errors[f"settings.{name}"] = [str(m) for m in messages]
        cleaned = {name: _jsonable(form._fields[name].data) for name in names}
    else:
        defaults = spec.settings_defaults
        cleaned = dict(incoming)
        for key, value in incoming.items():
            if key not in defaults:
                errors[f"settings.{key}"] = [gettext("Unknown setting.")]
            elif defaults[key] is not None and not _same_json_type(defaults[key], value):
                errors[f"settings.{key}"] = [gettext("This value has the wrong type.")]
    if errors:
        raise ApiError(422, gettext("Some values are invalid."), errors)
    return {**current, **cleaned}


def _formdata(values: dict[str, Any]) -> MultiDict:
    """JSON values as submitted form data, so the form's own coercion and validators
    (``Optional`` included, which looks at the raw input) run as for a browser."""
    data = MultiDict()
    for key, value in values.items():
        if value is None or value is False:
            continue  # an unchecked box, an empty optional field
        if value is True:
            data.add(key, "y")
        elif isinstance(value, list | tuple):
            for item in value:
                data.add(key, str(item))
        else:
            data.add(key, str(value))
    return data


def _same_json_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


@api_endpoint(
    api_bp, "/spaces/<space_slug>/modules", ["GET"], response=ModuleStateSchema(many=True),
    tags=TAGS,
)
def list_modules() -> Any:
    """Installed modules with their state in the space (needs ``space.modules``)."""
    space = current_space()
    require("space.modules", space)
    states = _states(space)
    db.session.commit()  # rows created for modules installed after the space
    return [_state(spec, row) for spec, row in states]


@api_endpoint(
    api_bp, "/spaces/<space_slug>/modules/<module_id>", ["PATCH"], body=ModuleUpdateSchema,
    response=ModuleStateSchema, tags=TAGS,
)
def update_module(module_id: str, body: dict[str, Any]) -> Any:
    """Switch a module on or off, move it in the navigation, or change its settings."""
    space = current_space()
    require("space.modules", space)
    spec = current_platform().module(module_id)
    if spec is None or module_id in switched_off_modules():
        raise ApiError(404, gettext("Unknown module."))
    row = next(row for s, row in _states(space) if s.id == module_id)
    if "settings" in body:
        current = {**spec.settings_defaults, **(row.settings or {})}
        new = validate_settings(spec, current, body["settings"])
        if new != current:
            row.settings = new
            audit.record(
                "space.module_settings_changed", actor=me(), space=space, details={"module": module_id}
            )
    if "position" in body:
        row.position = body["position"]
    if "enabled" in body:
        try:
            set_module_enabled(space, module_id, body["enabled"], me())
        except SpaceError as exc:
            raise space_error(exc) from exc
    db.session.commit()
    return _state(spec, row)
