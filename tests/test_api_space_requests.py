"""Asking for a space and deciding requests through the API."""

from __future__ import annotations

import pytest
from conftest import make_space

from parvis.extensions import db
from parvis.models import ApiToken, Membership, Notification, Space, SpaceRequest


def bearer(user) -> dict[str, str]:  # noqa: ANN001
    _row, clear = ApiToken.issue(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def ask(client, user, **payload):  # noqa: ANN001, ANN003, ANN201
    body = {"name": "Réseau des médiathèques", "slug": "mediatheques", **payload}
    return client.post("/api/v1/space-requests", json=body, headers=bearer(user))


def test_request_then_approve(client, alice, manager):
    response = ask(client, alice, purpose="Share", visibility="public", join_policy="open")
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["status"] == "pending" and created["space"] is None
    assert created["requester"]["name"] == "Alice Martin"
    assert db.session.scalar(
        db.select(Notification).filter_by(user_id=manager.id, kind="space_request.created")
    )
    approved = client.post(
        f"/api/v1/space-requests/{created['id']}/approve", headers=bearer(manager)
    )
    assert approved.status_code == 200, approved.get_data(as_text=True)
    body = approved.get_json()
    assert body["status"] == "approved"
    assert body["space"] == {"slug": "mediatheques", "name": "Réseau des médiathèques"}
    assert body["decided_by"]["name"] == "Camille Manager"
    space = db.session.scalar(db.select(Space).filter_by(slug="mediatheques"))
    assert space.visibility == "public"
    assert db.session.scalar(
        db.select(Membership.role).filter_by(space_id=space.id, user_id=alice.id)
    ) == "owner"
    again = client.post(f"/api/v1/space-requests/{created['id']}/approve", headers=bearer(manager))
    assert again.status_code == 409


def test_decline_needs_a_message(client, alice, manager):
    created = ask(client, alice).get_json()
    headers = bearer(manager)
    for payload in ({}, {"message": "   "}):
        response = client.post(
            f"/api/v1/space-requests/{created['id']}/decline", json=payload, headers=headers
        )
        assert response.status_code == 422
        assert "message" in response.get_json()["error"]["fields"]
    response = client.post(
        f"/api/v1/space-requests/{created['id']}/decline",
        json={"message": "Use the existing network space."},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.get_json()["decision_message"] == "Use the existing network space."
    assert db.session.get(SpaceRequest, created["id"]).status == "declined"


@pytest.mark.parametrize("action", ["approve", "decline"])
def test_only_community_managers_decide(client, alice, bob, action):
    created = ask(client, alice).get_json()
    for user in (alice, bob):
        response = client.post(
            f"/api/v1/space-requests/{created['id']}/{action}",
            json={"message": "no"},
            headers=bearer(user),
        )
        assert response.status_code == 403
    assert db.session.get(SpaceRequest, created["id"]).status == "pending"


def test_unknown_request_is_404(client, manager):
    response = client.post("/api/v1/space-requests/999/approve", headers=bearer(manager))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"slug": "taken"}, "slug"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "api"}, "slug"),
        ({"slug": ""}, "slug"),
        ({"name": "x" * 121}, "name"),
        ({"name": ""}, "name"),
        ({"visibility": "everyone"}, "visibility"),
        ({"join_policy": "never"}, "join_policy"),
    ],
)
def test_invalid_request_is_422(client, alice, bob, payload, field):
    make_space(bob, "taken")
    response = ask(client, alice, **payload)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]


def test_same_slug_twice_while_pending_is_422(client, alice, bob):
    assert ask(client, alice).status_code == 201
    response = ask(client, bob)
    assert "slug" in response.get_json()["error"]["fields"]


@pytest.mark.config(SPACE_AUTO_APPROVE=True)
def test_auto_approve(client, alice):
    body = ask(client, alice).get_json()
    assert body["status"] == "approved" and body["space"]["slug"] == "mediatheques"


def test_listing(client, alice, bob, manager):
    mine = ask(client, alice).get_json()
    theirs = ask(client, bob, slug="other").get_json()
    own = ask(client, manager, slug="managers").get_json()
    client.post(
        f"/api/v1/space-requests/{own['id']}/decline", json={"message": "no"}, headers=bearer(manager)
    )

    def ids(user, query=""):  # noqa: ANN001, ANN202
        response = client.get(f"/api/v1/space-requests{query}", headers=bearer(user))
        assert response.status_code == 200, response.get_data(as_text=True)
        return {r["id"] for r in response.get_json()["data"]}

    assert ids(alice) == {mine["id"]}
    assert ids(manager) == {mine["id"], theirs["id"], own["id"]}
    assert ids(manager, "?scope=pending") == {mine["id"], theirs["id"]}
    assert ids(manager, "?scope=mine") == {own["id"]}
    assert client.get("/api/v1/space-requests?scope=pending", headers=bearer(alice)).status_code == 403
