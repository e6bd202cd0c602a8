"""``/me``, ``/spaces``: what each role sees of each visibility, and space settings."""

from __future__ import annotations

import pytest
from conftest import add_member, make_space, make_user

from parvis.extensions import db
from parvis.models import ApiToken, AuditLog, Space
from parvis.testing.queries import count_queries


def bearer(user) -> dict[str, str]:  # noqa: ANN001
    _row, clear = ApiToken.issue(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


@pytest.fixture
def spaces(alice):
    """Alice owns one space of each visibility."""
    return {
        v: make_space(alice, f"{v}-space", visibility=v, name=f"{v.title()} space")
        for v in ("public", "private", "secret")
    }


def slugs(response) -> set[str]:  # noqa: ANN001
    assert response.status_code == 200, response.get_data(as_text=True)
    return {s["slug"] for s in response.get_json()["data"]}


def test_me_lists_memberships(client, alice, spaces):
    body = client.get("/api/v1/me", headers=bearer(alice)).get_json()
    assert body["username"] and body["platform_role"] == "user"
    assert {m["slug"]: m["role"] for m in body["memberships"]} == {
        "public-space": "owner",
        "private-space": "owner",
        "secret-space": "owner",
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("owner", {"public-space", "private-space", "secret-space"}),
        ("outsider", {"public-space", "private-space"}),
        ("secret_member", {"public-space", "private-space", "secret-space"}),
        ("manager", {"public-space", "private-space"}),
        ("admin", {"public-space", "private-space", "secret-space"}),
    ],
)
def test_space_list_per_role(client, alice, bob, manager, admin, spaces, who, expected):
    user = {"owner": alice, "outsider": bob, "manager": manager, "admin": admin}.get(who)
    if who == "secret_member":
        user = make_user("guest@example.org")
        add_member(spaces["secret"], user, "guest")
    assert slugs(client.get("/api/v1/spaces", headers=bearer(user))) == expected


def test_space_list_shape_filters_and_pagination(client, alice, bob, spaces):
    add_member(spaces["public"], bob)
    headers = bearer(bob)
    body = client.get("/api/v1/spaces?per_page=1", headers=headers).get_json()
    assert body["meta"] == {"page": 1, "per_page": 1, "total": 2, "pages": 2}
    first = body["data"][0]
    assert first["slug"] == "private-space"  # ordered by name
    assert first["role"] is None and first["member_count"] == 1
    second = client.get("/api/v1/spaces?per_page=1&page=2", headers=headers).get_json()["data"]
    assert second[0]["slug"] == "public-space"
    assert second[0]["role"] == "member" and second[0]["member_count"] == 2
    assert slugs(client.get("/api/v1/spaces?visibility=private", headers=headers)) == {"private-space"}
    assert slugs(client.get("/api/v1/spaces?q=PUBL", headers=headers)) == {"public-space"}
    assert slugs(client.get("/api/v1/spaces?q=%25", headers=headers)) == set()
    assert slugs(client.get("/api/v1/spaces?member=true", headers=headers)) == {"public-space"}
    assert slugs(client.get("/api/v1/spaces?member=false", headers=headers)) == {"private-space"}
    # Filtering on the secret visibility reveals nothing to an outsider.
    assert slugs(client.get("/api/v1/spaces?visibility=secret", headers=headers)) == set()


def test_space_list_query_count_is_bounded(client, alice, bob, spaces):
    for n in range(8):
        space = make_space(alice, f"extra-{n}")
        add_member(space, bob)
    headers = bearer(bob)
    client.get("/api/v1/spaces", headers=headers)  # warm up (token last-used stamp...)
    with count_queries() as small:
        client.get("/api/v1/spaces?per_page=2", headers=headers)
    with count_queries() as large:
        client.get("/api/v1/spaces?per_page=10", headers=headers)
    assert large.count == small.count, large.report()


@pytest.mark.parametrize(
    ("visibility", "status"), [("public", 200), ("private", 200), ("secret", 404)]
)
def test_space_detail_for_outsider(client, bob, spaces, visibility, status):
    response = client.get(f"/api/v1/spaces/{visibility}-space", headers=bearer(bob))
    assert response.status_code == status
    if status == 200:
        body = response.get_json()
        assert body["role"] is None
        assert body["permissions"]["settings"] is False
        assert body["permissions"]["read"] is (visibility == "public")
        if visibility == "private":
            assert body["enabled_modules"] == []  # content of a private space stays hidden


def test_space_detail_for_owner(client, alice, spaces):
    body = client.get("/api/v1/spaces/secret-space", headers=bearer(alice)).get_json()
    assert body["role"] == "owner" and body["member_count"] == 1
    assert body["permissions"] == {
        "read": True, "settings": True, "modules": True, "invite": True, "manage_members": True
    }
    assert "posts" in body["enabled_modules"]


def test_unknown_space_is_404(client, alice):
    response = client.get("/api/v1/spaces/nope", headers=bearer(alice))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404


# -- settings -----------------------------------------------------------------------------


def test_owner_updates_settings(client, alice, spaces):
    response = client.patch(
        "/api/v1/spaces/public-space",
        json={
            "name": "  New name ",
            "description": "About us",
            "visibility": "private",
            "join_policy": "open",
            "accent_color": "#112233",
            "theme": "dark",
            "layout": "one-column",
        },
        headers=bearer(alice),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["name"] == "New name" and body["visibility"] == "private"
    space = db.session.get(Space, spaces["public"].id)
    assert (space.join_policy, space.accent_color, space.theme, space.layout) == (
        "open", "#112233", "dark", "one-column"
    )
    entry = db.session.scalar(db.select(AuditLog).filter_by(action="space.settings_changed"))
    assert entry is not None and "name" in entry.details["fields"]


def test_slug_change(client, alice, spaces):
    headers = bearer(alice)
    response = client.patch("/api/v1/spaces/public-space", json={"slug": "agora"}, headers=headers)
    assert response.status_code == 200
    assert client.get("/api/v1/spaces/agora", headers=headers).status_code == 200
    assert client.get("/api/v1/spaces/public-space", headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"slug": "private-space"}, "slug"),  # taken
        ({"slug": "Bad Slug"}, "slug"),
        ({"slug": "admin"}, "slug"),  # reserved
        ({"name": "x" * 121}, "name"),
        ({"name": "   "}, "name"),
        ({"visibility": "hidden"}, "visibility"),
        ({"join_policy": "whenever"}, "join_policy"),
        ({"accent_color": "red"}, "accent_color"),
        ({"theme": "no-such-theme"}, "theme"),
        ({"layout": "no-such-layout"}, "layout"),
        ({"status": "archived"}, "status"),  # not a settable field
    ],
)
def test_invalid_settings_are_422(client, alice, spaces, payload, field):
    response = client.patch("/api/v1/spaces/public-space", json=payload, headers=bearer(alice))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]
    assert db.session.get(Space, spaces["public"].id).slug == "public-space"


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("moderator", 403), ("admin", 200)])
def test_settings_need_space_settings_permission(client, alice, bob, spaces, role, status):
    add_member(spaces["public"], bob, role)
    response = client.patch("/api/v1/spaces/public-space", json={"name": "X"}, headers=bearer(bob))
    assert response.status_code == status


def test_outsider_cannot_edit_private_space(client, bob, spaces):
    response = client.patch("/api/v1/spaces/private-space", json={"name": "X"}, headers=bearer(bob))
    assert response.status_code == 403


def test_platform_admin_edits_any_space(client, admin, spaces):
    response = client.patch("/api/v1/spaces/secret-space", json={"name": "X"}, headers=bearer(admin))
    assert response.status_code == 200


# -- secret spaces do not exist for outsiders ---------------------------------------------


SPACE_ENDPOINTS = [
    ("GET", ""),
    ("PATCH", ""),
    ("GET", "/members"),
    ("PATCH", "/members/1"),
    ("DELETE", "/members/1"),
    ("POST", "/join"),
    ("POST", "/leave"),
    ("GET", "/invitations"),
    ("POST", "/invitations"),
    ("DELETE", "/invitations/1"),
    ("GET", "/modules"),
    ("PATCH", "/modules/posts"),
    ("GET", "/exercise/items"),
    ("GET", "/composition"),
    ("PUT", "/composition"),
    ("GET", "/pages/home/composition"),
    ("PUT", "/pages/home/composition"),
    ("GET", "/space-file"),
]


@pytest.mark.parametrize(("method", "suffix"), SPACE_ENDPOINTS)
def test_secret_space_is_404_on_every_endpoint(client, alice, bob, spaces, method, suffix):
    for slug in ("secret-space", "does-not-exist"):
        response = client.open(
            f"/api/v1/spaces/{slug}{suffix}", method=method, json={}, headers=bearer(bob)
        )
        assert response.status_code == 404, (slug, response.get_data(as_text=True))
        assert response.get_json()["error"]["code"] == 404


def test_every_space_endpoint_is_in_the_walk(app):
    """New ``<space_slug>`` endpoints must be added to SPACE_ENDPOINTS above."""
    covered = {suffix.split("/")[1] if suffix else "" for _, suffix in SPACE_ENDPOINTS}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/spaces/<space_slug>"):
            tail = rule.rule.removeprefix("/api/v1/spaces/<space_slug>")
            first = tail.split("/")[1] if tail else ""
            owner = app.extensions["parvis"].blueprint_owners.get(rule.endpoint.rsplit(".", 1)[0])
            if owner is None:
                assert first in covered, rule.rule


# -- each role in each visibility ------------------------------------------------------------

ROLES = ["anonymous", "outsider", "guest", "member", "moderator", "admin", "owner", "platform_admin"]
#: Expected status of (GET members, GET modules, GET invitations, PATCH settings) per role,
#: for a private space; a public space differs only for outsiders (they may read members).
PRIVATE = {
    "anonymous": (401, 401, 401, 401),
    "outsider": (403, 403, 403, 403),
    "guest": (200, 403, 403, 403),
    "member": (200, 403, 403, 403),
    "moderator": (200, 403, 403, 403),
    "admin": (200, 200, 200, 200),
    "owner": (200, 200, 200, 200),
    "platform_admin": (200, 200, 200, 200),
}


def _actor(role: str, space: Space, owner, admin):  # noqa: ANN001, ANN202
    if role == "owner":
        return owner
    if role == "platform_admin":
        return admin
    if role == "anonymous":
        return None
    user = make_user(f"{role}-role@example.org")
    if role != "outsider":
        add_member(space, user, role)
    return user


@pytest.mark.parametrize("visibility", ["public", "private", "secret"])
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, alice, admin, visibility, role):
    space = make_space(alice, "matrix", visibility=visibility)
    user = _actor(role, space, alice, admin)
    headers = bearer(user) if user is not None else {}
    expected = list(PRIVATE[role])
    if role == "outsider" and visibility == "public":
        expected[0] = 200
    if role == "outsider" and visibility == "secret":
        expected = [404, 404, 404, 404]
    calls = [
        client.get("/api/v1/spaces/matrix/members", headers=headers),
        client.get("/api/v1/spaces/matrix/modules", headers=headers),
        client.get("/api/v1/spaces/matrix/invitations", headers=headers),
        client.patch("/api/v1/spaces/matrix", json={"description": role}, headers=headers),
    ]
    assert [c.status_code for c in calls] == expected
    for call in calls:
        assert call.is_json
