"""Database set-up: SQLite pragmas, Alembic version locations of every module."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event

from .extensions import db, migrate

CORE_MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def init_database(app: Flask) -> None:
    """Bind Flask-SQLAlchemy and turn on WAL and foreign keys for SQLite."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        opts = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        opts.setdefault("connect_args", {}).setdefault("timeout", 15)
    # Import every model so metadata is complete before create_all / autogenerate.
    from . import models  # noqa: F401

    db.init_app(app)
    with app.app_context():
        if uri.startswith("sqlite"):
            event.listen(db.engine, "connect", _sqlite_pragmas)


def version_locations(app: Flask) -> list[str]:
    """Core versions plus each enabled module's own migrations folder."""
    locations = [str(CORE_MIGRATIONS / "versions")]
    for spec in app.extensions["parvis"].ordered_modules():
        if spec.migrations is not None:
            locations.append(str(spec.migrations))
    return locations


@migrate.configure
def _configure_alembic(config):  # noqa: ANN001, ANN202
    """Give Alembic every module's version folder (each module is its own branch)."""
    # os.pathsep, so that folders with spaces in their path work (Alembic >= 1.16).
    config.set_main_option("version_locations", os.pathsep.join(version_locations(current_app)))
    config.set_main_option("path_separator", "os")
    return config

