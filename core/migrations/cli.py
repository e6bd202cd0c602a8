"""``parvis db``: Flask-Migrate's commands made aware of one branch per module.

``upgrade`` goes to ``heads`` (every branch) by default; ``revision``/``migrate``
write to the core branch unless ``--module`` names another; ``module-revision``
creates a module's revision in that module's own folder, on its own branch.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from alembic import command
from alembic.util import CommandError
from flask import current_app
from flask.cli import with_appcontext

from . import CORE, MigrationError, alembic_config, create_revision, script_directory


def _errors(f: Callable[..., Any]) -> Callable[..., Any]:
    """Turn Alembic and migration errors into a clean ``Error: ...`` and exit code 1."""

    @wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except (MigrationError, CommandError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@click.group("db")
def db_group() -> None:
    """Database migrations (one Alembic branch for the core and one per module)."""


@db_group.command()
@click.argument("revision", default="heads")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@click.option("--tag", default=None, help="Arbitrary 'tag' name passed to env.py.")
@with_appcontext
@_errors
def upgrade(revision: str, sql: bool, tag: str | None) -> None:
    """Upgrade to REVISION (default: heads, the latest revision of every branch)."""
    command.upgrade(alembic_config(), revision, sql=sql, tag=tag)


@db_group.command()
@click.argument("revision")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@click.option("--tag", default=None, help="Arbitrary 'tag' name passed to env.py.")
@with_appcontext
@_errors
def downgrade(revision: str, sql: bool, tag: str | None) -> None:
    """Downgrade to REVISION, e.g. posts@-1, posts@base, core@base or base."""
    command.downgrade(alembic_config(), revision, sql=sql, tag=tag)


@db_group.command()
@click.option("-v", "--verbose", is_flag=True, help="Show more details.")
@with_appcontext
@_errors
def current(verbose: bool) -> None:
    """Show the revisions recorded in the database."""
    command.current(alembic_config(), verbose=verbose)


@db_group.command()
@click.option("-r", "--rev-range", default=None, help="Range of revisions, e.g. core@base:core@head.")
@click.option("-v", "--verbose", is_flag=True, help="Show more details.")
@click.option("-i", "--indicate-current", is_flag=True, help="Mark the current revisions.")
@with_appcontext
@_errors
def history(rev_range: str | None, verbose: bool, indicate_current: bool) -> None:
    """List the revisions of every branch."""
    command.history(alembic_config(), rev_range, verbose=verbose, indicate_current=indicate_current)


@db_group.command()
@click.option("-v", "--verbose", is_flag=True, help="Show more details.")
@with_appcontext
@_errors
def heads(verbose: bool) -> None:
    """Show the head of every branch."""
    command.heads(alembic_config(), verbose=verbose, resolve_dependencies=False)


@db_group.command()
@click.option("-v", "--verbose", is_flag=True, help="Show more details.")
@with_appcontext
@_errors
def branches(verbose: bool) -> None:
    """Show branch points."""
    command.branches(alembic_config(), verbose=verbose)


@db_group.command()
@click.argument("revision", default="heads")
@with_appcontext
@_errors
def show(revision: str) -> None:
    """Show a revision (default: every head)."""
    command.show(alembic_config(), revision)


@db_group.command()
@click.argument("revision", default="heads")
@click.option("--purge", is_flag=True, help="Empty the version table first.")
@with_appcontext
@_errors
def stamp(revision: str, purge: bool) -> None:
    """Record REVISION in the database without running migrations."""
    command.stamp(alembic_config(), revision, purge=purge)


def _print_created(script: Any) -> None:
    if script is None:
        click.echo("No changes in schema detected: nothing written.")
    else:
        click.echo(f"Created {script.path}")


@db_group.command("module-revision")
@click.argument("module_id")
@click.option("-m", "--message", required=True, help="What the revision does.")
@click.option("--autogenerate", is_flag=True, help="Fill it from the models' differences.")
@click.option("--rev-id", default=None, help="Revision id (generated if omitted).")
@with_appcontext
@_errors
def module_revision(module_id: str, message: str, autogenerate: bool, rev_id: str | None) -> None:
    """Create a revision on MODULE_ID's branch (``core`` for the core), in its own folder."""
    _print_created(
        create_revision(current_app, module_id, message, autogenerate=autogenerate, rev_id=rev_id)
    )


@db_group.command()
@click.option("-m", "--message", default=None, help="What the revision does.")
@click.option("--autogenerate", is_flag=True, help="Fill it from the models' differences.")
@click.option("--module", "module_id", default=CORE, show_default=True, help="Branch to write on.")
@click.option("--rev-id", default=None, help="Revision id (generated if omitted).")
@with_appcontext
@_errors
def revision(message: str | None, autogenerate: bool, module_id: str, rev_id: str | None) -> None:
    """Create a revision (on the core branch unless --module says otherwise)."""
    _print_created(
        create_revision(
            current_app, module_id, message or "empty message", autogenerate=autogenerate, rev_id=rev_id
        )
    )


@db_group.command()
@click.option("-m", "--message", default=None, help="What the revision does.")
@click.option("--module", "module_id", default=CORE, show_default=True, help="Branch to write on.")
@click.option("--rev-id", default=None, help="Revision id (generated if omitted).")
@with_appcontext
@_errors
def migrate(message: str | None, module_id: str, rev_id: str | None) -> None:
    """Autogenerate a revision from the models (alias of revision --autogenerate)."""
    _print_created(
        create_revision(current_app, module_id, message or "empty message", autogenerate=True, rev_id=rev_id)
    )


@db_group.command()
@with_appcontext
@_errors
def regenerate() -> None:
    """Autogenerate the first revision of every branch that has none (core first).

    During development: delete a branch's version files, then run this command.
    """
    from . import branch_labels

    app = current_app._get_current_object()
    branches_ = [CORE] + [
        spec.id for spec in app.extensions["parvis"].ordered_modules() if spec.migrations is not None
    ]
    for branch in branches_:
        config = alembic_config(core_only=True) if branch == CORE else None
        if branch in branch_labels(script_directory(config)):
            click.echo(f"{branch}: has revisions, kept.")
            continue
        message = "core schema" if branch == CORE else f"{branch} schema"
        script = create_revision(app, branch, message, autogenerate=True)
        click.echo(f"{branch}: " + (f"created {script.path}" if script else "no tables, nothing written."))
