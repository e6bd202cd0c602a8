"""API authentication, CSRF and the error shape of bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import csrf_token_from, login, make_space

from parvis.extensions import db
from parvis.models import ApiToken, utcnow


def bearer(user, **attrs) -> dict[str, str]:  # noqa: ANN001, ANN003
    row, clear = ApiToken.issue(user, "test")
    for key, value in attrs.items():
        setattr(row, key, value)
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def assert_error(response, code: int) -> dict:  # noqa: ANN001
    assert response.status_code == code, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/spaces"),
        ("GET", "/api/v1/tokens"),
        ("POST", "/api/v1/tokens"),
        ("POST", "/api/v1/space-requests"),
        ("GET", "/api/v1/spaces/pub"),
        ("GET", "/api/v1/spaces/pub/members"),
        ("POST", "/api/v1/spaces/pub/join"),
        ("PATCH", "/api/v1/spaces/pub/modules/posts"),
    ],
)
def test_anonymous_gets_401_json(client, alice, method, path):
    make_space(alice, "pub")
    assert_error(client.open(path, method=method, json={}), 401)


def test_bearer_token_authenticates(client, alice):
    response = client.get("/api/v1/me", headers=bearer(alice))
    assert response.status_code == 200
    assert response.get_json()["email"] == "alice@example.org"
    assert "Set-Cookie" not in response.headers


def test_unknown_token_gets_401(client, alice):
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer pvs_nope"}), 401)


def test_expired_token_gets_401(client, alice):
    headers = bearer(alice, expires_at=utcnow() - timedelta(minutes=1))
    assert_error(client.get("/api/v1/me", headers=headers), 401)


def test_token_not_yet_expired_works(client, alice):
    headers = bearer(alice, expires_at=utcnow() + timedelta(days=1))
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_revoked_token_gets_401(client, alice):
    headers = bearer(alice, revoked_at=utcnow())
    assert_error(client.get("/api/v1/me", headers=headers), 401)


def test_token_of_deactivated_user_gets_401(client, alice):
    headers = bearer(alice)
    alice.active = False
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers=headers), 401)


def test_session_cookie_authenticates(client, alice):
    login(client, alice)
    assert client.get("/api/v1/me").get_json()["name"] == "Alice Martin"


def test_unknown_api_path_is_json_404(client, alice):
    assert_error(client.get("/api/v1/nothing-here", headers=bearer(alice)), 404)


def test_wrong_method_is_json_405(client, alice):
    assert_error(client.put("/api/v1/me", headers=bearer(alice)), 405)


# -- CSRF -------------------------------------------------------------------------------


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_cookie_request_that_changes_state_needs_csrf_header(client, alice):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": alice.email, "password": "correct horse battery", "csrf_token": token})
    assert client.get("/api/v1/me").status_code == 200  # reading needs no token
    error = assert_error(client.post("/api/v1/tokens", json={"name": "x"}), 400)
    assert "CSRF" in error["message"]
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
    page = client.get("/account/tokens").get_data(as_text=True)
    response = client.post(
        "/api/v1/tokens", json={"name": "x"}, headers={"X-CSRFToken": csrf_token_from(page)}
    )
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_bearer_request_needs_no_csrf(client, alice):
    make_space(alice, "pub")
    response = client.patch("/api/v1/spaces/pub", json={"name": "Renamed"}, headers=bearer(alice))
    assert response.status_code == 200
    assert response.get_json()["name"] == "Renamed"


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_web_forms_keep_their_csrf_check(client, alice):
    """Only the API blueprints are exempted from Flask-WTF's app-wide check."""
    response = client.post("/login", data={"email": alice.email, "password": "correct horse battery"})
    assert response.status_code == 400


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_csrf_refusal_does_not_hide_a_secret_space(client, alice, bob):
    make_space(alice, "hidden", visibility="secret")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": bob.email, "password": "correct horse battery", "csrf_token": token})
    assert client.post("/api/v1/spaces/hidden/join", json={}).status_code == 404


# -- bad input ----------------------------------------------------------------------------


def test_non_json_body_is_a_clear_400(client, alice):
    response = client.post(
        "/api/v1/tokens", data="name=x", headers={**bearer(alice), "Content-Type": "text/plain"}
    )
    error = assert_error(response, 400)
    assert "JSON" in error["message"]


def test_malformed_json_is_a_clear_400(client, alice):
    response = client.post(
        "/api/v1/tokens",
        data="{not json",
        headers={**bearer(alice), "Content-Type": "application/json"},
    )
    assert "JSON" in assert_error(response, 400)["message"]


def test_json_array_body_is_refused(client, alice):
    response = client.post("/api/v1/tokens", json=["x"], headers=bearer(alice))
    assert "object" in assert_error(response, 400)["message"]


def test_missing_and_unknown_fields_are_listed(client, alice):
    response = client.post("/api/v1/tokens", json={"colour": "red"}, headers=bearer(alice))
    error = assert_error(response, 422)
    assert set(error["fields"]) == {"name", "colour"}


def test_wrong_type_is_422(client, alice):
    response = client.post(
        "/api/v1/tokens", json={"name": "x", "expires_in_days": "soon"}, headers=bearer(alice)
    )
    assert "expires_in_days" in assert_error(response, 422)["fields"]


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=1000", "per_page=0"])
def test_bad_pagination_is_422(client, alice, query):
    error = assert_error(client.get(f"/api/v1/spaces?{query}", headers=bearer(alice)), 422)
    assert set(error["fields"]) <= {"page", "per_page"}


def test_refused_request_leaves_nothing_behind(client, alice):
    """A 422 after the service flushed rows rolls them back."""
    from parvis.models import SpaceRequest

    headers = bearer(alice)
    ok = client.post(
        "/api/v1/space-requests", json={"name": "One", "slug": "one"}, headers=headers
    )
    assert ok.status_code == 201
    again = client.post(
        "/api/v1/space-requests", json={"name": "Two", "slug": "one"}, headers=headers
    )
    assert "slug" in assert_error(again, 422)["fields"]
    assert db.session.scalar(db.select(db.func.count()).select_from(SpaceRequest)) == 1
