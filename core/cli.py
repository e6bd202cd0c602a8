"""The ``parvis`` command: a Flask CLI group bound to :func:`parvis.app.create_app`.

Besides Flask's own ``run`` and ``shell``: ``db`` (migrations, see
:mod:`parvis.migrations.cli`), ``demo``, ``user create``, ``token create`` and
``modules``. Modules add their commands through the ``parvis_cli_commands`` hook.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db


def _make_app() -> Flask:
    from .app import create_app
    from .realtime.async_mode import AsyncModeError

    try:
        return create_app()
    except AsyncModeError as exc:  # a setting the process cannot run: say what to do
        raise click.ClickException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_make_app, add_version_option=False)
def main() -> None:
    """Parvis: collaborative community spaces."""


class LazyDbGroup(click.Group):
    """``parvis db ...``, imported (with Alembic) only when a ``db`` command runs:
    Alembic is about a third of Parvis's import time and only migrations need it."""

    def _real(self) -> click.Group:
        from .migrations.cli import db_group

        return db_group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._real().get_command(ctx, cmd_name)


def register_commands(app: Flask) -> None:
    """Attach the core commands to ``app.cli`` (modules add theirs by hook).

    The ``db`` group replaces Flask-Migrate's, whose ``upgrade`` stops at a single
    ``head`` while Parvis has one branch per module.
    """
    app.cli.add_command(LazyDbGroup("db", help="Database migrations (one Alembic branch for the core and one per module)."))
    from .storage.cli import storage_group

    app.cli.add_command(storage_group)
    for cmd in (demo_command, seed_command, user_group, token_group, modules_command):
        app.cli.add_command(cmd)


def generate_password() -> str:
    """A random password good enough to be typed once and changed."""
    return secrets.token_urlsafe(12)


# -- demo --------------------------------------------------------------------------------


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to serve on.")
@click.option("--no-serve", is_flag=True, help="Create the demo platform and stop.")
@click.option("--reset", is_flag=True, help="Delete every table and start again.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool, reset: bool) -> None:
    """Create a demo platform (users, spaces, content) and serve it."""
    from .demo import prepare_database, seed_demo, serve

    app = current_app._get_current_object()
    prepare_database(app, reset=reset, echo=click.echo)
    seed_demo(app, echo=click.echo)
    if not no_serve:
        serve(app, host=host, port=port, echo=click.echo)


# -- seed --------------------------------------------------------------------------------


@click.command("seed")
@click.option("--users", default=25000, show_default=True, type=click.IntRange(min=2), help="Accounts to create.")
@click.option("--spaces", default=2000, show_default=True, type=click.IntRange(min=1), help="Spaces to create.")
@click.option("--items", default=200000, show_default=True, type=click.IntRange(min=0),
              help="Pieces of content, spread over the spaces' modules.")
@click.option("--seed", "seed_value", default=1, show_default=True, type=int, help="Random seed (same seed, same data).")
@click.option("--no-index", is_flag=True, help="Do not rebuild the search index (run parvis search reindex later).")
@click.option("--reset", is_flag=True, help="Delete every table of the database first.")
@with_appcontext
def seed_command(users: int, spaces: int, items: int, seed_value: int, no_index: bool, reset: bool) -> None:
    """Fill an empty database with a large, realistic platform (load tests, benchmarks)."""
    import time

    from .demo import prepare_database
    from .seed import BENCH_EMAIL, SEED_PASSWORD, SeedRefused, seed_platform

    app = current_app._get_current_object()
    started = time.perf_counter()
    prepare_database(app, reset=reset, echo=click.echo)
    try:
        report = seed_platform(app, users=users, spaces=spaces, items=items, seed=seed_value,
                               index=not no_index, echo=click.echo)
    except SeedRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_(
        "Seeded %(users)d users, %(spaces)d spaces, %(memberships)d memberships and %(items)d items "
        "in %(seconds)d s.", users=report.users, spaces=report.spaces, memberships=report.memberships,
        items=report.items, seconds=round(time.perf_counter() - started),
    ))
    click.echo("  " + ", ".join(f"{k}: {v}" for k, v in sorted(report.items_by_module.items())))
    click.echo("  " + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items()))
    click.echo(_("Every seeded account has the password \"%(password)s\"; %(email)s is a member of 20 spaces.",
                 password=SEED_PASSWORD, email=BENCH_EMAIL))


# -- users and tokens -----------------------------------------------------------------------


@click.group("user")
def user_group() -> None:
    """Manage user accounts."""


@user_group.command("create")
@click.argument("email")
@click.option("--name", default=None, help="Display name (default: from the e-mail).")
@click.option("--admin", is_flag=True, help="Make the user a platform administrator.")
@click.option(
    "--role",
    type=click.Choice(["admin", "community_manager", "user"]),
    default=None,
    help="Platform role (default: user; --admin means admin).",
)
@click.option("--password", default=None, help="Password (prompted, or generated and printed).")
@with_appcontext
def user_create(email: str, name: str | None, admin: bool, role: str | None, password: str | None) -> None:
    """Create the account EMAIL."""
    from email_validator import EmailNotValidError, validate_email

    from .services.users import UserError, create_user

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise click.ClickException(_("Invalid e-mail address: %(error)s", error=str(exc))) from exc
    generated = False
    if password is None:
        if sys.stdin is not None and sys.stdin.isatty():
            password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
        else:
            password, generated = generate_password(), True
    if len(password) < 8:
        raise click.ClickException(_("The password must have at least 8 characters."))
    platform_role = "admin" if admin else (role or "user")
    display_name = name or email.split("@")[0].replace(".", " ").title()
    try:
        user = create_user(email, display_name, password, platform_role=platform_role)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(_("Created %(email)s (%(role)s).", email=user.email, role=user.platform_role))
    if generated:
        click.echo(_("Password: %(password)s", password=password))


@click.group("token")
def token_group() -> None:
    """Manage personal API tokens."""


@token_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for.")
@with_appcontext
def token_create(email: str, name: str) -> None:
    """Create a personal API token for EMAIL and print it (shown only once)."""
    from .models import ApiToken
    from .services.users import by_email

    user = by_email(email)
    if user is None:
        raise click.ClickException(_("No account with the e-mail address %(email)s.", email=email))
    if not user.active:
        raise click.ClickException(_("The account %(email)s is deactivated.", email=user.email))
    _token, clear = ApiToken.issue(user, name=name)
    db.session.commit()
    click.echo(_("Token for %(email)s (shown only once, keep it secret):", email=user.email))
    click.echo(clear)


# -- modules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleRow:
    """One line of ``parvis modules``."""

    id: str
    name: str
    version: str
    status: str
    migrations: str


def module_rows(app: Flask) -> list[ModuleRow]:
    """Every module entry point: loaded ones with their spec, switched-off ones by name."""
    from alembic.util import CommandError

    from .migrations import (
        MigrationError,
        applied_revisions,
        branch_head,
        current_heads,
        script_directory,
    )

    platform = app.extensions["parvis"]
    try:
        script = script_directory()
        done = applied_revisions(script, current_heads(app))
    except (MigrationError, CommandError, SQLAlchemyError):
        script, done = None, set()
    ids = sorted(set(platform.installed_entry_points()) | set(platform.modules))
    rows = []
    for module_id in ids:
        spec = platform.module(module_id)
        head = branch_head(script, module_id) if script is not None else None
        if head is None:
            migrations = _("none") if spec is None or spec.migrations is None else _("no revision")
        else:
            migrations = _("applied") if head in done else _("pending")
        if spec is None:
            status = _("switched off") if module_id in platform.blocked else _("not loaded")
            rows.append(ModuleRow(module_id, "-", "-", status, migrations))
        else:
            rows.append(ModuleRow(spec.id, str(spec.name), spec.version, _("active"), migrations))
    return rows


@click.command("modules")
@with_appcontext
def modules_command() -> None:
    """List the installed modules, their status and whether their migrations are applied."""
    rows = module_rows(current_app._get_current_object())
    if not rows:
        click.echo(_("No module is installed."))
        return
    headers = (_("id"), _("name"), _("version"), _("status"), _("migrations"))
    table = [headers] + [(r.id, r.name, r.version, r.status, r.migrations) for r in rows]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(headers))]
    for row in table:
        click.echo("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
