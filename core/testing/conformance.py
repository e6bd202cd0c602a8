"""The conformance kit: what a module must do for the platform, checked by running it.

:func:`check_module` (``parvis.testing.contract``) reads a module's declarations. The
checks here exercise the module in a running app:

* :func:`check_migrations` — the module's Alembic branch upgrades a blank database
  (a SQLite file, or a scratch PostgreSQL database) to exactly its models, downgrades
  to nothing and upgrades again;
* :func:`check_authorization` — every route of the module, as anonymous, outsider,
  guest, member, moderator, admin, owner and platform admin, in a public, a private and
  a secret space, with the module on and off: no 5xx, a secret space answers 404 to an
  outsider, a switched-off module answers 404 to everyone;
* :func:`check_widgets` — every widget's settings form can hold its defaults, and the
  widget renders (through its ``load`` when it has one) in an empty space and in a
  space with content, for a member, a guest and an anonymous visitor; ``load`` sends
  as many queries for six placements as for one;
* :func:`check_search_documents` — documents are typed ``<module>.<kind>``, carry an
  ``object_id``, a title, a plain-text body and a URL inside the space, and are visible
  to every reader of the space (a guest resolves the object and opens its URL);
* :func:`check_export` — the module's export of a space with content runs and is JSON,
  and the space's ZIP export holds it;
* :func:`check_toggle` — switching the module off keeps every row and hides its pages
  (404); switching it on again restores them.

:func:`run_conformance` runs them all and returns ``{check: [problems]}``; an empty
list means the check passed. The app needs ``TESTING``, ``WTF_CSRF_ENABLED=False``,
``RATELIMIT_ENABLED=False`` and an app context (the ``parvis_app`` fixture gives that).
"""

from __future__ import annotations

import json
import secrets
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

from .routes import build_path, fill, method_of, module_rules, request
from .world import ROLES, build_world

VISIBILITIES = ("public", "private", "secret")
#: Settings copied from the app under test to the scratch app of the migration check.
_COPIED_SETTINGS = (
    "TESTING", "SECRET_KEY", "EXTRA_PLUGINS", "DISABLED_MODULES", "PASSWORD_HASH_FAST",
    "MAIL_BACKEND", "SERVER_NAME", "WTF_CSRF_ENABLED", "RATELIMIT_ENABLED", "BABEL_DEFAULT_LOCALE",
)
#: Keys every search document must have.
DOCUMENT_KEYS = ("type", "object_id", "title", "body", "url")
#: Search documents whose URL the kit opens, per content type (each is one request).
DOCUMENTS_OPENED = 3


# -- helpers ------------------------------------------------------------------------------


def _spec(app: Any, module_id: str) -> Any:
    spec = app.extensions["parvis"].module(module_id)
    if spec is None:
        raise AssertionError(f"module {module_id!r} is not installed (or is blocked)")
    return spec


def module_plugin(app: Any, module_id: str) -> Any:
    """The plugin object whose ``parvis_module`` hook declares ``module_id``."""
    platform = app.extensions["parvis"]
    spec = _spec(app, module_id)
    for impl in platform.pm.hook.parvis_module.get_hookimpls():
        declared = impl.function()
        if declared is spec or getattr(declared, "id", None) == spec.id:
            return impl.plugin
    raise AssertionError(f"no plugin declares module {module_id!r}")


def call_module_hook(app: Any, module_id: str, name: str, /, **kwargs: Any) -> list[Any]:
    """Results of hook ``name`` from the module's own implementations only."""
    plugin = module_plugin(app, module_id)
    caller = getattr(app.extensions["parvis"].pm.hook, name)
    return [
        impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        for impl in caller.get_hookimpls()
        if impl.plugin is plugin
    ]


@contextmanager
def _errors_as_500(app: Any) -> Iterator[None]:
    """Unhandled exceptions become 500 answers, so every one is reported with its route."""
    before = app.config.get("PROPAGATE_TEST_ERRORS", True)
    app.config["PROPAGATE_TEST_ERRORS"] = False
    try:
        yield
    finally:
        app.config["PROPAGATE_TEST_ERRORS"] = before


def module_tables(app: Any, module_id: str) -> list[str]:
    """Names of the tables the module's models own."""
    from ..migrations import table_owners

    owners = table_owners(app.extensions["parvis"])
    return sorted(name for name, owner in owners.items() if owner == module_id)


def row_counts(tables: list[str], space: Any | None = None) -> dict[str, int]:
    """Rows per table (in ``space`` when the table has a ``space_id`` column)."""
    from ..extensions import db

    counts = {}
    for name in tables:
        table = db.metadata.tables[name]
        stmt = db.select(db.func.count()).select_from(table)
        if space is not None and "space_id" in table.c:
            stmt = stmt.where(table.c.space_id == space.id)
        counts[name] = db.session.scalar(stmt) or 0
    return counts


# -- migrations -------------------------------------------------------------------------


@contextmanager
def scratch_database(base_url: str | None, folder: Path) -> Iterator[str]:
    """A blank database: a SQLite file in ``folder``, or a new PostgreSQL database
    next to ``base_url`` (dropped afterwards)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    if not base_url or base_url.startswith("sqlite"):
        yield f"sqlite:///{folder / f'scratch-{secrets.token_hex(4)}.db'}"
        return
    name = f"parvis_kit_{secrets.token_hex(4)}"
    url = make_url(base_url)
    admin = create_engine(
        url.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def _differences(tables: set[str]) -> list[Any]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from ..extensions import db

    def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN202
        table = obj if type_ == "table" else getattr(obj, "table", None)
        table_name = name if type_ == "table" else getattr(table, "name", None)
        return table_name in tables if table_name else True

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        return compare_metadata(ctx, db.metadata)


def check_migrations(app: Any, module_id: str, database_url: str | None = None,
                     folder: Path | None = None) -> list[str]:
    """The module's branch: blank -> head (matching the models) -> base -> head.

    Runs in a scratch database next to ``database_url`` (SQLite when None).
    """
    import tempfile

    from .. import create_app
    from ..extensions import db

    tables = set(module_tables(app, module_id))
    with tempfile.TemporaryDirectory() as tmp:
        work = folder or Path(tmp)
        with scratch_database(database_url, work) as url:
            config = {k: app.config[k] for k in _COPIED_SETTINGS if k in app.config}
            config["SQLALCHEMY_DATABASE_URI"] = url
            scratch = create_app(config, instance_path=str(work / "instance"))
            with scratch.app_context():
                try:
                    return _walk_branch(module_id, tables)
                finally:
                    db.session.remove()
                    db.engine.dispose()


def _walk_branch(module_id: str, tables: set[str]) -> list[str]:
    """Upgrade, compare, downgrade and upgrade again the branch in the current app's database."""
    from alembic import command
    from sqlalchemy import inspect

    from ..extensions import db
    from ..migrations import CORE, alembic_config, branch_labels, script_directory

    cfg = alembic_config()
    if module_id not in branch_labels(script_directory(cfg)):
        return [f"module has tables {sorted(tables)} but no migration branch"] if tables else []
    problems: list[str] = []

    def present() -> set[str]:
        return set(inspect(db.engine).get_table_names())

    try:
        command.upgrade(cfg, f"{module_id}@head")
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return [f"upgrade {module_id}@head failed: {exc}"]
    missing = tables - present()
    if missing:
        problems.append(f"tables without a migration: {sorted(missing)}")
    diffs = _differences(tables)
    if diffs:
        problems.append(f"migrations and models differ: {diffs[:5]}")
    try:
        command.downgrade(cfg, f"{module_id}@base")
    except Exception as exc:  # noqa: BLE001
        return [*problems, f"downgrade {module_id}@base failed: {exc}"]
    left = tables & present()
    if left:
        problems.append(f"downgrade to base left tables behind: {sorted(left)}")
    if "alembic_version" not in present():
        problems.append("downgrading the module removed the core's version table")
    try:
        command.upgrade(cfg, f"{module_id}@head")
        command.downgrade(cfg, f"{module_id}@base")
        command.downgrade(cfg, f"{CORE}@base")
    except Exception as exc:  # noqa: BLE001
        problems.append(f"second upgrade/downgrade failed: {exc}")
    return problems


# -- authorization matrix -----------------------------------------------------------------


def _matrix_problems(role: str, status: int, location: str, *, visibility: str,
                     enabled: bool, in_space: bool) -> list[str]:
    problems = []
    if status >= 500:
        problems.append("server error")
    if not in_space:
        return problems
    if not enabled and role not in ("anonymous",) and status != 404:
        problems.append("the module is off in this space: expected 404")
    if role == "outsider" and visibility == "secret" and status != 404:
        problems.append("a secret space must not exist for an outsider (404)")
    if role == "outsider" and visibility == "private" and 200 <= status < 300:
        problems.append("a private space's content is closed to outsiders")
    if role == "anonymous" and visibility != "public" and 200 <= status < 300:
        problems.append("an anonymous visitor reached a private or secret space's content")
    if role == "anonymous" and status == 302 and "/login" not in location and visibility != "public":
        problems.append(f"anonymous visitor redirected to {location}, not to the login page")
    return problems


def check_authorization(app: Any, module_id: str,
                        visibilities: tuple[str, ...] = VISIBILITIES) -> list[str]:
    """Every route of the module × every role × every visibility × module on/off."""
    rules = module_rules(app, module_id)
    problems: list[str] = []
    with _errors_as_500(app):
        for visibility in visibilities:
            world = build_world(app, module_id, visibility)
            for enabled, space in ((True, world.space), (False, world.bare)):
                for rule in rules:
                    method = method_of(rule)
                    in_space = "space_slug" in rule.arguments
                    for role in ROLES:
                        path = build_path(rule, fill(app, rule, space))
                        try:
                            response = request(world.client(role), method, path)
                        except Exception as exc:  # noqa: BLE001 - reported with the route
                            problems.append(f"{visibility} {role} {method} {path}: raised {exc!r}")
                            continue
                        found = _matrix_problems(
                            role, response.status_code, response.headers.get("Location", ""),
                            visibility=visibility, enabled=enabled, in_space=in_space,
                        )
                        state = "on" if enabled else "off"
                        problems += [
                            f"{visibility}/{state} {role} {method} {path} [{rule.endpoint}] = "
                            f"{response.status_code}: {p}"
                            for p in found
                        ]
                if not any("space_slug" in r.arguments for r in rules):
                    break  # global routes only: the space makes no difference
    return problems


# -- widgets ------------------------------------------------------------------------------


def _render_widget(app: Any, widget: Any, space: Any, user: Any, settings: dict[str, Any],
                   placements: int = 1) -> tuple[list[Any], int]:
    """Render ``widget`` ``placements`` times as ``user``; return the HTML and the SQL count."""
    from flask import g
    from flask_login import login_user

    from ..plugins.spec import WidgetContext
    from .queries import count_queries

    with app.test_request_context(f"/s/{space.slug}/"):
        g.space = space  # as on a space page: url_for() fills space_slug from it
        if user is not None:
            login_user(user)
        contexts = [
            WidgetContext(space=space, settings=dict(settings), user=user)
            for _ in range(placements)
        ]
        with count_queries() as log:
            if widget.load is not None:
                widget.load(contexts)
        return [widget.render(ctx) for ctx in contexts], log.count


def check_widgets(app: Any, module_id: str) -> list[str]:
    """Each widget: its form holds its defaults; it renders empty and with content."""
    from ..extensions import db
    from ..services.spaces import create_space

    spec = _spec(app, module_id)
    if not spec.widgets:
        return []
    problems: list[str] = []
    world = build_world(app, module_id, "public")
    empty = create_space(
        name="Empty", slug=f"empty-{secrets.token_hex(3)}", owner=world.users["owner"],
        visibility="public", modules=[module_id],
    )
    db.session.commit()
    readers = {"member": world.users["member"], "guest": world.users["guest"], "anonymous": None}
    for widget in spec.widgets:
        defaults = dict(widget.defaults)
        if widget.form is not None:
            with app.test_request_context():
                try:
                    widget.form(data=defaults)
                except Exception as exc:  # noqa: BLE001
                    problems.append(f"widget {widget.id}: its form cannot hold its defaults: {exc!r}")
        for label, space in (("an empty space", empty), ("a space with content", world.space)):
            for who, user in readers.items():
                try:
                    html, _count = _render_widget(app, widget, space, user, defaults)
                except Exception as exc:  # noqa: BLE001 - reported, not raised
                    db.session.rollback()
                    problems.append(f"widget {widget.id} fails in {label} for {who}: {exc!r}")
                    continue
                if not isinstance(html[0], str):
                    problems.append(f"widget {widget.id} returned {type(html[0]).__name__}, not HTML")
        if widget.load is not None:
            try:
                _h, one = _render_widget(app, widget, world.space, world.users["member"], defaults, 1)
                _h, six = _render_widget(app, widget, world.space, world.users["member"], defaults, 6)
            except Exception as exc:  # noqa: BLE001
                db.session.rollback()
                problems.append(f"widget {widget.id}: load failed: {exc!r}")
                continue
            if six > one:
                problems.append(f"widget {widget.id}: load sends {one} queries for one placement, {six} for six")
    return problems


# -- search documents ---------------------------------------------------------------------


def check_search_documents(app: Any, module_id: str) -> list[str]:
    """Documents are typed, carry object ids and URLs, and every reader may see them."""
    from ..extensions import db

    spec = _spec(app, module_id)
    problems: list[str] = []
    for content_type in spec.content_types:
        if content_type.search_document is None:
            problems.append(f"content type {content_type.id} declares no search_document")
    world = build_world(app, module_id, "private")
    space = world.space
    try:
        batches = call_module_hook(app, module_id, "parvis_search_documents", space=space)
        documents = [doc for batch in batches for doc in (batch or ())]
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        return [*problems, f"parvis_search_documents failed: {exc!r}"]
    types = {ct.id: ct for ct in spec.content_types}
    guest = world.users["guest"]
    opened: dict[str, int] = {}
    for doc in documents:
        where = f"document {doc.get('type')}#{doc.get('object_id')}"
        missing = [k for k in DOCUMENT_KEYS if k not in doc]
        if missing:
            problems.append(f"{where}: missing {missing}")
            continue
        content_type = types.get(doc["type"])
        if not str(doc["type"]).startswith(f"{module_id}.") or content_type is None:
            problems.append(f"{where}: type is not one of the module's content types {sorted(types)}")
            continue
        if not isinstance(doc["object_id"], int):
            problems.append(f"{where}: object_id is not an integer")
            continue
        if not isinstance(doc["body"], str) or "<" in doc["body"] and ">" in doc["body"]:
            problems.append(f"{where}: body must be plain text")
        url = str(doc["url"])
        path = url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url.lstrip("/")
        if not path.startswith(f"s/{space.slug}/"):
            problems.append(f"{where}: url {url} is not inside the space")
        if content_type.resolve(doc["object_id"], guest) is None:
            problems.append(f"{where}: a guest of the space may not see it, yet it is indexed")
        if content_type.search_document is not None:
            single = content_type.search_document(doc["object_id"])
            if single is None or single.get("url") != doc["url"]:
                problems.append(f"{where}: search_document(object_id) disagrees with the space's documents")
        if opened.get(doc["type"], 0) < DOCUMENTS_OPENED:
            opened[doc["type"]] = opened.get(doc["type"], 0) + 1
            response = world.client("guest").get("/" + path, follow_redirects=True)
            status = response.status_code
            response.close()
            db.session.rollback()
            if status != 200:
                problems.append(f"{where}: a guest opening {url} gets {status}")
        db.session.rollback()
    return problems


# -- export -------------------------------------------------------------------------------


def check_export(app: Any, module_id: str) -> list[str]:
    """The module's export of a space with content runs, is JSON and lands in the ZIP."""
    from ..extensions import db
    from ..services.export import build_space_archive

    world = build_world(app, module_id, "public")
    try:
        parts = [
            p for p in call_module_hook(
                app, module_id, "parvis_export_space", space=world.space, module_id=module_id
            ) if p is not None
        ]
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        return [f"parvis_export_space failed: {exc!r}"]
    problems = []
    try:
        json.dumps(parts, default=str)
    except (TypeError, ValueError) as exc:
        problems.append(f"the export is not JSON-serialisable: {exc}")
    if module_tables(app, module_id) and not parts:
        problems.append("the module holds data but exports nothing (parvis_export_space)")
    try:
        archive = zipfile.ZipFile(BytesIO(build_space_archive(world.space)))
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        return [*problems, f"the space's ZIP export failed: {exc!r}"]
    if parts and f"modules/{module_id}.json" not in archive.namelist():
        problems.append(f"modules/{module_id}.json missing from the space's ZIP export")
    return problems


# -- switching off and on -------------------------------------------------------------------


def _index_paths(app: Any, module_id: str, space: Any) -> list[str]:
    """GET routes of the module that need nothing but the space (its index pages)."""
    return [
        build_path(rule, {"space_slug": space.slug})
        for rule in module_rules(app, module_id)
        if method_of(rule) == "GET" and set(rule.arguments) == {"space_slug"}
    ]


def check_toggle(app: Any, module_id: str) -> list[str]:
    """Off: every row kept, pages 404, widgets gone; on again: everything back."""
    from ..extensions import db
    from ..services.spaces import set_module_enabled

    world = build_world(app, module_id, "public")
    space, owner = world.space, world.users["owner"]
    member = world.client("member")
    tables = module_tables(app, module_id)
    before = row_counts(tables)
    paths = _index_paths(app, module_id, space)
    problems: list[str] = []
    with _errors_as_500(app):
        opened = {p: request(member, "GET", p).status_code for p in paths}
        set_module_enabled(space, module_id, False, owner)
        db.session.commit()
        after_off = row_counts(tables)
        if after_off != before:
            problems.append(f"switching the module off changed its data: {before} -> {after_off}")
        for path in paths:
            status = request(member, "GET", path).status_code
            if status != 404:
                problems.append(f"module off: {path} answers {status}, expected 404")
        home = request(member, "GET", f"/s/{space.slug}/")
        if home.status_code >= 500:
            problems.append(f"module off: the space home answers {home.status_code}")
        set_module_enabled(space, module_id, True, owner)
        db.session.commit()
        after_on = row_counts(tables)
        if after_on != before:
            problems.append(f"switching the module on again changed its data: {before} -> {after_on}")
        for path, status_before in opened.items():
            status = request(member, "GET", path).status_code
            if status != status_before:
                problems.append(f"module on again: {path} answers {status}, {status_before} before")
    return problems


# -- everything -----------------------------------------------------------------------------


def run_conformance(app: Any, module_id: str, *, database_url: str | None = None,
                    skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Every check on ``module_id``: ``{check name: problems}`` (empty lists mean conformant)."""
    from .contract import check_module

    checks: dict[str, Callable[[], list[str]]] = {
        "contract": lambda: check_module(app, module_id),
        "migrations": lambda: check_migrations(app, module_id, database_url),
        "authorization": lambda: check_authorization(app, module_id),
        "widgets": lambda: check_widgets(app, module_id),
        "search": lambda: check_search_documents(app, module_id),
        "export": lambda: check_export(app, module_id),
        "toggle": lambda: check_toggle(app, module_id),
    }
    return {name: check() for name, check in checks.items() if name not in skip}


def format_report(module_id: str, report: dict[str, list[str]]) -> str:
    """A readable listing of a :func:`run_conformance` report (for assertion messages)."""
    lines = [f"module {module_id}:"]
    for name, problems in report.items():
        lines.append(f"  {name}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
        lines += [f"    - {p}" for p in problems[:40]]
        if len(problems) > 40:
            lines.append(f"    ... and {len(problems) - 40} more")
    return "\n".join(lines)
