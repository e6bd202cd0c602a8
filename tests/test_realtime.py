"""The core's real-time hub (parvis.realtime): authentication with the server-side
session, checked events (shape, size, schema, rate), authorised rooms, presence, and
access cut at once when a member is removed or a space turns private."""

from __future__ import annotations

import pytest
from conftest import add_member, login, logout, make_space, make_user
from marshmallow import Schema, fields
from test_realtime_redis import _require_redis

from parvis.extensions import db
from parvis.models import Membership, Space, UserSession
from parvis.realtime import PRESENCE_EVENT, Rate, RealtimeError, get_hub, space_room
from parvis.realtime.ratelimit import TokenBuckets
from parvis.realtime.registry import Entry, MemoryRegistry, RedisRegistry


class EchoSchema(Schema):
    text = fields.String(required=True)


def _setup_events(app) -> None:  # noqa: ANN001
    hub = get_hub(app)

    def join(payload):  # noqa: ANN001, ANN202
        space = db.session.get(Space, payload["space_id"])
        if space is None:
            raise RealtimeError("not found", "not_found")
        return {"room": hub.join(space, "test")}

    def shout(payload):  # noqa: ANN001, ANN202
        space = db.session.get(Space, payload["space_id"])
        hub.emit_to_space(space.id, "test", "test:shout", {"text": payload["text"]})
        return {}

    class JoinSchema(Schema):
        space_id = fields.Integer(required=True, strict=True)

    class ShoutSchema(JoinSchema):
        text = fields.String(required=True)

    hub.on("test:echo", lambda p: {"text": p["text"]}, schema=EchoSchema, rate=Rate(3, 0.001))
    hub.on("test:join", join, schema=JoinSchema)
    hub.on("test:shout", shout, schema=ShoutSchema)

    def boom(payload):  # noqa: ANN001, ANN202
        raise RuntimeError("bug")

    hub.on("test:boom", boom)


@pytest.fixture
def hub(app):  # noqa: ANN001, ANN201
    _setup_events(app)
    return get_hub(app)


def socket_for(app, user):  # noqa: ANN001, ANN201
    """A Socket.IO test client signed in as ``user`` through the login form."""
    client = app.test_client()
    assert login(client, user).status_code == 302
    sio = get_hub(app).socketio.test_client(app, flask_test_client=client)
    sio.flask = client
    return sio


def events(sio, name: str) -> list:  # noqa: ANN001
    return [e["args"][0] for e in sio.get_received() if e["name"] == name]


def test_one_socketio_per_app_in_threading_mode(app, hub):
    assert app.extensions["socketio"] is hub.socketio
    assert hub.socketio.async_mode == "threading"
    assert hub.queue is None  # no Redis configured in tests


def test_the_async_mode_is_checked_at_start_with_a_clear_message():
    from parvis.realtime.async_mode import AsyncModeError, resolve_async_mode

    assert resolve_async_mode({}) == "threading"
    assert resolve_async_mode({"SOCKETIO_ASYNC_MODE": " Threading "}) == "threading"
    with pytest.raises(AsyncModeError, match="'eventlet' is not supported: use one of threading, gevent"):
        resolve_async_mode({"SOCKETIO_ASYNC_MODE": "eventlet"})
    # This test process was not patched by gevent: refused, saying how to start it.
    with pytest.raises(AsyncModeError, match="gunicorn --worker-class gevent"):
        resolve_async_mode({"SOCKETIO_ASYNC_MODE": "gevent"})


def test_an_unknown_async_mode_stops_the_app_from_starting(database_url, instance_dir):
    from conftest import make_app

    from parvis.realtime.async_mode import AsyncModeError

    with pytest.raises(AsyncModeError, match="PARVIS_SOCKETIO_ASYNC_MODE='asyncio'"):
        make_app(database_url, instance_dir, SOCKETIO_ASYNC_MODE="asyncio")


def test_anonymous_connections_are_refused(app, hub):
    sio = hub.socketio.test_client(app)
    assert not sio.is_connected()


def test_signed_in_connection_is_accepted(app, hub, alice):
    sio = socket_for(app, alice)
    assert sio.is_connected()
    assert sio.emit("test:echo", {"text": "hi"}, callback=True) == {"ok": True, "text": "hi"}


def test_an_ended_session_is_refused_at_its_next_event(app, hub, alice):
    sio = socket_for(app, alice)
    # The session row disappears without a logout (expired, deleted by an admin tool).
    db.session.execute(db.delete(UserSession).filter_by(user_id=alice.id))
    db.session.commit()
    answer = sio.emit("test:echo", {"text": "hi"}, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == "unauthorized"
    assert not sio.is_connected()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("not an object",), "invalid"),
        (([1, 2],), "invalid"),
        (({"text": 5},), "invalid"),
        (({"text": "x", "extra": 1},), "invalid"),
        (({},), "invalid"),
        (({"text": "x" * 20000},), "too_large"),
        (({"text": "a"}, {"text": "b"}), "invalid"),
    ],
)
def test_malformed_events_are_refused_with_an_error_event(app, hub, alice, args, code):
    sio = socket_for(app, alice)
    sio.get_received()
    answer = sio.emit("test:echo", *args, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == code
    errors = events(sio, "parvis:error")
    assert errors and errors[0]["event"] == "test:echo" and errors[0]["code"] == code
    assert sio.is_connected()


def test_flooding_is_rate_limited_per_user(app, hub, alice):
    sio = socket_for(app, alice)
    answers = [sio.emit("test:echo", {"text": str(n)}, callback=True) for n in range(5)]
    assert [a["ok"] for a in answers] == [True, True, True, False, False]
    assert answers[-1]["error"]["code"] == "rate_limited"


@pytest.mark.config(REALTIME_RATE_LIMIT_ENABLED=False)
def test_rate_limit_can_be_switched_off(app, hub, alice):
    sio = socket_for(app, alice)
    assert all(sio.emit("test:echo", {"text": "x"}, callback=True)["ok"] for _ in range(6))


def test_a_failing_handler_answers_an_error_and_the_worker_lives_on(app, hub, alice):
    sio = socket_for(app, alice)
    answer = sio.emit("test:boom", {}, callback=True)
    assert answer["error"]["code"] == "server_error"
    assert sio.emit("test:echo", {"text": "still here"}, callback=True)["ok"]


def test_events_cannot_be_declared_twice(app, hub):
    with pytest.raises(ValueError):
        hub.on("test:echo", lambda p: None)


# -- rooms, presence and access -----------------------------------------------------


def _space(owner, visibility="private", slug="club"):  # noqa: ANN001, ANN202
    return make_space(owner, slug, visibility=visibility)


def test_join_needs_read_access(app, hub, alice, bob):
    private = _space(alice)
    sio = socket_for(app, bob)
    answer = sio.emit("test:join", {"space_id": private.id}, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == "not_found"
    add_member(private, bob)
    answer = sio.emit("test:join", {"space_id": private.id}, callback=True)
    assert answer == {"ok": True, "room": space_room(private.id, "test")}


def test_presence_is_announced_and_listed(app, hub, alice, bob):
    space = _space(alice, "public")
    a = socket_for(app, alice)
    a.emit("test:join", {"space_id": space.id}, callback=True)
    a.get_received()
    b = socket_for(app, bob)
    b.emit("test:join", {"space_id": space.id}, callback=True)
    presence = events(a, "parvis:presence")
    assert presence == [{"space_id": space.id, "user_id": bob.id, "online": True, "name": bob.name}]
    listed = b.emit("parvis:presence", {"space_id": space.id}, callback=True)
    assert {u["id"] for u in listed["users"]} == {alice.id, bob.id}
    b.disconnect()
    assert events(a, "parvis:presence") == [{"space_id": space.id, "user_id": bob.id, "online": False}]
    assert hub.online_user_ids(space.id) == [alice.id]


def test_presence_of_a_space_one_has_not_joined_is_refused(app, hub, alice, bob):
    space = _space(alice, "public")
    b = socket_for(app, bob)
    assert b.emit("parvis:presence", {"space_id": space.id}, callback=True)["ok"] is False


def test_a_removed_member_stops_receiving_at_once(app, hub, alice, bob):
    space = _space(alice)
    add_member(space, bob)
    a, b = socket_for(app, alice), socket_for(app, bob)
    for sio in (a, b):
        assert sio.emit("test:join", {"space_id": space.id}, callback=True)["ok"]
    a.emit("test:shout", {"space_id": space.id, "text": "one"}, callback=True)
    assert events(b, "test:shout") == [{"text": "one"}]
    admin_client = a.flask
    membership = db.session.scalar(db.select(Membership).filter_by(space_id=space.id, user_id=bob.id))
    response = admin_client.post(f"/s/{space.slug}/members/{membership.id}/remove")
    assert response.status_code in (302, 303), response.status_code
    received = b.get_received()
    assert {"name": "parvis:access_revoked", "args": [{"space_id": space.id}], "namespace": "/"} in received
    a.emit("test:shout", {"space_id": space.id, "text": "two"}, callback=True)
    assert events(b, "test:shout") == []
    assert b.emit("test:join", {"space_id": space.id}, callback=True)["ok"] is False
    assert hub.online_user_ids(space.id) == [alice.id]


def test_space_turning_private_cuts_outsiders_not_members(app, hub, alice, bob, carol):
    space = _space(alice, "public")
    add_member(space, carol)
    b, c = socket_for(app, bob), socket_for(app, carol)
    for sio in (b, c):
        assert sio.emit("test:join", {"space_id": space.id}, callback=True)["ok"]
        sio.get_received()
    space.visibility = "private"
    db.session.commit()
    app.extensions["parvis"].hook.parvis_space_access_changed(space=space)
    assert any(e["name"] == "parvis:access_revoked" for e in b.get_received())
    assert not any(e["name"] == "parvis:access_revoked" for e in c.get_received())
    hub.emit_to_space(space.id, "test", "test:shout", {"text": "members only"})
    assert events(b, "test:shout") == []
    assert events(c, "test:shout") == [{"text": "members only"}]


def test_visibility_change_through_the_settings_page_cuts_outsiders(app, hub, alice, bob):
    space = _space(alice, "public", slug="opened")
    b = socket_for(app, bob)
    assert b.emit("test:join", {"space_id": space.id}, callback=True)["ok"]
    owner = app.test_client()
    login(owner, alice)
    page = owner.get(f"/s/{space.slug}/settings")
    assert page.status_code == 200
    data = {"name": space.name, "description": space.description or "", "visibility": "private",
            "join_policy": space.join_policy, "layout": space.layout or "", "accent_color": ""}
    response = owner.post(f"/s/{space.slug}/settings", data=data)
    assert response.status_code in (200, 302)
    db.session.refresh(space)
    assert space.visibility == "private"
    assert any(e["name"] == "parvis:access_revoked" for e in b.get_received())


# -- building blocks ----------------------------------------------------------------


def test_token_bucket_refills_over_time():
    now = [0.0]
    buckets = TokenBuckets(clock=lambda: now[0])
    rate = Rate(2, 1.0)
    assert [buckets.allow(1, "m", rate) for _ in range(3)] == [True, True, False]
    assert buckets.allow(2, "m", rate)  # per user
    now[0] = 1.0
    assert buckets.allow(1, "m", rate)
    assert not buckets.allow(1, "m", rate)


def test_redis_rate_limit_is_shared_by_every_worker():
    """Two workers (two limiter instances on one Redis) give a user one budget."""
    import uuid

    from parvis.realtime.ratelimit import RedisTokenBuckets

    url = "redis://127.0.0.1:6379/15"
    _require_redis(url)
    channel = f"t-{uuid.uuid4().hex}"
    worker_a, worker_b = RedisTokenBuckets(url, channel=channel), RedisTokenBuckets(url, channel=channel)
    rate = Rate(4, 0.001)
    answers = [w.allow(7, "send", rate) for w in (worker_a, worker_b) * 3]
    assert answers == [True, True, True, True, False, False]
    assert worker_b.allow(8, "send", rate)  # per user
    assert worker_a.allow(7, "other", rate)  # per bucket


def test_redis_rate_limit_falls_back_to_local_counting_when_redis_is_down():
    from parvis.realtime.ratelimit import RedisTokenBuckets

    limiter = RedisTokenBuckets("redis://127.0.0.1:1/0")  # nothing listens there
    rate = Rate(2, 0.001)
    assert [limiter.allow(1, "send", rate) for _ in range(3)] == [True, True, False]


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_registries_agree(kind):
    if kind == "redis":
        redis = pytest.importorskip("redis")
        client = redis.Redis.from_url("redis://127.0.0.1:6379/15", decode_responses=True)
        try:
            client.ping()
        except redis.exceptions.ConnectionError:
            import os

            if os.environ.get("PARVIS_REQUIRE_SERVICES"):
                pytest.fail("Redis is required (PARVIS_REQUIRE_SERVICES=1) but not reachable")
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        import uuid

        registry = RedisRegistry("redis://127.0.0.1:6379/15", client=client, channel=f"t-{uuid.uuid4().hex}")
    else:
        registry = MemoryRegistry()
    registry.add(1, Entry("s1", 10, "space:1"))
    registry.add(1, Entry("s1", 10, "space:1:x"))
    registry.add(1, Entry("s2", 11, "space:1"))
    registry.add(2, Entry("s1", 10, "space:2"))
    assert sorted((e.sid, e.room) for e in registry.entries(1)) == [
        ("s1", "space:1"), ("s1", "space:1:x"), ("s2", "space:1"),
    ]
    assert registry.rooms_of("s1", 1) == {"space:1", "space:1:x"}
    assert registry.online_user_ids(1) == [10, 11] and registry.online_user_ids(2) == [10]
    registry.remove(1, "s1", "space:1:x")
    assert registry.rooms_of("s1", 1) == {"space:1"}
    assert registry.is_online(1, 10)  # still in another room of the space
    assert registry.forget("s1") == {1: 10, 2: 10}
    assert [(e.sid, e.user_id) for e in registry.entries(1)] == [("s2", 11)]
    assert registry.entries(2) == []
    assert not registry.is_online(1, 10) and registry.online_user_ids(1) == [11]
    assert registry.online_user_ids(2) == []
    # The same entry recorded twice counts once; a user's two connections count apart.
    registry.add(1, Entry("s2", 11, "space:1"))
    registry.add(1, Entry("s3", 11, "space:1"))
    registry.remove(1, "s2", "space:1")
    assert registry.is_online(1, 11)
    registry.remove(1, "s3", "space:1")
    registry.remove(1, "s3", "space:1")  # twice: harmless
    assert not registry.is_online(1, 11) and registry.online_user_ids(1) == []
    assert not registry.is_online(3, 11)  # a space nobody joined


def test_realtime_can_be_switched_off(database_url, instance_dir):
    from conftest import make_app

    other = make_app(database_url, instance_dir, REALTIME_ENABLED=False)
    assert get_hub(other) is None
    assert "socketio" not in other.extensions


def test_unknown_users_never_join(app, hub):
    user = make_user("zoe@example.org")
    sio = socket_for(app, user)
    assert sio.emit("test:join", {"space_id": 999999}, callback=True)["ok"] is False


def test_logout_cuts_the_sessions_connections_at_once(app, hub, alice, bob):
    """After logout the socket is closed by the server, before it sends anything."""
    space = _space(alice, "public", slug="logout")
    phone = socket_for(app, alice)
    laptop = socket_for(app, alice)  # another session of the same user
    assert phone.is_connected() and laptop.is_connected()
    assert phone.emit("test:join", {"space_id": space.id}, callback=True)["ok"]
    watcher = socket_for(app, bob)
    assert watcher.emit("test:join", {"space_id": space.id}, callback=True)["ok"]
    watcher.get_received()
    logout(phone.flask)
    assert not phone.is_connected()
    assert hub.online_user_ids(space.id) == [bob.id]
    # The others see her go offline (the disconnect handler announces it).
    assert {"space_id": space.id, "user_id": alice.id, "online": False} in events(watcher, PRESENCE_EVENT)
    assert laptop.is_connected()  # other devices stay signed in
    assert laptop.emit("test:echo", {"text": "still here"}, callback=True)["ok"] is True


def test_ending_other_sessions_cuts_their_connections(app, hub, alice):
    mine = socket_for(app, alice)
    other = socket_for(app, alice)
    assert mine.flask.post("/account/sessions/end", data={}).status_code == 302
    assert mine.is_connected()
    assert not other.is_connected()
