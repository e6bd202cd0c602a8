"""The posts module's JSON API under /api/v1/spaces/<slug>/posts/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_posts_helpers import make_post, sign_in, team

from parvis.extensions import db
from parvis.models import ApiToken, utcnow
from parvis_modules.posts.models import Post

API = "/api/v1/spaces/club/posts/"


def test_create_get_update_delete(client, alice, bob, carol):  # noqa: ANN001
    team(alice, bob, carol)
    sign_in(client, bob)
    r = client.post(API, json={"title": "Par l'API", "body": "Texte **gras**", "tags": ["API", "Outils"]})
    assert r.status_code == 201, r.get_json()
    data = r.get_json()
    assert data["status"] == "published" and data["author"]["id"] == bob.id
    assert data["tags"] == ["API", "Outils"] and "<strong>gras</strong>" in data["body_html"]
    assert data["url"] == f"/s/club/posts/{data['id']}"
    assert client.get(f"{API}{data['id']}").get_json()["title"] == "Par l'API"

    r = client.patch(f"{API}{data['id']}", json={"title": "Modifié", "tags": "un, deux"})
    assert r.status_code == 200
    assert r.get_json()["title"] == "Modifié" and r.get_json()["tags"] == ["deux", "un"]
    assert r.get_json()["body"] == "Texte **gras**"

    sign_in(client, carol)
    assert client.patch(f"{API}{data['id']}", json={"title": "x"}).status_code == 403
    assert client.delete(f"{API}{data['id']}").status_code == 403
    sign_in(client, bob)
    assert client.delete(f"{API}{data['id']}").status_code == 204
    r = client.get(f"{API}{data['id']}")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == 404


def test_validation_errors_are_field_level(client, alice, bob, carol):  # noqa: ANN001
    team(alice, bob, carol)
    sign_in(client, bob)
    r = client.post(API, json={"body": "sans titre"})
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == 422 and "title" in error["fields"] and "body" not in error["fields"]
    r = client.post(
        API,
        json={"title": "x" * 300, "body": "", "tags": [1], "status": "gone", "publish_at": "demain", "pinned": "yes"},
    )
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) == {"title", "body", "tags", "status", "publish_at", "pinned"}
    r = client.post(API, data="not json", content_type="application/json")
    assert r.status_code == 400 and "error" in r.get_json()
    post = make_post(_space(), bob, "Existant")
    r = client.patch(f"{API}{post.id}", json={"title": "  "})
    assert r.status_code == 422 and "title" in r.get_json()["error"]["fields"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 1


def _space():  # noqa: ANN202
    from parvis.models import Space

    return db.session.scalar(db.select(Space).filter_by(slug="club"))


def test_drafts_scheduled_and_guests(client, alice, bob, carol):  # noqa: ANN001
    _space_, _mod, guest = team(alice, bob, carol)
    sign_in(client, bob)
    draft = client.post(API, json={"title": "Brouillon", "body": "x", "status": "draft"}).get_json()
    later = (utcnow() + timedelta(days=1)).isoformat()
    scheduled = client.post(API, json={"title": "Plus tard", "body": "x", "publish_at": later}).get_json()
    assert draft["status"] == "draft" and scheduled["status"] == "scheduled"
    assert client.get(f"{API}{draft['id']}").status_code == 200
    assert client.get(API).get_json()["items"] == []
    sign_in(client, carol)
    assert client.get(f"{API}{draft['id']}").status_code == 404
    assert client.get(f"{API}{scheduled['id']}").status_code == 404
    assert client.patch(f"{API}{draft['id']}", json={"title": "x"}).status_code == 404
    sign_in(client, guest)
    r = client.post(API, json={"title": "Invité", "body": "x"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == 403


def test_list_pages_and_cursor(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    when = utcnow() - timedelta(hours=2)
    posts = [make_post(space, bob, f"N{i}", published_at=when + timedelta(minutes=i % 3)) for i in range(7)]
    posts[0].pinned = True
    db.session.commit()
    sign_in(client, carol)
    full = [p["id"] for p in client.get(f"{API}?per_page=50").get_json()["items"]]
    assert full[0] == posts[0].id and len(full) == 7
    walked, cursor = [], None
    while True:
        r = client.get(API, query_string={"per_page": 3, **({"cursor": cursor} if cursor else {})})
        body = r.get_json()
        walked += [p["id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert walked == full
    paged = []
    for page in (1, 2, 3):
        paged += [p["id"] for p in client.get(API, query_string={"per_page": 3, "page": page}).get_json()["items"]]
    assert paged == full
    r = client.get(API, query_string={"cursor": "garbage!"})
    assert r.status_code == 400 and "cursor" in r.get_json()["error"]["fields"]
    assert [p["title"] for p in client.get(f"{API}?author={carol.id}").get_json()["items"]] == []


def test_bearer_token_needs_no_csrf(app, alice, bob, carol):  # noqa: ANN001
    team(alice, bob, carol)
    _token, clear = ApiToken.issue(bob, "script")
    db.session.commit()
    client = app.test_client()
    r = client.post(API, json={"title": "Jeton", "body": "x"}, headers={"Authorization": f"Bearer {clear}"})
    assert r.status_code == 201
    assert client.get(API).status_code == 401


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_cookie_session_needs_csrf(client, alice, bob, carol):  # noqa: ANN001
    from conftest import csrf_token_from

    team(alice, bob, carol)
    page = client.get("/login").get_data(as_text=True)
    r = client.post("/login", data={"email": bob.email, "password": "correct horse battery",
                                    "csrf_token": csrf_token_from(page)})
    assert r.status_code == 302
    r = client.post(API, json={"title": "Sans jeton", "body": "x"})
    assert r.status_code == 400 and "error" in r.get_json()
    token = csrf_token_from(client.get("/s/club/posts/new").get_data(as_text=True))
    r = client.post(API, json={"title": "Avec jeton", "body": "x"}, headers={"X-CSRFToken": token})
    assert r.status_code == 201
