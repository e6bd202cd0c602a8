"""The ``parvis`` command: users, tokens, modules and the demo platform."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import PASSWORD, make_app, make_user
from flask import Flask
from test_migrations import fresh_database_url  # noqa: F401  (fixture)

from parvis import ModuleSpec, hookimpl
from parvis.cli import main
from parvis.extensions import db
from parvis.models import ApiToken, JoinRequest, Membership, Space, SpaceRequest, User, hash_token


def invoke(app: Flask, *args: str, input: str | None = None):  # noqa: ANN201, A002
    return app.test_cli_runner().invoke(args=list(args), input=input)


# -- parvis user create --------------------------------------------------------------------


def test_user_create_with_a_password(app: Flask) -> None:
    result = invoke(app, "user", "create", "Zoe@Example.org", "--name", "Zoé Roux", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert "zoe@example.org" in result.output
    assert PASSWORD not in result.output
    user = db.session.scalar(db.select(User).filter_by(email="zoe@example.org"))
    assert user.name == "Zoé Roux" and user.platform_role == "user"
    assert user.check_password(PASSWORD)


def test_user_create_without_a_terminal_generates_and_prints_the_password(app: Flask) -> None:
    result = invoke(app, "user", "create", "root@example.org", "--admin")
    assert result.exit_code == 0, result.output
    password = re.search(r"Password: (\S+)", result.output).group(1)
    user = db.session.scalar(db.select(User).filter_by(email="root@example.org"))
    assert user.platform_role == "admin"
    assert user.check_password(password)


def test_user_create_with_a_role(app: Flask) -> None:
    result = invoke(app, "user", "create", "cm2@example.org", "--role", "community_manager")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User.platform_role).filter_by(email="cm2@example.org")) == (
        "community_manager"
    )


def test_user_create_refuses_a_duplicate(app: Flask, alice: User) -> None:
    result = invoke(app, "user", "create", "ALICE@example.org", "--password", PASSWORD)
    assert result.exit_code == 1
    assert "Error:" in result.output and "already exists" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email"], "Invalid e-mail address"),
        (["short@example.org", "--password", "abc"], "at least 8 characters"),
    ],
)
def test_user_create_refuses_bad_input(app: Flask, args: list[str], message: str) -> None:
    result = invoke(app, "user", "create", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


# -- parvis token create -------------------------------------------------------------------


def test_token_create_prints_a_working_token_once(app: Flask, alice: User) -> None:
    result = invoke(app, "token", "create", "alice@example.org", "--name", "scripts")
    assert result.exit_code == 0, result.output
    clear = result.output.strip().splitlines()[-1]
    assert clear.startswith("pvs_")
    token = db.session.scalar(db.select(ApiToken).filter_by(user_id=alice.id))
    assert token.name == "scripts"
    assert token.token_hash == hash_token(clear)
    assert clear not in token.token_hash


def test_token_create_for_an_unknown_email(app: Flask) -> None:
    result = invoke(app, "token", "create", "nobody@example.org")
    assert result.exit_code == 1
    assert "No account" in result.output and "nobody@example.org" in result.output


# -- parvis modules -------------------------------------------------------------------------


def test_modules_lists_installed_modules(app: Flask) -> None:
    result = invoke(app, "modules")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["id", "name", "version", "status"]
    posts = next(line for line in lines if line.startswith("posts "))
    assert "active" in posts


def test_modules_shows_a_switched_off_module(database_url: str, instance_dir: str) -> None:
    app = make_app(database_url, instance_dir, DISABLED_MODULES=["posts"])
    with app.app_context():
        result = invoke(app, "modules")
        db.session.remove()
    assert result.exit_code == 0, result.output
    posts = next(line for line in result.output.splitlines() if line.startswith("posts "))
    assert "switched off" in posts


def test_the_console_script_is_the_flask_group() -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "db", "user", "token", "modules", "run"):
        assert re.search(rf"^\s+{command}\s", result.output, re.M), command


# -- parvis demo ------------------------------------------------------------------------------


class DemoRecorder:
    """A module that records the demo seed calls it receives."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[str]]] = []

    @hookimpl
    def parvis_module(self) -> ModuleSpec:
        return ModuleSpec(id="recorder", name="Recorder")

    @hookimpl
    def parvis_demo_seed(self, space, module_id, users) -> None:  # noqa: ANN001
        self.calls.append((space.slug, module_id, sorted(u.email for u in users)))


@pytest.fixture
def demo_app(fresh_database_url: str, tmp_path: Path):  # noqa: F811, ANN201
    recorder = DemoRecorder()
    app = make_app(fresh_database_url, str(tmp_path / "instance"), EXTRA_PLUGINS=[recorder])
    app.recorder = recorder
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _count(model: type) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_demo_creates_a_platform_and_is_idempotent(demo_app: Flask) -> None:
    result = invoke(demo_app, "demo", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "admin@demo.example.org" in result.output
    admin_line = next(line for line in result.output.splitlines() if "admin@demo.example.org" in line)
    password = admin_line.split()[1]
    admin = db.session.scalar(db.select(User).filter_by(email="admin@demo.example.org"))
    assert admin.platform_role == "admin" and admin.check_password(password)
    assert db.session.scalar(db.select(User.platform_role).filter_by(email="manager@demo.example.org")) == (
        "community_manager"
    )
    users = _count(User)
    assert users >= 5

    spaces = {s.slug: s for s in db.session.scalars(db.select(Space))}
    assert sorted(s.visibility for s in spaces.values()) == ["private", "public", "secret"]
    roles = set(db.session.scalars(db.select(Membership.role)))
    assert {"owner", "admin", "member", "guest"} <= roles
    assert db.session.scalar(db.select(SpaceRequest.status)) == "pending"
    assert db.session.scalar(db.select(JoinRequest.status)) == "pending"

    # The recorder is enabled by default: seeded in the space that takes every default module.
    calls = [call for call in demo_app.recorder.calls if call[1] == "recorder"]
    assert [c[:2] for c in calls] == [("numerique-en-commun", "recorder")]
    seeded_spaces = {call[0] for call in demo_app.recorder.calls}
    assert seeded_spaces == set(spaces) if len(demo_app.extensions["parvis"].modules) > 1 else True
    public = spaces["numerique-en-commun"]
    members = db.session.scalars(
        db.select(User.email).join(Membership, Membership.user_id == User.id).filter(
            Membership.space_id == public.id
        )
    ).all()
    assert calls[0][2] == sorted(members)

    # The demo content is in the search index at once (the first search finds it).
    from parvis.search.service import current_service

    service = current_service()
    if service is not None:
        assert service.backend.count() > len(spaces)

    # A second run finds it and duplicates nothing, and shows the same accounts.
    again = invoke(demo_app, "demo", "--no-serve")
    assert again.exit_code == 0, again.output
    assert "already exists" in again.output
    assert password in again.output
    assert _count(User) == users and _count(Space) == 3 and _count(SpaceRequest) == 1


def test_demo_reset_starts_again(demo_app: Flask) -> None:
    first = invoke(demo_app, "demo", "--no-serve")
    assert first.exit_code == 0, first.output
    old_id = db.session.scalar(db.select(Space.id).filter_by(slug="comite-de-pilotage"))
    db.session.remove()
    result = invoke(demo_app, "demo", "--no-serve", "--reset")
    assert result.exit_code == 0, result.output
    assert "Demo platform created" in result.output
    assert _count(Space) == 3
    assert db.session.scalar(db.select(Space.id).filter_by(slug="comite-de-pilotage")) is not None
    assert old_id is not None


def test_demo_refuses_a_database_without_migration_history(app: Flask, alice: User) -> None:
    result = invoke(app, "demo", "--no-serve")
    assert result.exit_code == 1
    assert "--reset" in result.output
    assert _count(User) == 1
    make_user("still@example.org")  # the database is untouched and usable


def test_a_realtime_mode_the_process_cannot_run_is_a_clear_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    monkeypatch.setenv("PARVIS_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PARVIS_SOCKETIO_ASYNC_MODE", "gevent")  # this process is not patched
    result = CliRunner().invoke(main, ["modules"])
    assert result.exit_code == 1
    assert "Error: PARVIS_SOCKETIO_ASYNC_MODE=gevent needs the standard library patched" in result.output
    assert "gunicorn --worker-class gevent" in result.output
    assert "Traceback" not in result.output
