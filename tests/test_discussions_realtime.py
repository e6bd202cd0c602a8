"""The discussions' Socket.IO events, each with its permissions: join, send, edit,
delete, react, pin, lock, typing, catch-up, history, read; bad input never broadcast."""

from __future__ import annotations

import pytest
from conftest import add_member, login
from test_discussions import XSS, build_team, post  # noqa: F401

from parvis.extensions import db
from parvis.models import Membership
from parvis.realtime import get_hub
from parvis_modules.discussions import service
from parvis_modules.discussions.models import Message


@pytest.fixture
def team(app, admin):  # noqa: ANN001, ANN201
    data = build_team("live")
    data.people["platform_admin"] = admin
    return data


def socket_for(app, user):  # noqa: ANN001, ANN201
    client = app.test_client()
    assert login(client, user).status_code == 302
    sio = get_hub(app).socketio.test_client(app, flask_test_client=client)
    assert sio.is_connected()
    sio.flask = client
    return sio


def joined(app, team, user, channel=None):  # noqa: ANN001, ANN201
    sio = socket_for(app, user)
    answer = sio.emit("discussions:join", {"channel_id": (channel or team.channel).id}, callback=True)
    assert answer["ok"], answer
    sio.get_received()
    return sio


def named(sio, name: str) -> list:  # noqa: ANN001
    return [e["args"][0] for e in sio.get_received() if e["name"] == name]


def send(sio, team, body: str, **extra):  # noqa: ANN001, ANN003, ANN201
    return sio.emit("discussions:send", {"channel_id": team.channel.id, "body": body, **extra}, callback=True)


# -- join ------------------------------------------------------------------------------


def test_join_answers_the_channel_and_its_last_seq(app, team):
    post(team, team.member, "before")
    sio = socket_for(app, team.member)
    answer = sio.emit("discussions:join", {"channel_id": team.channel.id}, callback=True)
    assert answer["ok"] and answer["last_seq"] == 1
    assert answer["channel"]["name"] == "general"


def test_joining_another_spaces_private_channel_is_refused(app, team):
    private = build_team("hidden", visibility="private")
    sio = socket_for(app, team.member)
    answer = sio.emit("discussions:join", {"channel_id": private.channel.id}, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == "not_found"
    post(private, private.member, "secret plans")
    assert [e for e in sio.get_received() if e["name"] == "discussions:message"] == []


def test_joining_with_a_bad_id_is_refused(app, team):
    sio = socket_for(app, team.member)
    for payload in ({"channel_id": "1"}, {"channel_id": -1}, {"channel_id": 2**40}, {}):
        answer = sio.emit("discussions:join", payload, callback=True)
        assert answer["ok"] is False and answer["error"]["code"] == "invalid"


def test_module_switched_off_refuses_join(app, team):
    from parvis.models import SpaceModule

    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=team.space.id, module_id="discussions"))
    row.enabled = False
    db.session.commit()
    sio = socket_for(app, team.member)
    answer = sio.emit("discussions:join", {"channel_id": team.channel.id}, callback=True)
    assert answer["error"]["code"] == "not_found"


# -- send ------------------------------------------------------------------------------


def test_a_message_is_stored_then_broadcast_with_id_seq_and_time(app, team):
    alice, bob = joined(app, team, team.member), joined(app, team, team.other)
    answer = send(alice, team, "Salut **Bob**", client_id="c1")
    assert answer["ok"] and answer["client_id"] == "c1"
    stored = db.session.get(Message, answer["message"]["id"])
    assert stored.body == "Salut **Bob**" and stored.seq == 1
    received = named(bob, "discussions:message")
    assert len(received) == 1
    message = received[0]
    assert message["id"] == stored.id and message["seq"] == 1
    assert message["created_at"] and message["author"]["name"] == team.member.name
    assert "<strong>Bob</strong>" in message["html"]
    assert named(alice, "discussions:message")[0]["id"] == stored.id  # the sender too


def test_guests_cannot_send(app, team):
    guest, member = joined(app, team, team.guest), joined(app, team, team.member)
    answer = send(guest, team, "hi")
    assert answer["ok"] is False and answer["error"]["code"] == "forbidden"
    assert named(member, "discussions:message") == []


def test_outsider_cannot_send_to_a_private_space(app):
    private = build_team("priv2", visibility="private")
    sio = socket_for(app, private.outsider)
    answer = send(sio, private, "let me in")
    assert answer["error"]["code"] == "not_found"
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"body": ""}, "invalid"),
        ({"body": "   "}, "invalid"),
        ({"body": "x" * 8001}, "invalid"),
        ({"body": "x" * 20000}, "too_large"),
        ({"body": 12}, "invalid"),
        ({"body": "ok", "thread_id": "x"}, "invalid"),
        ({"body": "ok", "admin": True}, "invalid"),
    ],
)
def test_bad_messages_are_refused_and_never_broadcast(app, team, payload, code):
    alice, bob = joined(app, team, team.member), joined(app, team, team.other)
    answer = alice.emit("discussions:send", {"channel_id": team.channel.id, **payload}, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == code
    assert any(e["name"] == "parvis:error" for e in alice.get_received())
    assert named(bob, "discussions:message") == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0


def test_script_in_a_message_is_sanitised_before_broadcast(app, team):
    alice, bob = joined(app, team, team.member), joined(app, team, team.other)
    send(alice, team, XSS)
    html = named(bob, "discussions:message")[0]["html"]
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html


def test_flooding_is_refused_after_a_burst(app, team):
    alice, bob = joined(app, team, team.member), joined(app, team, team.other)
    answers = [send(alice, team, f"spam {n}") for n in range(14)]
    refused = [a for a in answers if not a["ok"]]
    assert len(refused) >= 3 and refused[0]["error"]["code"] == "rate_limited"
    assert len(named(bob, "discussions:message")) == len(answers) - len(refused)


def test_reply_reaches_the_channel_and_updates_the_root(app, team):
    root = post(team, team.member, "Question")
    alice, bob = joined(app, team, team.member), joined(app, team, team.other)
    answer = send(bob, team, "Answer", thread_id=root.id)
    assert answer["ok"]
    received = alice.get_received()
    new = [e["args"][0] for e in received if e["name"] == "discussions:message"]
    updated = [e["args"][0] for e in received if e["name"] == "discussions:message_updated"]
    assert new[0]["thread_id"] == root.id
    assert updated[0]["id"] == root.id and updated[0]["reply_count"] == 1


def test_posting_to_a_locked_thread_is_refused(app, team):
    root = post(team, team.member, "Closed topic")
    mod = joined(app, team, team.moderator)
    assert mod.emit("discussions:lock", {"message_id": root.id, "value": True}, callback=True)["ok"]
    bob = joined(app, team, team.other)
    answer = send(bob, team, "late", thread_id=root.id)
    assert answer["ok"] is False and "locked" in answer["error"]["message"]
    assert named(mod, "discussions:message") == []


def test_a_reply_to_a_thread_of_another_channel_is_refused(app, team):
    other = service.create_channel(team.space, team.admin, "autre", "")
    root = post(team, team.member, "elsewhere", channel=other)
    bob = joined(app, team, team.other)
    assert send(bob, team, "x", thread_id=root.id)["ok"] is False


def test_mentions_reach_the_mentioned_users_own_room(app, team):
    alice = joined(app, team, team.member)
    bob = socket_for(app, team.other)  # not even on the channel page
    bob.get_received()
    send(alice, team, f"@{team.other.username} tu peux regarder ?")
    mentions = named(bob, "discussions:mention")
    assert len(mentions) == 1 and "/m/" in mentions[0]["url"]


# -- edit, delete, reactions, pin ---------------------------------------------------------


def test_author_edits_and_everyone_sees_it(app, team):
    message = post(team, team.member, "v1")
    alice, bob = joined(app, team, team.member), joined(app, team, team.other)
    assert alice.emit("discussions:edit", {"message_id": message.id, "body": "v2"}, callback=True)["ok"]
    updated = named(bob, "discussions:message_updated")[0]
    assert updated["body"] == "v2" and updated["edited"] is True


def test_editing_someone_elses_message_is_refused(app, team):
    message = post(team, team.member, "mine")
    alice, bob = joined(app, team, team.member), joined(app, team, team.other)
    answer = bob.emit("discussions:edit", {"message_id": message.id, "body": "hacked"}, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == "forbidden"
    assert named(alice, "discussions:message_updated") == []
    db.session.refresh(message)
    assert message.body == "mine"


def test_moderator_deletes_any_message(app, team):
    message = post(team, team.member, "oops")
    bob = joined(app, team, team.other)
    assert bob.emit("discussions:delete", {"message_id": message.id}, callback=True)["ok"] is False
    mod = joined(app, team, team.moderator)
    assert mod.emit("discussions:delete", {"message_id": message.id}, callback=True)["ok"]
    deleted = named(bob, "discussions:message_updated")[0]
    assert deleted["deleted"] is True and deleted["body"] == "" and deleted["html"] == ""


def test_reactions_are_broadcast_with_counts(app, team):
    message = post(team, team.member, "vote")
    alice, bob = joined(app, team, team.member), joined(app, team, team.other)
    assert bob.emit("discussions:react", {"message_id": message.id, "emoji": "like"}, callback=True)["added"]
    updated = named(alice, "discussions:message_updated")[0]
    assert updated["reactions"][0]["emoji"] == "like" and updated["reactions"][0]["count"] == 1
    answer = bob.emit("discussions:react", {"message_id": message.id, "emoji": "<b>"}, callback=True)
    assert answer["ok"] is False


def test_pin_and_lock_are_for_moderators(app, team):
    message = post(team, team.member, "rules")
    bob = joined(app, team, team.other)
    for event in ("discussions:pin", "discussions:lock"):
        answer = bob.emit(event, {"message_id": message.id, "value": True}, callback=True)
        assert answer["error"]["code"] == "forbidden"
    mod = joined(app, team, team.moderator)
    assert mod.emit("discussions:pin", {"message_id": message.id, "value": True}, callback=True)["ok"]
    assert named(bob, "discussions:message_updated")[0]["pinned"] is True


def test_events_on_another_spaces_message_are_refused(app, team):
    private = build_team("closed", visibility="private")
    message = post(private, private.member, "private")
    bob = joined(app, team, team.other)
    for event, payload in (
        ("discussions:edit", {"body": "x"}),
        ("discussions:delete", {}),
        ("discussions:react", {"emoji": "like"}),
    ):
        answer = bob.emit(event, {"message_id": message.id, **payload}, callback=True)
        assert answer["error"]["code"] == "not_found"


# -- typing, catch-up, history, read ------------------------------------------------------


def test_typing_reaches_others_but_not_the_typist(app, team):
    alice, bob = joined(app, team, team.member), joined(app, team, team.other)
    assert alice.emit("discussions:typing", {"channel_id": team.channel.id}, callback=True)["ok"]
    typing = named(bob, "discussions:typing")
    assert typing and typing[0]["user"]["id"] == team.member.id
    assert named(alice, "discussions:typing") == []
    guest = joined(app, team, team.guest)
    assert guest.emit("discussions:typing", {"channel_id": team.channel.id}, callback=True)["ok"] is False


def test_catch_up_after_reconnect_has_no_gap_and_no_duplicate(app, team):
    bob = joined(app, team, team.other)
    post(team, team.member, "m1")
    seen = named(bob, "discussions:message")
    last_seq = seen[-1]["seq"]
    bob.disconnect()
    root = post(team, team.member, "m2")
    post(team, team.member, "r1", thread=root)
    post(team, team.member, "m3")
    bob = joined(app, team, team.other)
    answer = bob.emit(
        "discussions:catch_up", {"channel_id": team.channel.id, "after_seq": last_seq}, callback=True
    )
    assert [m["body"] for m in answer["messages"]] == ["m2", "r1", "m3"]
    assert [m["seq"] for m in answer["messages"]] == [2, 3, 4]
    assert answer["last_seq"] == 4 and answer["more"] is False
    again = bob.emit("discussions:catch_up", {"channel_id": team.channel.id, "after_seq": 4}, callback=True)
    assert again["messages"] == []


def test_catch_up_returns_edits_made_while_away(app, team):
    message = post(team, team.member, "before")
    bob = joined(app, team, team.other)
    since = bob.emit("discussions:join", {"channel_id": team.channel.id}, callback=True)["server_time"]
    service.edit_message(message, team.space, team.member, "after")
    answer = bob.emit(
        "discussions:catch_up",
        {"channel_id": team.channel.id, "after_seq": 1, "since": since},
        callback=True,
    )
    assert answer["messages"] == [] and [m["body"] for m in answer["changed"]] == ["after"]


def test_history_pages_backwards(app, team):
    ids = [post(team, team.member, f"h{n}").id for n in range(60)]
    bob = joined(app, team, team.other)
    page = bob.emit("discussions:history", {"channel_id": team.channel.id, "before": ids[10]}, callback=True)
    assert [m["body"] for m in page["messages"]] == [f"h{n}" for n in range(10)]
    assert page["has_older"] is False


def test_read_marker_moves_forward_only(app, team):
    for n in range(3):
        post(team, team.member, f"r{n}")
    bob = joined(app, team, team.other)
    assert bob.emit("discussions:read", {"channel_id": team.channel.id, "seq": 2}, callback=True)["last_seq"] == 2
    assert bob.emit("discussions:read", {"channel_id": team.channel.id, "seq": 1}, callback=True)["last_seq"] == 2
    watch = bob.emit("discussions:watch", {"space_id": team.space.id}, callback=True)
    assert watch["unread"] == {str(team.channel.id): 1}


def test_unread_activity_reaches_the_space_watchers(app, team):
    other = service.create_channel(team.space, team.admin, "projets", "")
    bob = socket_for(app, team.other)
    assert bob.emit("discussions:watch", {"space_id": team.space.id}, callback=True)["ok"]
    bob.get_received()
    post(team, team.member, "in projets", channel=other)
    activity = named(bob, "discussions:activity")
    assert activity == [{"channel_id": other.id, "seq": 1, "author_id": team.member.id, "thread_id": None}]


def test_a_page_showing_the_channel_gets_its_message_once_and_the_others_unread_counts(app, team):
    """Activity (for unread badges) goes to the pages that do not show the channel: the
    page showing it gets the full message only, not the message and its activity."""
    other = service.create_channel(team.space, team.admin, "projets", "")
    bob = joined(app, team, team.other)  # shows "général"
    post(team, team.member, "dans général")
    received = [e["name"] for e in bob.get_received()]
    assert received.count("discussions:message") == 1
    assert "discussions:activity" not in received
    post(team, team.member, "dans projets", channel=other)
    assert named(bob, "discussions:activity") == [
        {"channel_id": other.id, "seq": 1, "author_id": team.member.id, "thread_id": None}
    ]


# -- access ------------------------------------------------------------------------------


def test_a_removed_member_stops_receiving_messages_at_once(app):
    team = build_team("gone", visibility="private")
    alice, bob = joined(app, team, team.member), joined(app, team, team.other)
    owner = app.test_client()
    login(owner, team.owner)
    membership = db.session.scalar(
        db.select(Membership).filter_by(space_id=team.space.id, user_id=team.other.id)
    )
    assert owner.post(f"/s/{team.slug}/members/{membership.id}/remove").status_code in (302, 303)
    assert any(e["name"] == "parvis:access_revoked" for e in bob.get_received())
    send(alice, team, "after the removal")
    assert named(bob, "discussions:message") == []
    assert send(bob, team, "still here?")["error"]["code"] == "not_found"


def test_member_added_back_can_join_again(app):
    team = build_team("back", visibility="private")
    sio = socket_for(app, team.outsider)
    assert sio.emit("discussions:join", {"channel_id": team.channel.id}, callback=True)["ok"] is False
    add_member(team.space, team.outsider)
    assert sio.emit("discussions:join", {"channel_id": team.channel.id}, callback=True)["ok"]
