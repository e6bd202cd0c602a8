"""pytest plugin shipped with Parvis (entry point ``pytest11``); see docs/testing.md.

Loaded automatically wherever Parvis is installed. It adds:

* the ``config(**overrides)`` marker, read by app fixtures to override settings;
* ``count_queries``: the :func:`parvis.testing.queries.count_queries` context manager;
* ``module_contract``: :func:`parvis.testing.contract.check_module`, which lists the
  ways a module breaks the platform's contract;
* ``module_conformance``: :func:`parvis.testing.conformance.run_conformance`, which
  exercises a module (migrations, authorization matrix, widgets, search documents,
  export, switching off and on) and returns ``{check: [problems]}``;
* ``parvis_app`` / ``parvis_client``: a throw-away Parvis app on SQLite in a temporary
  folder, with the modules named by the ``parvis_plugins`` fixture (override it in
  your ``conftest.py``) loaded next to the installed ones.

Nothing here creates an app or touches a database at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .queries import count_queries as _count_queries


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "config(**overrides): Parvis settings for the app fixture of this test"
    )


@pytest.fixture
def count_queries() -> Callable[..., Any]:
    """The query-counting context manager: ``with count_queries() as q: ...; q.count``."""
    return _count_queries


@pytest.fixture
def module_contract() -> Callable[..., list[str]]:
    """``module_contract(app, "mymodule")`` returns a list of problems (empty is good)."""
    from .contract import check_module

    return check_module


@pytest.fixture
def module_conformance(tmp_path: Path) -> Callable[..., dict[str, list[str]]]:
    """``module_conformance(app, "mymodule")`` runs every conformance check.

    The migration check uses a scratch database next to ``PARVIS_TEST_DATABASE_URL``
    when it is set (PostgreSQL), else a SQLite file. Assert with
    ``assert not any(report.values()), format_report("mymodule", report)``.
    """
    import os

    from .conformance import run_conformance

    def run(app: Any, module_id: str, **kwargs: Any) -> dict[str, list[str]]:
        kwargs.setdefault("database_url", os.environ.get("PARVIS_TEST_DATABASE_URL"))
        return run_conformance(app, module_id, **kwargs)

    return run


@pytest.fixture
def parvis_plugins() -> list[str]:
    """Dotted names of extra modules to load in ``parvis_app`` (override in conftest)."""
    return []


@pytest.fixture
def parvis_app(
    tmp_path: Path, parvis_plugins: list[str], request: pytest.FixtureRequest
) -> Iterator[Any]:
    """A Parvis app on a fresh SQLite database, with an app context pushed."""
    from flask import g, request_started

    from parvis import create_app
    from parvis.extensions import db

    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "parvis-test",
        "PASSWORD_HASH_FAST": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'parvis.db'}",
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "memory",
        "RATELIMIT_ENABLED": False,
        "EXTRA_PLUGINS": list(parvis_plugins),
        "SERVER_NAME": "parvis.test",
    }
    marker = request.node.get_closest_marker("config")
    if marker:
        config.update(marker.kwargs)
    app = create_app(config, instance_path=str(tmp_path / "instance"))

    def fresh_g(sender: Any, **extra: Any) -> None:
        # The pushed app context is shared by every request of the test: start each
        # request with an empty ``g`` (per-request caches), as in production.
        g.__dict__.clear()

    request_started.connect(fresh_g, app)
    with app.app_context():
        db.create_all()
        try:
            yield app
        finally:
            request_started.disconnect(fresh_g, app)
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def parvis_client(parvis_app: Any) -> Any:
    """A test client of :func:`parvis_app`."""
    return parvis_app.test_client()
