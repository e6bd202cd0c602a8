"""Flask-Migrate, loaded only when a migration command needs it.

Importing Flask-Migrate imports Alembic, about a third of Parvis's import time, though
only ``parvis db ...`` (and the demo's first start) use it. :class:`LazyMigrate` takes
the same calls Parvis makes at start-up (``configure`` callbacks, ``init_app``) and
creates the real :class:`flask_migrate.Migrate` for an app the first time a migration
asks for its configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app


class LazyMigrate:
    """A stand-in for ``flask_migrate.Migrate`` that imports it on first real use."""

    def __init__(self) -> None:
        self.configure_callbacks: list[Callable[[Any], Any]] = []
        self.db: Any = None

    def configure(self, func: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Register an Alembic config callback (as ``Migrate.configure``)."""
        self.configure_callbacks.append(func)
        return func

    def init_app(self, app: Flask, db: Any = None, directory: str | None = None, **kwargs: Any) -> None:
        """Remember the settings; nothing is imported yet."""
        self.db = db or self.db
        app.extensions["parvis_migrate_settings"] = {"db": self.db, "directory": directory, **kwargs}

    def real(self, app: Flask | None = None) -> Any:
        """The app's real ``Migrate`` (created, with the callbacks, on first use)."""
        app = app or current_app._get_current_object()
        existing = app.extensions.get("migrate")
        if existing is not None:
            return existing.migrate
        from flask_migrate import Migrate, _MigrateConfig

        settings = dict(app.extensions.get("parvis_migrate_settings", {}))
        migrate = Migrate(**{k: v for k, v in settings.items() if k != "db"})
        migrate.db = settings.get("db") or self.db
        migrate.configure_callbacks = list(self.configure_callbacks)
        # Not ``migrate.init_app``: it would add Flask-Migrate's own ``db`` command group
        # over Parvis's (see ``parvis.cli.LazyDbGroup``).
        app.extensions["migrate"] = _MigrateConfig(migrate, migrate.db, **migrate.alembic_ctx_kwargs)
        return migrate

    def get_config(self, *args: Any, **kwargs: Any) -> Any:
        """Alembic's config for the current app (see ``Migrate.get_config``)."""
        return self.real().get_config(*args, **kwargs)
