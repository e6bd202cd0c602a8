"""Search: one box over everything a user may see (see docs/search.md).

``init_app`` picks the backend from ``SEARCH_BACKEND`` (``whoosh``, the embedded
default, or ``postgres``) and keeps a :class:`~parvis.search.service.SearchService`
in ``app.extensions["parvis_search"]``. Modules only use
:mod:`parvis.services.search` and the ``parvis_search_documents`` hook.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import events
from .backend import SearchBackend
from .models import SearchEntry  # noqa: F401  (the table is part of the core schema)
from .service import EXTENSION_KEY, SearchService, current_service

__all__ = ["SearchService", "current_service", "init_app", "make_backend"]


def make_backend(app: Flask) -> SearchBackend:
    """The backend named by ``SEARCH_BACKEND``."""
    name = (app.config.get("SEARCH_BACKEND") or "whoosh").lower()
    if name == "postgres":
        from ..extensions import db
        from .postgres_backend import PostgresBackend

        if not str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
            raise RuntimeError("SEARCH_BACKEND=postgres needs a PostgreSQL database")
        return PostgresBackend(lambda: db.engine)
    if name != "whoosh":
        raise RuntimeError(f"unknown SEARCH_BACKEND {name!r} (whoosh or postgres)")
    from .whoosh_backend import WhooshBackend

    path = app.config.get("SEARCH_INDEX_DIR") or os.path.join(app.instance_path, "search-index")
    return WhooshBackend(Path(path))


def init_app(app: Flask) -> None:
    """Set up the search backend and the index writer of ``app``."""
    events.install()
    mode = app.config.get("SEARCH_QUEUE") or ("manual" if app.testing else "thread")
    app.extensions[EXTENSION_KEY] = SearchService(app, make_backend(app), mode)
    from .cli import search_group

    app.cli.add_command(search_group)
