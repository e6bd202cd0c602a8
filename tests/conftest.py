"""Fixtures: an app per test on SQLite (default) or PostgreSQL (PARVIS_TEST_DATABASE_URL).

The schema is created once per session; each test then starts from empty tables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from flask import Flask, g, request_started
from flask.testing import FlaskClient

from parvis import create_app
from parvis.extensions import db
from parvis.models import Membership, Space, User
from parvis.services import mail
from parvis.services.spaces import create_space
from parvis.services.users import create_user

TEST_PLUGINS = ["plugins.exercise_module"]

# The browser fixtures (``browser``, ``live_url``) live in tests/browser_support.py;
# importing them here makes them available to every test file.
from browser_support import browser, live_url  # noqa: E402, F401

PASSWORD = "correct horse battery"


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("PARVIS_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("instance"))


def make_app(database_url: str, instance_dir: str, **overrides) -> Flask:  # noqa: ANN003
    config = {
        "TESTING": True,
        "PASSWORD_HASH_FAST": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "memory",
        "RATELIMIT_ENABLED": False,
        "EXTRA_PLUGINS": TEST_PLUGINS,
        "SERVER_NAME": "parvis.test",
        # Tests assert English msgids; the product default stays French (tests/test_i18n.py).
        "BABEL_DEFAULT_LOCALE": "en",
    }
    config.update(overrides)
    application = create_app(config, instance_path=instance_dir)
    _CREATED_APPS.append(application)
    return application


#: Apps built during the current test; their engines are closed after it, so no
#: connection is left for the garbage collector (a ResourceWarning, hence an error).
_CREATED_APPS: list[Flask] = []


@pytest.fixture(autouse=True)
def _no_flask_cli_flag() -> Iterator[None]:
    """Tests that invoke the ``parvis`` CLI in-process leave FLASK_RUN_FROM_CLI set, which
    makes ``app.run`` in a server subprocess return at once: clear it after each test."""
    yield
    os.environ.pop("FLASK_RUN_FROM_CLI", None)


@pytest.fixture(autouse=True)
def _close_extra_engines() -> Iterator[None]:
    yield
    while _CREATED_APPS:
        application = _CREATED_APPS.pop()
        with application.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def _schema(database_url: str, instance_dir: str) -> Iterator[None]:
    app = make_app(database_url, instance_dir)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _empty_tables() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def _fresh_g(sender: Flask, **extra: object) -> None:
    g.__dict__.clear()


@pytest.fixture
def app(_schema: None, database_url: str, instance_dir: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    overrides = getattr(request, "param", None) or {}
    marker = request.node.get_closest_marker("config")
    if marker:
        overrides = {**overrides, **marker.kwargs}
    application = make_app(database_url, instance_dir, **overrides)
    mail.OUTBOX.clear()
    ctx = application.app_context()
    ctx.push()
    # The pushed app context is reused by every request of the test, so ``g`` would
    # carry per-request caches (signed-in user, roles, counters) from one request to
    # the next: start each request with an empty ``g``, as in production.
    request_started.connect(_fresh_g, application)
    try:
        yield application
    finally:
        request_started.disconnect(_fresh_g, application)
        db.session.rollback()
        _empty_tables()
        db.session.remove()
        db.engine.dispose()  # each app has its own engine: close its connections now
        ctx.pop()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# -- people and spaces -------------------------------------------------------------


def make_user(email: str, name: str | None = None, role: str = "user") -> User:
    user = create_user(email, name or email.split("@")[0].title(), PASSWORD, platform_role=role)
    db.session.commit()
    return user


@pytest.fixture
def admin(app: Flask) -> User:
    return make_user("admin@example.org", "Ada Admin", role="admin")


@pytest.fixture
def manager(app: Flask) -> User:
    return make_user("cm@example.org", "Camille Manager", role="community_manager")


@pytest.fixture
def alice(app: Flask) -> User:
    return make_user("alice@example.org", "Alice Martin")


@pytest.fixture
def bob(app: Flask) -> User:
    return make_user("bob@example.org", "Bob Durand")


@pytest.fixture
def carol(app: Flask) -> User:
    return make_user("carol@example.org", "Carol Petit")


def make_space(owner: User, slug: str, visibility: str = "public", **kwargs) -> Space:  # noqa: ANN003
    space = create_space(
        name=kwargs.pop("name", slug.replace("-", " ").title()),
        slug=slug,
        owner=owner,
        visibility=visibility,
        **kwargs,
    )
    db.session.commit()
    return space


def add_member(space: Space, user: User, role: str = "member") -> Membership:
    membership = Membership(space_id=space.id, user_id=user.id, role=role)
    db.session.add(membership)
    db.session.commit()
    return membership


def login(client: FlaskClient, user: User | str, password: str = PASSWORD):  # noqa: ANN201
    email = user if isinstance(user, str) else user.email
    return client.post("/login", data={"email": email, "password": password})


def logout(client: FlaskClient):  # noqa: ANN201
    return client.post("/logout")


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests: a page that navigates away while the development server still
    streams a static file (the favicon) leaves that file to the garbage collector, a
    ResourceWarning of the test server, not of Parvis; don't turn it into an error there."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"))
