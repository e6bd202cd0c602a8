"""``parvis storage check [--clean]``: orphaned and missing stored files."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from . import get_storage
from .check import check_storage


@click.group("storage")
def storage_group() -> None:
    """Inspect the file storage (local folder or S3 bucket)."""


@storage_group.command("check")
@click.option("--clean", is_flag=True, help="Delete the orphaned objects found.")
@click.option(
    "--grace-minutes",
    default=60,
    show_default=True,
    type=click.IntRange(min=0),
    help="Leave alone orphans younger than this (uploads still being committed).",
)
@click.option("--verbose", "-v", is_flag=True, help="List every orphan and missing key.")
@with_appcontext
def check_command(clean: bool, grace_minutes: int, verbose: bool) -> None:
    """Report stored objects no row references (orphans) and referenced keys with no
    object (missing). Exits with status 1 when something is missing."""
    storage = get_storage()
    report = check_storage(storage, clean=clean, grace=timedelta(minutes=grace_minutes))
    click.echo(f"storage: {storage!r}")
    click.echo(f"objects: {report.objects}, referenced keys: {report.referenced}")
    click.echo(f"orphans: {len(report.orphans)} ({report.orphan_bytes} bytes)")
    if report.recent_orphans:
        click.echo(f"recent orphans left alone: {len(report.recent_orphans)}")
    click.echo(f"missing: {len(report.missing)}")
    if verbose:
        for obj in report.orphans:
            click.echo(f"  orphan  {obj.key}  {obj.size}  {obj.modified_at.isoformat()}")
        for key in report.missing:
            click.echo(f"  missing {key}")
    if clean:
        click.echo(f"deleted: {len(report.deleted)}")
    elif report.orphans:
        click.echo("run again with --clean to delete the orphans")
    if report.missing:
        raise SystemExit(1)
