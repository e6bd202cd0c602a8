"""``parvis demo``: a small platform to try Parvis on a laptop.

It brings the database to the head of every migration branch, then creates (once)
a platform administrator, a community manager and a few members, three spaces with
different visibilities, join policies and modules, members in every role, demo
content from each enabled module (``parvis_demo_seed`` hook), a pending join request
and a pending space request. Passwords are random and printed: this is a demo.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import inspect

from .extensions import db
from .migrations import missing_tables, upgrade_heads

Echo = Callable[[str], None]

DOMAIN = "demo.example.org"
CREDENTIALS_FILE = "demo-credentials.json"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    role: str = "user"
    job_title: str = ""
    organisation: str = ""

    @property
    def email(self) -> str:
        return f"{self.key}@{DOMAIN}"


ADMIN_EMAIL = f"admin@{DOMAIN}"


def demo_people() -> tuple[DemoPerson, ...]:
    """The demo accounts (built on call so their texts are translated)."""
    return (
        DemoPerson("admin", "Ada Lovelace", "admin", _("Platform administrator"), _("Digital agency")),
        DemoPerson(
            "manager", "Camille Martin", "community_manager", _("Community manager"), _("Digital agency")
        ),
        DemoPerson("alice", "Alice Bernard", job_title=_("Project lead"), organisation=_("Ministry of Culture")),
        DemoPerson("bruno", "Bruno Petit", job_title=_("Data engineer"), organisation=_("Regional prefecture")),
        DemoPerson("chloe", "Chloé Durand", job_title=_("Librarian"), organisation=_("City library network")),
        DemoPerson("david", "David Moreau", job_title=_("Consultant"), organisation=_("Partner company")),
        DemoPerson("emma", "Emma Lefèvre", job_title=_("Researcher"), organisation=_("University")),
    )


@dataclass(frozen=True)
class DemoSpace:
    slug: str
    name: str
    description: str
    visibility: str
    join_policy: str
    owner: str
    #: Wanted modules (only the installed ones are enabled); None means every default module.
    modules: tuple[str, ...] | None
    members: dict[str, str]


def demo_spaces() -> tuple[DemoSpace, ...]:
    """The three demo spaces (built on call so their texts are translated)."""
    return (
        DemoSpace(
            "numerique-en-commun",
            _("Digital commons practitioners"),
            _("A public community of practice: share methods, tools and feedback between administrations."),
            "public",
            "open",
            "alice",
            None,
            {"manager": "admin", "bruno": "moderator", "chloe": "member", "emma": "member", "david": "guest"},
        ),
        DemoSpace(
            "portail-des-mediatheques",
            _("Library portal project"),
            _("A private project team building the shared portal of the city libraries."),
            "private",
            "request",
            "chloe",
            ("posts", "documents", "wiki", "calendar", "discussions"),
            {"alice": "admin", "david": "member", "bruno": "guest"},
        ),
        DemoSpace(
            "comite-de-pilotage",
            _("Steering committee"),
            _("A secret space for the steering committee: agendas, decisions and minutes."),
            "secret",
            "invitation",
            "manager",
            ("documents", "calendar", "posts"),
            {"alice": "admin", "chloe": "member"},
        ),
    )


# -- database ---------------------------------------------------------------------------


def prepare_database(app: Flask, *, reset: bool = False, echo: Echo = print) -> None:
    """Bring the database to every branch head (after dropping everything if ``reset``)."""
    if reset:
        echo(_("Deleting every table of %(url)s ...", url=_safe_url()))
        drop_every_table()
        _credentials_path(app).unlink(missing_ok=True)
    tables = set(inspect(db.engine).get_table_names())
    if tables and "alembic_version" not in tables:
        import click

        raise click.ClickException(
            _("The database has tables but no migration history: run parvis demo --reset.")
        )
    echo(_("Upgrading the database to every branch head ..."))
    upgrade_heads()
    missing = missing_tables(app)
    if missing:
        for owner, names in sorted(missing.items()):
            echo(
                _(
                    "Warning: %(owner)s has no migration for %(tables)s; creating them directly.",
                    owner=owner,
                    tables=", ".join(sorted(names)),
                )
            )
        names = {name for group in missing.values() for name in group}
        db.metadata.create_all(bind=db.engine, tables=[db.metadata.tables[n] for n in names])


def drop_every_table() -> None:
    """Drop every table of the database, whatever its foreign keys (cycles included)."""
    engine = db.engine
    db.session.remove()
    names = inspect(engine).get_table_names()
    quote = engine.dialect.identifier_preparer.quote
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for name in names:
            suffix = "" if sqlite else " CASCADE"
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name)}{suffix}")
        conn.commit()
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    engine.dispose()


def _safe_url() -> str:
    return db.engine.url.render_as_string(hide_password=True)


# -- seeding ----------------------------------------------------------------------------


def _credentials_path(app: Flask) -> Path:
    return Path(app.instance_path) / CREDENTIALS_FILE


def _save_credentials(app: Flask, credentials: list[dict[str, str]]) -> None:
    path = _credentials_path(app)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(credentials, out, indent=2, ensure_ascii=False)


def _load_credentials(app: Flask) -> list[dict[str, str]]:
    try:
        return json.loads(_credentials_path(app).read_text())
    except (OSError, ValueError):
        return []


def seed_demo(app: Flask, *, echo: Echo = print) -> bool:
    """Create the demo platform once; return False (and say so) when it exists."""
    from .services.users import by_email

    with app.test_request_context("/"):
        if by_email(ADMIN_EMAIL) is not None:
            echo(_("The demo platform already exists (use --reset to start again)."))
            _print_credentials(_load_credentials(app), echo)
            return False
        credentials = _create_everything(app, echo)
    _save_credentials(app, credentials)
    echo(_("Demo platform created."))
    _print_credentials(credentials, echo)
    return True


def _create_everything(app: Flask, echo: Echo) -> list[dict[str, str]]:
    from .models import Membership
    from .services.membership import join, request_space
    from .services.spaces import add_member, create_space, enabled_modules
    from .services.users import create_user

    platform = app.extensions["parvis"]
    installed = {spec.id for spec in platform.ordered_modules()}
    users, credentials = {}, []
    for person in demo_people():
        password = secrets.token_urlsafe(9)
        user = create_user(person.email, person.name, password, platform_role=person.role)
        user.job_title, user.organisation = person.job_title, person.organisation
        users[person.key] = user
        credentials.append({"email": person.email, "name": person.name, "role": person.role, "password": password})
    db.session.flush()

    for blueprint in demo_spaces():
        modules = None if blueprint.modules is None else [m for m in blueprint.modules if m in installed]
        space = create_space(
            name=blueprint.name,
            slug=blueprint.slug,
            owner=users[blueprint.owner],
            description=blueprint.description,
            visibility=blueprint.visibility,
            join_policy=blueprint.join_policy,
            modules=modules,
        )
        for key, role in blueprint.members.items():
            add_member(space, users[key], role)
        db.session.flush()
        members = set(db.session.scalars(db.select(Membership.user_id).filter_by(space_id=space.id)))
        member_users = [user for user in users.values() if user.id in members]
        enabled = [spec.id for spec, _row in enabled_modules(space)]
        for module_id in enabled:
            platform.hook.parvis_demo_seed(space=space, module_id=module_id, users=member_users)
        echo(
            _(
                "Space %(name)s (/s/%(slug)s): %(visibility)s, modules: %(modules)s",
                name=space.name,
                slug=space.slug,
                visibility=space.visibility,
                modules=", ".join(enabled) or "-",
            )
        )
        if blueprint.join_policy == "request":
            join(space, users["emma"], _("I would like to follow the project, may I join?"))

    request_space(
        users["bruno"],
        name=_("Open data network"),
        slug="reseau-donnees-ouvertes",
        purpose=_("Bring together the open data officers of the region."),
        audience=_("Open data officers, partners"),
        visibility="public",
        join_policy="request",
    )
    db.session.commit()
    _build_search_index()
    return credentials


def _build_search_index() -> None:
    """Index the demo content now, so the first search finds it (the index is a cache)."""
    from flask import current_app

    from .search.service import current_service

    service = current_service()
    if service is not None:
        with current_app.test_request_context("/"):  # modules build their URLs with url_for
            service.reindex()


def _print_credentials(credentials: list[dict[str, str]], echo: Echo) -> None:
    if not credentials:
        return
    echo(_("Accounts (demo only: passwords are shown in clear):"))
    for entry in credentials:
        echo(f"  {entry['email']:<28} {entry['password']:<16} {entry['role']}")


def serve(app: Flask, *, host: str, port: int, echo: Echo = print) -> None:
    """Serve the app with the development server until interrupted."""
    from werkzeug.serving import run_simple

    echo(_("Serving the demo on http://%(host)s:%(port)s/ (Ctrl+C to stop)", host=host, port=port))
    socketio = app.extensions.get("socketio")
    if socketio is not None:
        # ``parvis`` is a Flask CLI group, which sets FLASK_RUN_FROM_CLI; Flask's
        # ``app.run`` (called by ``socketio.run``) then returns at once without serving.
        os.environ.pop("FLASK_RUN_FROM_CLI", None)
        socketio.run(app, host=host, port=port, use_reloader=False, allow_unsafe_werkzeug=True)
    else:
        run_simple(host, port, app, threaded=True, use_reloader=False)
