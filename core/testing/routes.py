"""The routes of a module, and URL parameters filled from the database.

``module_rules(app, "faq")`` lists the rules of the module's blueprints (space pages,
API and global pages). :func:`fill` gives a value for every URL argument: the space's
slug for ``space_slug``; for an integer ``<thing>_id``, the smallest id of the matching
table (``entry_id`` -> ``faq_entries``), restricted to the space when that table has a
``space_id`` column. Tables are guessed from the argument's name, the module's own
tables first, so name URL arguments after the table (``page_id`` for ``wiki_pages``).
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import AnyConverter, IntegerConverter, Rule

#: Values of string URL arguments the kit cannot guess from the database.
STRING_VALUES = {
    "token": "dummy-token",
    "theme": "default",
    "filename": "css/parvis.css",
    "lang": "en",
}
#: Methods that change state, in the order the kit prefers them for a rule.
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def module_rules(app: Any, module_id: str) -> list[Rule]:
    """Every rule of the module's blueprints, sorted (GET-able rules first)."""
    owners = app.extensions["parvis"].blueprint_owners
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if owners.get(rule.endpoint.rsplit(".", 1)[0]) == module_id
        and not rule.endpoint.endswith(".static")
    ]
    return sorted(rules, key=lambda r: (method_of(r) != "GET", r.rule, r.endpoint))


def method_of(rule: Rule) -> str:
    """GET when the rule answers it, else its first state-changing method."""
    methods = rule.methods or set()
    if "GET" in methods:
        return "GET"
    return next((m for m in WRITE_METHODS if m in methods), "GET")


def write_methods(rule: Rule) -> list[str]:
    """The state-changing methods of ``rule``."""
    return [m for m in WRITE_METHODS if m in (rule.methods or set())]


def tables_for(param: str, module_id: str | None) -> list[Any]:
    """Tables an id argument may point into, the module's own first."""
    from ..extensions import db

    stem = param.removesuffix("_id")
    names = {stem, f"{stem}s", f"{stem}es"}
    if stem.endswith("y"):
        names.add(f"{stem[:-1]}ies")
    found = [
        t
        for t in db.metadata.sorted_tables
        if t.name in names or any(t.name.endswith(f"_{n}") for n in names)
    ]
    found.sort(key=lambda t: (not (module_id and t.name.startswith(f"{module_id}_")), t.name))
    return found


def existing_value(param: str, column: str, module_id: str | None, space: Any) -> Any:
    """The smallest ``column`` of the first guessed table that has a row in ``space``."""
    from ..extensions import db

    for table in tables_for(param, module_id):
        if column not in table.c:
            continue
        stmt = db.select(db.func.min(table.c[column]))
        if "space_id" in table.c:
            stmt = stmt.where(table.c.space_id == space.id)
        value = db.session.scalar(stmt)
        if value is not None:
            return value
    return None


def owner_of(app: Any, rule: Rule) -> str | None:
    """The module owning ``rule`` (None for the core)."""
    return app.extensions["parvis"].blueprint_owners.get(rule.endpoint.rsplit(".", 1)[0])


def fill(app: Any, rule: Rule, space: Any, strings: dict[str, str] | None = None) -> dict[str, Any]:
    """Values for every argument of ``rule`` in ``space`` (see the module docstring);
    ``strings`` adds or overrides :data:`STRING_VALUES` (e.g. an installed module id)."""
    module_id = owner_of(app, rule)
    known = {**STRING_VALUES, **(strings or {})}
    values: dict[str, Any] = {}
    for arg in rule.arguments:
        converter = rule._converters.get(arg)
        if arg == "space_slug":
            values[arg] = space.slug
        elif isinstance(converter, IntegerConverter):
            values[arg] = existing_value(arg, "id", module_id, space) or 1
        elif isinstance(converter, AnyConverter):
            values[arg] = sorted(converter.items)[0]  # e.g. export.<any(json, yaml):fmt>
        elif arg in known:
            values[arg] = known[arg]
        elif arg in ("module_id", "name"):
            values[arg] = module_id or "x"
        else:
            values[arg] = existing_value(arg, arg, module_id, space) or "x"
    return values


def id_arguments(rule: Rule) -> list[str]:
    """The integer arguments of ``rule`` (object ids)."""
    return [a for a in rule.arguments if isinstance(rule._converters.get(a), IntegerConverter)]


def build_path(rule: Rule, values: dict[str, Any]) -> str:
    """The path of ``rule`` with ``values``."""
    built = rule.build(values, append_unknown=False)
    if built is None:
        raise AssertionError(f"cannot build {rule.rule} from {values}")
    return built[1]


def request(client: Any, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    """Send ``method`` to ``path`` (JSON under ``/api/``, a form elsewhere), buffer and close
    the answer, and roll the session back."""
    from ..extensions import db

    kwargs: dict[str, Any] = {}
    if method != "GET":
        kwargs["json" if path.startswith("/api/") else "data"] = data or {}
    try:
        response = client.open(path, method=method, **kwargs)
        response.get_data()  # buffered, so that closing frees files (downloads) at once
        response.close()
        return response
    finally:
        db.session.rollback()
