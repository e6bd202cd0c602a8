"""Several worker processes sharing Redis: a message posted through one server process
reaches a client connected to another, and a member removed in a third process is cut
off on the server that holds their connection. Every test runs with the servers in
threading mode and in gevent mode (``SOCKETIO_ASYNC_MODE``).

Needs Redis on 127.0.0.1:6379: skipped with a reason when absent, a failure when
PARVIS_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import add_member, make_space, make_user

from parvis.extensions import db
from parvis.models import Membership, UserSession
from parvis.realtime import get_hub

REDIS_URL = os.environ.get("PARVIS_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
CHANNEL = f"parvis-test-{uuid.uuid4().hex[:12]}"

SERVER = textwrap.dedent(
    """
    import sys

    database, instance, port, redis_url, channel = sys.argv[1:6]
    mode = sys.argv[6] if len(sys.argv) > 6 else "threading"
    if mode == "gevent":  # as gunicorn's gevent worker does, before anything else
        from gevent import monkey
        monkey.patch_all()
    from parvis import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "SECRET_KEY": "test-secret",
            "REDIS_URL": redis_url,
            "SOCKETIO_CHANNEL": channel,
            "SOCKETIO_ASYNC_MODE": mode,
            "RATELIMIT_ENABLED": False,
            "BABEL_DEFAULT_LOCALE": "en",
            "MAIL_BACKEND": "memory",
        },
        instance_path=instance,
    )
    assert app.extensions["socketio"].server.async_mode == mode
    app.extensions["socketio"].run(
        app, host="127.0.0.1", port=int(port), allow_unsafe_werkzeug=True,
        use_reloader=False, log_output=False,
    )
    """
)


def _require_redis(url: str = REDIS_URL) -> None:
    """Skip (or fail, with PARVIS_REQUIRE_SERVICES=1 as in CI) when Redis does not answer."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        reason = f"Redis is not reachable at {url}"
        if os.environ.get("PARVIS_REQUIRE_SERVICES"):
            pytest.fail(reason + " (PARVIS_REQUIRE_SERVICES=1)")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"server on port {port} did not start")


@contextlib.contextmanager
def two_servers(
    script: str, tmp_path: Path, database_url: str, *extra_args: str, channel: str = CHANNEL
) -> Iterator[list[str]]:
    """Run ``script`` (a server taking ``database instance port redis_url channel
    *extra_args``) as two processes on one database and Redis; yield their base URLs."""
    _require_redis()
    path = tmp_path / "serve.py"
    path.write_text(script)
    procs, ports = [], []
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for n in range(2):
        port = _free_port()
        instance = tmp_path / f"instance{n}"
        instance.mkdir()
        proc = subprocess.Popen(
            [sys.executable, str(path), database_url, str(instance), str(port), REDIS_URL, channel, *extra_args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=str(Path(__file__).parent),
        )
        procs.append(proc)
        ports.append(port)
    try:
        for proc, port in zip(procs, ports, strict=True):
            _wait_for(port, proc)
        yield [f"http://127.0.0.1:{p}" for p in ports]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            if proc.stderr:
                proc.stderr.close()


@pytest.fixture(params=["threading", "gevent"])
def servers(request, database_url, tmp_path):  # noqa: ANN001, ANN201
    """Two Parvis server processes on the test database, sharing Redis, in each real-time
    concurrency mode (``SOCKETIO_ASYNC_MODE``: threads, or gevent's greenlets)."""
    with two_servers(SERVER, tmp_path, database_url, request.param) as urls:
        yield urls


def session_cookie(app, user) -> str:  # noqa: ANN001
    """A signed Flask session cookie for a fresh server-side session of ``user``."""
    row = UserSession(id=UserSession.new_id(), user=user, user_agent="test", ip_address="127.0.0.1")
    db.session.add(row)
    db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": row.id, "_fresh": True})


def connect(url: str, cookie: str):  # noqa: ANN201
    import socketio

    client = socketio.Client(reconnection=False)
    inbox: dict[str, list] = {}
    arrived = threading.Event()

    def record(event):  # noqa: ANN001, ANN202
        def handler(data):  # noqa: ANN001, ANN202
            inbox.setdefault(event, []).append(data)
            arrived.set()

        return handler

    for event in ("discussions:message", "parvis:access_revoked"):
        client.on(event, record(event))
    client.connect(url, headers={"Cookie": f"session={cookie}"}, transports=["websocket"], wait_timeout=10)
    client.inbox = inbox
    client.arrived = arrived
    return client


def wait_for(client, event: str, seconds: float = 5.0) -> list:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client.inbox.get(event):
            return client.inbox[event]
        time.sleep(0.02)
    return client.inbox.get(event, [])


@pytest.mark.config(REDIS_URL=REDIS_URL, SOCKETIO_CHANNEL=CHANNEL)
def test_a_message_sent_to_one_process_reaches_a_client_of_the_other(app, servers):
    from parvis_modules.discussions.models import Channel

    owner = make_user("owner@example.org", "Olga Owner")
    alice = make_user("alice@example.org", "Alice Martin")
    bob = make_user("bob@example.org", "Bob Durand")
    space = make_space(owner, "atelier", "private")
    add_member(space, alice)
    add_member(space, bob)
    channel = db.session.scalar(db.select(Channel).filter_by(space_id=space.id))
    alice_cookie, bob_cookie = session_cookie(app, alice), session_cookie(app, bob)
    first, second = servers

    bob_client = connect(second, bob_cookie)
    alice_client = connect(first, alice_cookie)
    try:
        for client in (bob_client, alice_client):
            answer = client.call("discussions:join", {"channel_id": channel.id}, timeout=10)
            assert answer["ok"], answer
        sent = alice_client.call(
            "discussions:send", {"channel_id": channel.id, "body": "Bonjour de l'autre processus"},
            timeout=10,
        )
        assert sent["ok"], sent
        received = wait_for(bob_client, "discussions:message")
        assert [m["body"] for m in received] == ["Bonjour de l'autre processus"]
        assert received[0]["id"] == sent["message"]["id"] and received[0]["seq"] == 1

        # Presence is shared through Redis: this (third) process sees both users.
        hub = get_hub(app)
        assert hub.online_user_ids(space.id) == sorted([alice.id, bob.id])

        # Bob is removed here, in a third process: the server holding his connection
        # takes him out of the rooms at once.
        from parvis.services.spaces import remove_member

        membership = db.session.scalar(db.select(Membership).filter_by(space_id=space.id, user_id=bob.id))
        remove_member(membership, owner)
        db.session.commit()
        assert wait_for(bob_client, "parvis:access_revoked") == [{"space_id": space.id}]
        bob_client.inbox.clear()
        alice_client.call("discussions:send", {"channel_id": channel.id, "body": "après"}, timeout=10)
        time.sleep(0.5)
        assert bob_client.inbox.get("discussions:message") is None
        assert hub.online_user_ids(space.id) == [alice.id]
    finally:
        bob_client.disconnect()
        alice_client.disconnect()


def _session(app, user) -> tuple[str, str]:  # noqa: ANN001
    """(server-side session id, signed cookie) of a fresh session of ``user``."""
    row = UserSession(id=UserSession.new_id(), user=user, user_agent="test", ip_address="127.0.0.1")
    db.session.add(row)
    db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    return row.id, serializer.dumps({"_user_id": row.id, "_fresh": True})


def _gone(client, seconds: float = 5.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not client.connected:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.config(REDIS_URL=REDIS_URL, SOCKETIO_CHANNEL=CHANNEL)
def test_ending_a_session_elsewhere_cuts_its_connection_on_the_process_holding_it(app, servers):
    """Logout handled by one worker cuts that session's socket held by another worker,
    leaves the user's other devices connected, and the others see them go offline only
    when the last connection is cut."""
    from parvis.auth_session import disconnect_sessions
    from parvis_modules.discussions.models import Channel

    owner = make_user("owner@example.org", "Olga Owner")
    alice = make_user("alice@example.org", "Alice Martin")
    bob = make_user("bob@example.org", "Bob Durand")
    space = make_space(owner, "atelier", "private")
    add_member(space, alice)
    add_member(space, bob)
    channel = db.session.scalar(db.select(Channel).filter_by(space_id=space.id))
    first, second = servers
    _alice_session, alice_cookie = _session(app, alice)
    phone_session, phone_cookie = _session(app, bob)
    _laptop_session, laptop_cookie = _session(app, bob)

    alice_client = connect(first, alice_cookie)
    alice_client.on("parvis:presence", lambda data: alice_client.inbox.setdefault("presence", []).append(data))
    bob_phone = connect(second, phone_cookie)
    bob_laptop = connect(first, laptop_cookie)
    try:
        for client in (alice_client, bob_phone, bob_laptop):
            assert client.call("discussions:join", {"channel_id": channel.id}, timeout=10)["ok"]
        hub = get_hub(app)
        assert hub.online_user_ids(space.id) == sorted([alice.id, bob.id])

        # Bob signs out on his phone; this (third) process handles the logout.
        db.session.delete(db.session.get(UserSession, phone_session))
        db.session.commit()
        alice_client.inbox.clear()
        disconnect_sessions(bob.id, only=phone_session)
        assert _gone(bob_phone), "the ended session's socket, held by the other process, was not cut"
        time.sleep(0.5)
        assert bob_laptop.connected
        assert hub.online_user_ids(space.id) == sorted([alice.id, bob.id])
        assert not [p for p in alice_client.inbox.get("presence", []) if p["user_id"] == bob.id and not p["online"]]

        # Then every session of Bob ends (password changed): the laptop goes too, and
        # Alice sees him offline.
        disconnect_sessions(bob.id)
        assert _gone(bob_laptop)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not [
            p for p in alice_client.inbox.get("presence", []) if p["user_id"] == bob.id and not p["online"]
        ]:
            time.sleep(0.05)
        assert [p for p in alice_client.inbox.get("presence", []) if p["user_id"] == bob.id and not p["online"]]
        assert hub.online_user_ids(space.id) == [alice.id]
    finally:
        for client in (alice_client, bob_phone, bob_laptop):
            with contextlib.suppress(Exception):
                client.disconnect()
