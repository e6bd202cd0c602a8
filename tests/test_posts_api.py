"""The posts module's JSON API under /api/v1/spaces/<slug>/posts/."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

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
    assert r.status_code == 422 and "cursor" in r.get_json()["error"]["fields"]  # 400 before the schemas
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


# -- declared endpoints: the OpenAPI document ------------------------------------------------

DOC_LIST = "/api/v1/spaces/{space_slug}/posts/"
DOC_ONE = "/api/v1/spaces/{space_slug}/posts/{post_id}"


def _ref(operation: dict, status: str) -> str:
    return operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]


def test_posts_endpoints_are_in_the_openapi_document(client):  # noqa: ANN001
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    paths, schemas = document["paths"], document["components"]["schemas"]
    assert set(paths[DOC_LIST]) - {"parameters"} == {"get", "post"}
    assert set(paths[DOC_ONE]) - {"parameters"} == {"get", "patch", "put", "delete"}

    listing = paths[DOC_LIST]["get"]
    assert listing["tags"] == ["posts"] and listing["summary"].startswith("The space's published posts")
    assert {p["name"] for p in listing["parameters"]} == {"tag", "author", "per_page", "cursor", "page"}
    assert _ref(listing, "200") == "#/components/schemas/PostList"
    assert schemas["PostList"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Post"}
    assert "422" in listing["responses"]

    create = paths[DOC_LIST]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PostCreate"
    }
    assert _ref(create, "201") == "#/components/schemas/Post"
    assert {"400", "401", "403", "422"} <= set(create["responses"])
    new = schemas["PostCreate"]
    assert set(new["required"]) == {"title", "body"}
    assert new["properties"]["title"] == {"type": "string", "maxLength": 200}
    assert new["properties"]["status"]["enum"] == ["published", "draft"]
    assert new["properties"]["tags"]["items"] == {"type": "string", "maxLength": 40}
    assert new["properties"]["publish_at"]["format"] == "date-time"
    assert new["properties"]["publish_at"]["nullable"] is True
    assert new["properties"]["pinned"]["type"] == "boolean"

    for method in ("patch", "put"):
        update = paths[DOC_ONE][method]
        assert update["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/PostUpdate"
        }
        assert {"403", "404", "422"} <= set(update["responses"]) and _ref(update, "200")
    assert "required" not in schemas["PostUpdate"]
    assert _ref(paths[DOC_ONE]["get"], "200") == "#/components/schemas/Post"
    assert "204" in paths[DOC_ONE]["delete"]["responses"]
    assert schemas["Post"]["properties"]["status"]["enum"] == ["draft", "pending", "scheduled", "published"]


def test_answers_match_the_declared_schema(client, alice, bob, carol):  # noqa: ANN001
    """What the API sends is exactly what the document promises (no field more or less)."""
    team(alice, bob, carol)
    sign_in(client, bob)
    document = client.get("/api/v1/openapi.json").get_json()
    declared = set(document["components"]["schemas"]["Post"]["properties"])
    post = client.post(API, json={"title": "Schéma", "body": "x", "tags": "a"}).get_json()
    assert set(post) == declared
    listing = client.get(API).get_json()
    assert set(listing) == set(document["components"]["schemas"]["PostList"]["properties"])
    assert set(listing["items"][0]) == declared
    assert post["published_at"].endswith("+00:00") and post["author"]["username"] == bob.username


# -- bad input: 422 naming the field, never a 500 --------------------------------------------

BAD_BODIES = [
    ({"title": "T", "body": "B", "colour": "red"}, "colour"),
    ({"title": 5, "body": "B"}, "title"),
    ({"title": "T", "body": ["B"]}, "body"),
    ({"title": None, "body": "B"}, "title"),
    ({"title": "T" * 201, "body": "B"}, "title"),
    ({"title": "T", "body": "B" * 100_001}, "body"),
    ({"title": "T\x00", "body": "B"}, "title"),
    ({"title": "T", "body": "B\x00"}, "body"),
    ({"title": "T", "body": "B", "tags": {"a": 1}}, "tags"),
    ({"title": "T", "body": "B", "tags": ["ok", 2]}, "tags"),
    ({"title": "T", "body": "B", "tags": ["x" * 41]}, "tags"),
    ({"title": "T", "body": "B", "tags": [f"t{i}" for i in range(11)]}, "tags"),
    ({"title": "T", "body": "B", "tags": ["nul\x00"]}, "tags.0"),
    ({"title": "T", "body": "B", "status": "pending"}, "status"),
    ({"title": "T", "body": "B", "status": None}, "status"),
    ({"title": "T", "body": "B", "publish_at": "demain"}, "publish_at"),
    ({"title": "T", "body": "B", "publish_at": "2030-13-01T09:00:00"}, "publish_at"),
    ({"title": "T", "body": "B", "publish_at": 20300101}, "publish_at"),
    ({"title": "T", "body": "B", "publish_at": "0001-01-01T00:00:00+01:00"}, "publish_at"),
    ({"title": "T", "body": "B", "publish_at": "9999-12-31T23:00:00-05:00"}, "publish_at"),
    ({"title": "T", "body": "B", "pinned": "yes"}, "pinned"),
    ({"title": "T", "body": "B", "announcement": 1}, "announcement"),
    ({"title": "T", "body": "B", "pinned": None}, "pinned"),
]


@pytest.mark.parametrize(("payload", "field"), BAD_BODIES, ids=[f for _p, f in BAD_BODIES])
def test_bad_bodies_name_the_field(client, alice, bob, carol, payload, field):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    post = make_post(space, bob, "Existant")
    sign_in(client, bob)
    for method, url in (("POST", API), ("PATCH", f"{API}{post.id}"), ("PUT", f"{API}{post.id}")):
        r = client.open(url, method=method, json=payload)
        assert r.status_code == 422, (method, r.get_json())
        error = r.get_json()["error"]
        assert error["code"] == 422 and list(error["fields"]) == [field], (method, error)
        assert all(isinstance(m, str) and m for m in error["fields"][field])
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 1
    assert db.session.get(Post, post.id).title == "Existant"


def test_bodies_that_are_not_json_objects_answer_400(client, alice, bob, carol):  # noqa: ANN001
    team(alice, bob, carol)
    sign_in(client, bob)
    for data in ("[1, 2]", "null", '"text"', "{"):
        r = client.post(API, data=data, content_type="application/json")
        assert r.status_code == 400 and r.get_json()["error"]["code"] == 400, data


def test_update_refuses_blanking_and_keeps_other_fields(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    post = make_post(space, bob, "Garder", tags=["Un"])
    sign_in(client, bob)
    for value in ("", "   ", "\n"):
        for name in ("title", "body"):
            r = client.patch(f"{API}{post.id}", json={name: value})
            assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == [name]
    r = client.put(f"{API}{post.id}", json={})
    assert r.status_code == 200 and r.get_json()["title"] == "Garder" and r.get_json()["tags"] == ["Un"]


BAD_QUERIES = [
    ({"cursor": "garbage!"}, "cursor"),
    ({"cursor": "W3RydWUsICJ4IiwgMV0"}, "cursor"),  # [true, "x", 1]: not a date
    ({"cursor": "WyJ5ZXMiLCAiMjAzMC0wMS0wMSIsIDFd"}, "cursor"),  # ["yes", ...]
    ({"cursor": "W2ZhbHNlLCAiMjAzMC0wMS0wMSIsIDk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"}, "cursor"),  # huge id
    ({"cursor": "W2ZhbHNlLCAiMDAwMS0wMS0wMVQwMDowMDowMCswMTowMCIsIDFd"}, "cursor"),  # year 0
    ({"cursor": "//8"}, "cursor"),  # not UTF-8
    ({"per_page": "abc"}, "per_page"),
    ({"per_page": "0"}, "per_page"),
    ({"page": "0"}, "page"),
    ({"page": "x"}, "page"),
    ({"page": "1000000000"}, "page"),
    ({"author": "abc"}, "author"),
    ({"author": "0"}, "author"),
    ({"author": "99999999999999999999"}, "author"),
]


def test_bad_queries_name_the_parameter(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    make_post(space, bob, "Un")
    sign_in(client, carol)
    for query, field in BAD_QUERIES:
        r = client.get(API, query_string=query)
        assert r.status_code == 422, (query, r.get_json())
        assert list(r.get_json()["error"]["fields"]) == [field], query
    r = client.get(API, query_string={"per_page": 500, "colour": "red", "cursor": ""})
    assert r.status_code == 200 and r.get_json()["per_page"] == 50 and r.get_json()["page"] == 1


def test_publish_at_offsets_and_clearing(client, alice, bob, carol):  # noqa: ANN001
    team(alice, bob, carol)
    sign_in(client, bob)
    r = client.post(API, json={"title": "Plus tard", "body": "x", "publish_at": "2030-01-31T10:00:00+01:00"})
    assert r.status_code == 201
    created = r.get_json()
    assert created["status"] == "scheduled" and created["published_at"] == "2030-01-31T09:00:00+00:00"
    r = client.patch(f"{API}{created['id']}", json={"status": "draft", "publish_at": None})
    assert r.get_json()["status"] == "draft" and r.get_json()["published_at"] is None
    r = client.patch(f"{API}{created['id']}", json={"publish_at": "2031-05-01T08:00:00"})
    assert r.get_json()["published_at"] == "2031-05-01T08:00:00+00:00"
    r = client.patch(f"{API}{created['id']}", json={"publish_at": ""})
    assert r.get_json()["published_at"] is None


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_cookie_session_reads_freely_and_writes_with_csrf(client, alice, bob, carol):  # noqa: ANN001
    from conftest import csrf_token_from

    space, _mod, _guest = team(alice, bob, carol)
    post = make_post(space, bob, "Cible")
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": bob.email, "password": "correct horse battery",
                                "csrf_token": csrf_token_from(page)})
    assert client.get(API).status_code == 200 and client.get(f"{API}{post.id}").status_code == 200
    for method in ("PATCH", "PUT", "DELETE"):
        r = client.open(f"{API}{post.id}", method=method, json={"title": "Forgé"})
        assert r.status_code == 400 and "error" in r.get_json(), method
    db.session.expire_all()
    assert db.session.get(Post, post.id).title == "Cible"


def test_list_costs_the_same_queries_whatever_its_length(client, alice, bob, carol):  # noqa: ANN001
    from parvis.testing.queries import count_queries

    space, _mod, _guest = team(alice, bob, carol)
    for i in range(2):
        make_post(space, bob, f"P{i}", tags=["Un", f"t{i}"])
    sign_in(client, carol)
    client.get(API)  # warm caches (settings, session)
    with count_queries() as few:
        assert len(client.get(f"{API}?per_page=50").get_json()["items"]) == 2
    for i in range(2, 14):
        make_post(space, carol if i % 2 else bob, f"P{i}", tags=["Un", f"t{i}"])
    with count_queries() as many:
        assert len(client.get(f"{API}?per_page=50").get_json()["items"]) == 14
    assert many.count == few.count, many.report()


def test_the_xss_sweep_reaches_posts_text_fields(client, alice, bob, carol):  # noqa: ANN001
    """tests/test_xss_corpus.py builds API bodies from the document: for posts they carry
    the payload in the title, the body and the tags, and posts get created with it."""
    from test_xss_corpus import PAYLOADS, _body, _schema

    from parvis.testing.html_safety import find_injections

    space, _mod, _guest = team(alice, bob, carol)
    world = SimpleNamespace(space=space)  # all _body reads of a sweep's World
    sign_in(client, bob)
    document = client.get("/api/v1/openapi.json").get_json()
    for operation in (document["paths"][DOC_LIST]["post"], document["paths"][DOC_ONE]["patch"]):
        body = _body(_schema(document, operation), PAYLOADS[0], "posts", world)
        assert body["title"] == PAYLOADS[0][:200] and body["body"] == PAYLOADS[0]
        assert body["tags"] == [PAYLOADS[0][:40]] and body["status"] == "published"
    schema = _schema(document, document["paths"][DOC_LIST]["post"])
    created = 0
    for payload in PAYLOADS[:40]:
        r = client.post(API, json=_body(schema, payload, "posts", world))
        assert r.status_code in (201, 422), (payload, r.status_code)
        created += r.status_code == 201
    assert created >= 35
    for path in ("/s/club/posts/", "/s/club/"):
        assert not find_injections(client.get(path).get_data(as_text=True)), path


def test_field_messages_are_in_the_users_language(client, alice, bob, carol):  # noqa: ANN001
    team(alice, bob, carol)
    bob.locale = "fr"
    db.session.commit()
    sign_in(client, bob)
    r = client.post(API, json={"title": "x" * 201, "body": " ", "pinned": "yes", "publish_at": "demain"})
    fields = r.get_json()["error"]["fields"]
    assert fields["title"] == ["200 caractères au maximum."]
    assert fields["pinned"] == ["Doit valoir true ou false."]
    assert fields["body"] != ["This field is required."] and fields["publish_at"][0] != (
        "Use an ISO 8601 date and time, e.g. 2030-01-31T09:00:00Z."
    )
    r = client.get(API, query_string={"cursor": "garbage!"})
    assert r.get_json()["error"]["fields"]["cursor"] == ["Curseur invalide."]
