"""The composition JSON API: GET/PUT, validation, optimistic concurrency, roles."""

from __future__ import annotations

import pytest
from conftest import add_member, logout, make_space
from conftest import login as _login

from parvis.extensions import db
from parvis.models import CompositionVersion

URL = "/api/v1/spaces/team/composition"


def login(client, user):  # noqa: ANN001, ANN201
    logout(client)
    return _login(client, user)


@pytest.fixture
def team(alice, bob, carol):  # noqa: ANN001, ANN201
    space = make_space(alice, "team", "public")
    add_member(space, bob)
    add_member(space, carol, "admin")
    return space


def _body(version, **extra):  # noqa: ANN001, ANN003, ANN202
    return {"layout": "main-sidebar", "version": version, "placements": [
        {"region": "main", "widget": "core.text", "settings": {"body": "Bienvenue"}},
        {"region": "sidebar", "widget": "core.members", "settings": {"limit": 4}},
    ], **extra}


def test_get_then_put_publishes(client, team, alice, bob):
    login(client, alice)
    r = client.get(URL)
    assert r.status_code == 200 and r.headers["ETag"] == f'"{r.json["version"]}"'
    assert r.json["layout"] == "main-sidebar" and r.json["placements"][0]["widget"] == "core.description"
    r = client.put(URL, json=_body(r.json["version"]))
    assert r.status_code == 200, r.json
    assert r.json["published_number"] == 1 and r.json["is_draft"] is False
    assert [p["widget"] for p in r.json["placements"]] == ["core.text", "core.members"]
    login(client, bob)
    assert "Bienvenue" in client.get("/s/team/").get_data(as_text=True)
    r = client.get(URL)  # a member reads the published composition
    assert r.status_code == 200 and r.json["placements"][0]["settings"]["body"] == "Bienvenue"


def test_put_as_draft_keeps_members_view(client, team, alice, bob):
    login(client, alice)
    version = client.get(URL).json["version"]
    r = client.put(URL, json=_body(version, publish=False))
    assert r.status_code == 200 and r.json["is_draft"] is True
    login(client, bob)
    assert "Bienvenue" not in client.get("/s/team/").get_data(as_text=True)


def test_if_match_header_and_conflicts(client, team, alice, carol):
    login(client, alice)
    version = client.get(URL).json["version"]
    body = _body(None)
    body.pop("version")
    r = client.put(URL, json=body)
    assert r.status_code == 428
    r = client.put(URL, json=body, headers={"If-Match": f'"{version}"'})
    assert r.status_code == 200
    login(client, carol)  # the second admin saves from the version she read before
    r = client.put(URL, json=body, headers={"If-Match": f'"{version}"'})
    assert r.status_code == 409 and "changed by someone else" in r.json["error"]["message"]
    assert db.session.scalar(db.select(db.func.count()).select_from(CompositionVersion)) == 1


@pytest.mark.parametrize("change,field", [
    ({"layout": "nope"}, "layout"),
    ({"placements": [{"region": "nowhere", "widget": "core.text"}]}, "placements.0.region"),
    ({"placements": [{"region": "main", "widget": "nope.widget"}]}, "placements.0.widget"),
    ({"placements": [{"region": "main", "widget": "core.members", "settings": {"limit": "many"}}]},
     "placements.0.settings.limit"),
    ({"placements": [{"region": "main", "widget": "core.text", "settings": {"body": "x" * 70000}}]}, "_schema"),
])
def test_invalid_compositions_are_refused_and_nothing_changes(client, team, alice, change, field):
    login(client, alice)
    version = client.get(URL).json["version"]
    client.put(URL, json=_body(version))
    published = client.get(URL).json
    r = client.put(URL, json={**_body(published["version"]), **change})
    assert r.status_code == 422, r.json
    assert field in r.json["error"]["fields"]
    assert client.get(URL).json == published


def test_huge_payload_is_refused(client, team, alice):
    login(client, alice)
    version = client.get(URL).json["version"]
    body = _body(version)
    body["placements"] = [{"region": "main", "widget": "core.text", "settings": {"body": "x"}}] * 5000
    r = client.put(URL, json=body)
    assert r.status_code in (413, 422)


def test_roles(client, team, bob, alice, admin):
    login(client, bob)
    assert client.put(URL, json=_body(0)).status_code == 403
    hidden = make_space(alice, "hidden", "secret")
    assert hidden
    assert client.get("/api/v1/spaces/hidden/composition").status_code == 404
    logout(client)
    assert client.get(URL).status_code == 401
    login(client, admin)
    assert client.get("/api/v1/spaces/hidden/composition").status_code == 200


def test_pages_and_space_file(client, team, alice):
    login(client, alice)
    client.post("/s/team/builder/pages", data={"title": "Annuaire"})
    url = "/api/v1/spaces/team/pages/annuaire/composition"
    r = client.get(url)
    assert r.status_code == 200 and r.json["page"] == "annuaire"
    r = client.put(url, json={"layout": "one-column", "version": r.json["version"],
                              "placements": [{"region": "main", "widget": "core.links", "settings": {}}]})
    assert r.status_code == 200
    assert client.get("/api/v1/spaces/team/pages/nope/composition").status_code == 404
    data = client.get("/api/v1/spaces/team/space-file").json
    assert data["format"] == "parvis.space/1" and [p["slug"] for p in data["pages"]] == ["home", "annuaire"]


def test_documented_in_openapi(client, alice):
    login(client, alice)
    spec = client.get("/api/v1/openapi.json").json
    assert "/spaces/{space_slug}/composition" in str(spec["paths"].keys())
