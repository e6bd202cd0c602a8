"""``parvis search``: rebuild the index from the database, show its state."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import Space
from .service import EXTENSION_KEY


@click.group("search")
def search_group() -> None:
    """Search index commands."""


@search_group.command("reindex")
@click.option("--space", "space_slug", default=None, help="Only this space (its slug).")
@with_appcontext
def reindex_command(space_slug: str | None) -> None:
    """Rebuild the search index (or one space's part) from the database."""
    service = current_app.extensions[EXTENSION_KEY]
    space = None
    if space_slug:
        space = db.session.scalar(db.select(Space).filter_by(slug=space_slug))
        if space is None:
            raise click.ClickException(f"no space with the slug {space_slug!r}")
    started = time.perf_counter()
    with current_app.test_request_context("/"):  # modules build their URLs with url_for
        count = service.reindex(space)
    elapsed = time.perf_counter() - started
    where = f"space {space.slug}" if space else "the whole platform"
    click.echo(f"Indexed {count} documents of {where} in {elapsed:.1f} s ({service.backend.name}).")


@search_group.command("status")
@with_appcontext
def status_command() -> None:
    """Show the backend and the number of indexed documents."""
    service = current_app.extensions[EXTENSION_KEY]
    click.echo(f"backend: {service.backend.name}")
    click.echo(f"documents: {service.backend.count()}")
