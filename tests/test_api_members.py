"""Members, roles, joining and leaving, invitations through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import add_member, make_space

from parvis.extensions import db
from parvis.models import ApiToken, Invitation, JoinRequest, Membership, Notification, utcnow
from parvis.services import mail


def bearer(user) -> dict[str, str]:  # noqa: ANN001
    _row, clear = ApiToken.issue(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def role_of(space, user) -> str | None:  # noqa: ANN001
    return db.session.scalar(
        db.select(Membership.role).filter_by(space_id=space.id, user_id=user.id)
    )


@pytest.fixture
def space(alice):
    return make_space(alice, "team", visibility="private")


# -- listing ----------------------------------------------------------------------------


def test_members_list(client, alice, bob, carol, space):
    add_member(space, bob, "admin")
    add_member(space, carol, "guest")
    body = client.get("/api/v1/spaces/team/members", headers=bearer(carol)).get_json()
    assert body["meta"]["total"] == 3
    assert [(m["user"]["name"], m["role"]) for m in body["data"]] == [
        ("Alice Martin", "owner"),
        ("Bob Durand", "admin"),
        ("Carol Petit", "guest"),
    ]
    assert "email" not in body["data"][0]["user"]
    admins = client.get("/api/v1/spaces/team/members?role=admin", headers=bearer(carol)).get_json()
    assert [m["user"]["name"] for m in admins["data"]] == ["Bob Durand"]
    found = client.get("/api/v1/spaces/team/members?q=pet", headers=bearer(carol)).get_json()
    assert [m["user"]["name"] for m in found["data"]] == ["Carol Petit"]


def test_private_members_list_is_403_for_outsider(client, bob, space):
    assert client.get("/api/v1/spaces/team/members", headers=bearer(bob)).status_code == 403


def test_public_members_list_is_readable_by_any_user(client, alice, bob):
    make_space(alice, "open-house", visibility="public")
    assert client.get("/api/v1/spaces/open-house/members", headers=bearer(bob)).status_code == 200


# -- roles ------------------------------------------------------------------------------


@pytest.mark.parametrize("actor_role", ["guest", "member", "moderator"])
def test_roles_below_admin_cannot_change_roles(client, bob, carol, space, actor_role):
    add_member(space, bob, actor_role)
    add_member(space, carol, "guest")
    response = client.patch(
        f"/api/v1/spaces/team/members/{carol.id}", json={"role": "member"}, headers=bearer(bob)
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == 403
    assert role_of(space, carol) == "guest"
    response = client.delete(f"/api/v1/spaces/team/members/{carol.id}", headers=bearer(bob))
    assert response.status_code == 403


def test_admin_changes_a_role(client, bob, carol, space):
    add_member(space, bob, "admin")
    add_member(space, carol, "member")
    response = client.patch(
        f"/api/v1/spaces/team/members/{carol.id}", json={"role": "moderator"}, headers=bearer(bob)
    )
    assert response.status_code == 200
    assert response.get_json()["role"] == "moderator"
    assert role_of(space, carol) == "moderator"


def test_admin_cannot_grant_owner(client, bob, carol, space):
    add_member(space, bob, "admin")
    add_member(space, carol, "member")
    response = client.patch(
        f"/api/v1/spaces/team/members/{carol.id}", json={"role": "owner"}, headers=bearer(bob)
    )
    assert response.status_code == 422
    assert "role" in response.get_json()["error"]["fields"]
    assert role_of(space, carol) == "member"


def test_admin_cannot_touch_an_owner(client, alice, bob, space):
    add_member(space, bob, "admin")
    response = client.patch(
        f"/api/v1/spaces/team/members/{alice.id}", json={"role": "member"}, headers=bearer(bob)
    )
    assert response.status_code == 403
    assert client.delete(f"/api/v1/spaces/team/members/{alice.id}", headers=bearer(bob)).status_code == 403
    assert role_of(space, alice) == "owner"


def test_last_owner_cannot_be_demoted(client, alice, space):
    response = client.patch(
        f"/api/v1/spaces/team/members/{alice.id}", json={"role": "admin"}, headers=bearer(alice)
    )
    assert response.status_code == 422
    assert "role" in response.get_json()["error"]["fields"]


def test_unknown_role_and_unknown_member(client, alice, bob, carol, space):
    add_member(space, bob)
    response = client.patch(
        f"/api/v1/spaces/team/members/{bob.id}", json={"role": "king"}, headers=bearer(alice)
    )
    assert "role" in response.get_json()["error"]["fields"]
    response = client.patch(
        f"/api/v1/spaces/team/members/{carol.id}", json={"role": "member"}, headers=bearer(alice)
    )
    assert response.status_code == 404


def test_remove_member(client, alice, bob, space):
    add_member(space, bob)
    response = client.delete(f"/api/v1/spaces/team/members/{bob.id}", headers=bearer(alice))
    assert response.status_code == 204
    assert role_of(space, bob) is None


# -- joining and leaving ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visibility", "policy", "status", "outcome"),
    [
        ("public", "open", 200, "member"),
        ("private", "open", 200, "member"),
        ("public", "request", 200, "pending"),
        ("private", "request", 200, "pending"),
        ("public", "invitation", 409, None),
        ("secret", "open", 404, None),
        ("secret", "request", 404, None),
    ],
)
def test_join_by_policy(client, alice, bob, visibility, policy, status, outcome):
    space = make_space(alice, "club", visibility=visibility, join_policy=policy)
    response = client.post("/api/v1/spaces/club/join", json={"message": "Hi"}, headers=bearer(bob))
    assert response.status_code == status, response.get_data(as_text=True)
    if outcome == "member":
        assert response.get_json() == {"status": "member", "role": "member", "request_id": None}
        assert role_of(space, bob) == "member"
    elif outcome == "pending":
        body = response.get_json()
        assert body["status"] == "pending" and body["request_id"]
        assert role_of(space, bob) is None
        assert db.session.get(JoinRequest, body["request_id"]).message == "Hi"
        assert db.session.scalar(
            db.select(Notification).filter_by(user_id=alice.id, kind="join_request.created")
        )
    else:
        assert role_of(space, bob) is None


def test_join_without_body_and_twice(client, alice, bob):
    make_space(alice, "club", visibility="public", join_policy="open")
    headers = bearer(bob)
    assert client.post("/api/v1/spaces/club/join", headers=headers).status_code == 200
    again = client.post("/api/v1/spaces/club/join", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["message"]


def test_leave(client, alice, bob, space):
    add_member(space, bob)
    assert client.post("/api/v1/spaces/team/leave", headers=bearer(bob)).status_code == 204
    assert role_of(space, bob) is None


def test_last_owner_cannot_leave(client, alice, space):
    response = client.post("/api/v1/spaces/team/leave", headers=bearer(alice))
    assert response.status_code == 409
    assert role_of(space, alice) == "owner"


def test_leave_when_not_member(client, alice, bob):
    make_space(alice, "open-house", visibility="public")
    assert client.post("/api/v1/spaces/open-house/leave", headers=bearer(bob)).status_code == 409


# -- invitations ----------------------------------------------------------------------------------


def test_invite_list_and_revoke(client, alice, space):
    headers = bearer(alice)
    mail.OUTBOX.clear()
    response = client.post(
        "/api/v1/spaces/team/invitations",
        json={"email": " Expert@Example.org ", "role": "guest", "message": "Welcome"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["email"] == "expert@example.org"
    assert created["status"] == "pending" and created["invited_by"]["name"] == "Alice Martin"
    assert "token" not in created
    assert [m["To"] for m in mail.OUTBOX] == ["expert@example.org"]
    listed = client.get("/api/v1/spaces/team/invitations", headers=headers).get_json()
    assert [i["id"] for i in listed["data"]] == [created["id"]]
    deleted = client.delete(f"/api/v1/spaces/team/invitations/{created['id']}", headers=headers)
    assert deleted.status_code == 204
    assert db.session.get(Invitation, created["id"]).revoked_at is not None
    assert client.get("/api/v1/spaces/team/invitations", headers=headers).get_json()["data"] == []
    revoked = client.get("/api/v1/spaces/team/invitations?status=revoked", headers=headers).get_json()
    assert revoked["data"][0]["status"] == "revoked"


def test_expired_invitations_filter(client, alice, space):
    headers = bearer(alice)
    created = client.post(
        "/api/v1/spaces/team/invitations", json={"email": "late@example.org"}, headers=headers
    ).get_json()
    invitation = db.session.get(Invitation, created["id"])
    invitation.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert client.get("/api/v1/spaces/team/invitations", headers=headers).get_json()["data"] == []
    expired = client.get("/api/v1/spaces/team/invitations?status=expired", headers=headers)
    assert expired.get_json()["data"][0]["status"] == "expired"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({}, "email"),
        ({"email": "a@example.org", "role": "emperor"}, "role"),
        ({"email": "a@example.org", "role": "owner"}, "role"),  # above an admin's own role
    ],
)
def test_invalid_invitation_is_422(client, alice, bob, space, payload, field):
    add_member(space, bob, "admin")
    response = client.post("/api/v1/spaces/team/invitations", json=payload, headers=bearer(bob))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Invitation)) == 0


def test_inviting_a_member_is_422(client, alice, bob, space):
    add_member(space, bob)
    response = client.post(
        "/api/v1/spaces/team/invitations", json={"email": bob.email}, headers=bearer(alice)
    )
    assert "email" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_invitations_need_invite_permission(client, bob, space, role):
    add_member(space, bob, role)
    headers = bearer(bob)
    assert client.get("/api/v1/spaces/team/invitations", headers=headers).status_code == 403
    response = client.post(
        "/api/v1/spaces/team/invitations", json={"email": "x@example.org"}, headers=headers
    )
    assert response.status_code == 403


def test_invitation_of_another_space_is_404(client, alice, space):
    other = make_space(alice, "other")
    headers = bearer(alice)
    created = client.post(
        "/api/v1/spaces/other/invitations", json={"email": "x@example.org"}, headers=headers
    ).get_json()
    assert other.id
    response = client.delete(f"/api/v1/spaces/team/invitations/{created['id']}", headers=headers)
    assert response.status_code == 404
