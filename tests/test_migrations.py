"""Migrations: every branch brings a blank database to exactly the models, and back.

Runs on a temporary SQLite file, and on PostgreSQL when PARVIS_TEST_DATABASE_URL is
set (in a dedicated temporary database, so the shared test database is untouched).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import make_app
from flask import Flask
from sqlalchemy import Column, ForeignKey, Integer, String, Table, create_engine, inspect
from sqlalchemy.engine import make_url

from parvis import ModuleSpec, hookimpl
from parvis.extensions import db
from parvis.migrations import (
    CORE,
    alembic_config,
    branch_head,
    branch_labels,
    script_directory,
    table_owners,
)


def _admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """A blank database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    base = os.environ.get("PARVIS_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"parvis_mig_{secrets.token_hex(4)}"
    admin = create_engine(_admin_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def fresh_app(fresh_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The platform with its installed modules only (no test plugin) on a blank database."""
    app = make_app(fresh_database_url, str(tmp_path / "instance"), EXTRA_PLUGINS=[])
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _installed_owners(app: Flask) -> dict[str, str]:
    """Tables of the core and of the installed modules (test plugins' tables left out)."""
    platform = app.extensions["parvis"]
    return {name: owner for name, owner in table_owners(platform).items() if owner is not None}


def _differences(app: Flask) -> list:
    owners = _installed_owners(app)

    def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN202
        if type_ == "table":
            return name in owners
        return True

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        return compare_metadata(ctx, db.metadata)


def test_upgrade_heads_matches_the_models_then_downgrades_to_base(fresh_app: Flask) -> None:
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output

    existing = set(inspect(db.engine).get_table_names())
    missing = set(_installed_owners(fresh_app)) - existing
    assert not missing, f"tables without a migration: {sorted(missing)}"
    assert _differences(fresh_app) == [], "models and migrations differ: regenerate (docs/operations.md)"

    script = script_directory()
    labels = branch_labels(script)
    assert CORE in labels
    module_branches = sorted(labels - {CORE})
    for branch in module_branches:
        command.downgrade(alembic_config(), f"{branch}@base")
    command.downgrade(alembic_config(), f"{CORE}@base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_every_installed_module_with_models_has_a_branch(fresh_app: Flask) -> None:
    labels = branch_labels(script_directory())
    owners = set(_installed_owners(fresh_app).values())
    for module_id in owners - {CORE}:
        assert module_id in labels, f"module {module_id} has tables but no migration branch"


# -- authoring a module's migrations -------------------------------------------------------


class TinyModule:
    """A module with one table and its own (temporary) migrations folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def parvis_module(self) -> ModuleSpec:
        return ModuleSpec(id="tinymod", name="Tiny", migrations=self.folder)


@pytest.fixture
def tiny_table() -> Iterator[Table]:
    table = Table(
        "tinymod_notes",
        db.metadata,
        Column("id", Integer, primary_key=True),
        Column("space_id", ForeignKey("spaces.id", ondelete="CASCADE"), index=True),
        Column("title", String(120), nullable=False),
        info={"parvis_module": "tinymod"},
    )
    try:
        yield table
    finally:
        db.metadata.remove(table)


def test_module_revision_opens_a_branch_in_the_module_folder(
    fresh_database_url: str, tmp_path: Path, tiny_table: Table
) -> None:
    folder = tmp_path / "tinymod" / "migrations" / "versions"
    app = make_app(
        fresh_database_url, str(tmp_path / "instance"), EXTRA_PLUGINS=[TinyModule(folder)]
    )
    runner = app.test_cli_runner()
    with app.app_context():
        try:
            result = runner.invoke(
                args=["db", "module-revision", "tinymod", "-m", "notes", "--autogenerate"]
            )
            assert result.exit_code == 0, result.output
            files = list(folder.glob("*.py"))
            assert len(files) == 1
            text = files[0].read_text()
            assert "tinymod_notes" in text
            assert "'tinymod'" in text  # branch label
            assert text.count("op.create_table(") == 1  # only the module's own table
            script = script_directory()
            tiny = script.get_revision(branch_head(script, "tinymod"))
            assert tiny.revision == "tinymod_0001"
            assert tiny.dependencies == branch_head(script, CORE)

            # Nothing changed: a second autogenerate writes nothing.
            result = runner.invoke(
                args=["db", "module-revision", "tinymod", "-m", "again", "--autogenerate"]
            )
            assert result.exit_code == 0, result.output
            assert "No changes" in result.output
            assert len(list(folder.glob("*.py"))) == 1

            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
            assert "tinymod_notes" in inspect(db.engine).get_table_names()
            result = runner.invoke(args=["modules"])
            assert "tinymod" in result.output and "applied" in result.output

            result = runner.invoke(args=["db", "downgrade", "tinymod@base"])
            assert result.exit_code == 0, result.output
            tables = inspect(db.engine).get_table_names()
            assert "tinymod_notes" not in tables and "users" in tables
        finally:
            db.session.remove()
            db.engine.dispose()


def test_module_revision_refuses_an_unknown_module(fresh_app: Flask) -> None:
    result = fresh_app.test_cli_runner().invoke(args=["db", "module-revision", "nope", "-m", "x"])
    assert result.exit_code == 1
    assert "Unknown or switched-off module" in result.output


def test_regenerate_opens_the_branches_that_have_none(
    fresh_database_url: str, tmp_path: Path, tiny_table: Table
) -> None:
    folder = tmp_path / "versions"
    app = make_app(fresh_database_url, str(tmp_path / "instance"), EXTRA_PLUGINS=[TinyModule(folder)])
    with app.app_context():
        try:
            result = app.test_cli_runner().invoke(args=["db", "regenerate"])
            assert result.exit_code == 0, result.output
            assert "core: has revisions, kept." in result.output
            assert "tinymod: created" in result.output
            assert [p.name for p in folder.glob("*.py")] == ["tinymod_0001_tinymod_schema.py"]
        finally:
            db.session.remove()
            db.engine.dispose()
