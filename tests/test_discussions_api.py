"""The discussions JSON API: channels, cursor pages, catch-up, posting, threads, edit,
delete, permissions, and its place in the OpenAPI document."""

from __future__ import annotations

import pytest
from conftest import login
from test_discussions import build_team, post

from parvis.extensions import db
from parvis.models import Notification
from parvis_modules.discussions.models import Message


@pytest.fixture
def team(app, admin):  # noqa: ANN001, ANN201
    return build_team("apiteam")


def api(team) -> str:  # noqa: ANN001
    return f"/api/v1/spaces/{team.slug}/discussions"


def as_user(app, user):  # noqa: ANN001, ANN201
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def test_channels_with_unread_counts(app, team):
    post(team, team.member, "one")
    client = as_user(app, team.other)
    data = client.get(api(team) + "/channels").get_json()["data"]
    assert data[0]["name"] == "general" and data[0]["unread"] == 1 and data[0]["last_seq"] == 1


def test_only_admins_add_channels(app, team):
    response = as_user(app, team.member).post(api(team) + "/channels", json={"name": "x"})
    assert response.status_code == 403
    client = as_user(app, team.admin)
    response = client.post(api(team) + "/channels", json={"name": "projets", "topic": "t"})
    assert response.status_code == 201 and response.get_json()["name"] == "projets"
    dup = client.post(api(team) + "/channels", json={"name": "PROJETS"})
    assert dup.status_code == 422 and "name" in dup.get_json()["error"]["fields"]


def test_messages_page_backwards_and_catch_up_by_seq(app, team):
    ids = [post(team, team.member, f"m{n}").id for n in range(30)]
    root = db.session.get(Message, ids[0])
    post(team, team.other, "reply", thread=root)
    client = as_user(app, team.other)
    url = f"{api(team)}/channels/{team.channel.id}/messages"
    latest = client.get(url + "?limit=10").get_json()
    assert [m["body"] for m in latest["data"]] == [f"m{n}" for n in range(20, 30)]
    assert latest["meta"]["has_older"] is True
    older = client.get(f"{url}?limit=10&before={latest['data'][0]['id']}").get_json()
    assert [m["body"] for m in older["data"]] == [f"m{n}" for n in range(10, 20)]
    caught = client.get(f"{url}?after_seq=29").get_json()
    assert [(m["seq"], m["body"]) for m in caught["data"]] == [(30, "m29"), (31, "reply")]
    assert caught["meta"]["last_seq"] == 31
    assert client.get(f"{url}?before=0").status_code == 422
    assert client.get(f"{url}?limit=1000").status_code == 422


def test_post_reply_edit_delete(app, team):
    client = as_user(app, team.member)
    url = f"{api(team)}/channels/{team.channel.id}/messages"
    created = client.post(url, json={"body": f"Bonjour @{team.other.username}"})
    assert created.status_code == 201
    message = created.get_json()
    assert message["seq"] == 1 and message["author"]["id"] == team.member.id
    assert db.session.scalar(db.select(Notification).filter_by(user_id=team.other.id)).kind == "mention"
    reply = as_user(app, team.other).post(url, json={"body": "Salut", "thread_id": message["id"]})
    assert reply.status_code == 201 and reply.get_json()["thread_id"] == message["id"]
    thread = client.get(f"{api(team)}/messages/{message['id']}").get_json()
    assert thread["message"]["reply_count"] == 1 and [r["body"] for r in thread["replies"]] == ["Salut"]
    edited = client.patch(f"{api(team)}/messages/{message['id']}", json={"body": "Bonjour à tous"})
    assert edited.status_code == 200 and edited.get_json()["edited"] is True
    other = as_user(app, team.other)
    assert other.patch(f"{api(team)}/messages/{message['id']}", json={"body": "x"}).status_code == 403
    assert other.delete(f"{api(team)}/messages/{message['id']}").status_code == 403
    assert client.delete(f"{api(team)}/messages/{message['id']}").status_code == 204
    assert client.get(f"{api(team)}/messages/{message['id']}").get_json()["message"]["deleted"] is True


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "x" * 8001}, {"body": 3}, {"body": "ok", "thread_id": "a"}])
def test_bad_bodies_are_422(app, team, body):
    client = as_user(app, team.member)
    response = client.post(f"{api(team)}/channels/{team.channel.id}/messages", json=body)
    assert response.status_code == 422


def test_guest_cannot_post_and_outsider_of_private_space_is_refused(app):
    team = build_team("apipriv", visibility="private")
    url = f"{api(team)}/channels/{team.channel.id}/messages"
    assert as_user(app, team.guest).post(url, json={"body": "hi"}).status_code == 403
    assert as_user(app, team.outsider).get(url).status_code == 403
    assert app.test_client().get(url).status_code == 401


def test_unknown_channel_or_message_is_404(app, team):
    client = as_user(app, team.member)
    assert client.get(f"{api(team)}/channels/999999/messages").status_code == 404
    assert client.get(f"{api(team)}/messages/999999").status_code == 404


def test_endpoints_are_in_the_openapi_document(app, team):
    client = as_user(app, team.member)
    doc = client.get("/api/v1/openapi.json").get_json()
    paths = [p for p in doc["paths"] if "/discussions/" in p]
    assert any(p.endswith("/channels") for p in paths)
    assert any(p.endswith("/channels/{channel_id}/messages") for p in paths)
    assert any(p.endswith("/messages/{message_id}") for p in paths)
