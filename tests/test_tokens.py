"""Personal API tokens: the API endpoints and the /account/tokens page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import csrf_token_from, login

from parvis.extensions import db
from parvis.models import ApiToken, hash_token, utcnow


def bearer(user) -> dict[str, str]:  # noqa: ANN001
    _row, clear = ApiToken.issue(user, "bootstrap")
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


# -- API -----------------------------------------------------------------------------------


def test_create_token_returns_secret_once(client, app, alice):
    headers = bearer(alice)
    response = client.post(
        "/api/v1/tokens", json={"name": "backup script", "expires_in_days": 30}, headers=headers
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["token"].startswith("pvs_") and body["name"] == "backup script"
    assert body["active"] is True and body["expires_at"]
    row = db.session.get(ApiToken, body["id"])
    assert row.token_hash == hash_token(body["token"]) and body["token"] not in row.token_hash
    assert utcnow() + timedelta(days=29) < row.expires_at < utcnow() + timedelta(days=31)
    new_client = app.test_client()
    me = new_client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.get_json()["email"] == alice.email
    listed = client.get("/api/v1/tokens", headers=headers).get_json()
    assert {t["name"] for t in listed["data"]} == {"backup script", "bootstrap"}
    assert all("token" not in t for t in listed["data"])
    assert db.session.get(ApiToken, body["id"]).last_used_at is not None


def test_token_without_expiry(client, alice):
    response = client.post("/api/v1/tokens", json={"name": "forever"}, headers=bearer(alice))
    assert response.get_json()["expires_at"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "name"), ({"name": " "}, "name"), ({"name": "x" * 121}, "name"),
     ({"name": "x", "expires_in_days": 0}, "expires_in_days")],
)
def test_invalid_token_request(client, alice, payload, field):
    response = client.post("/api/v1/tokens", json=payload, headers=bearer(alice))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_revoke_token_through_api(client, app, alice):
    headers = bearer(alice)
    created = client.post("/api/v1/tokens", json={"name": "ci"}, headers=headers).get_json()
    other = {"Authorization": f"Bearer {created['token']}"}
    fresh = app.test_client()
    assert fresh.get("/api/v1/me", headers=other).status_code == 200
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=headers).status_code == 204
    assert fresh.get("/api/v1/me", headers=other).status_code == 401
    listed = client.get("/api/v1/tokens", headers=headers).get_json()["data"]
    assert {t["name"]: t["active"] for t in listed} == {"ci": False, "bootstrap": True}
    # Revoking again is harmless.
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=headers).status_code == 204


def test_a_token_revokes_itself(client, alice):
    headers = bearer(alice)
    own_id = client.get("/api/v1/tokens", headers=headers).get_json()["data"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{own_id}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_cannot_see_or_revoke_someone_elses_token(client, alice, bob):
    row, _clear = ApiToken.issue(bob, "bob's")
    db.session.commit()
    headers = bearer(alice)
    assert client.delete(f"/api/v1/tokens/{row.id}", headers=headers).status_code == 404
    assert db.session.get(ApiToken, row.id).revoked_at is None
    names = {t["name"] for t in client.get("/api/v1/tokens", headers=headers).get_json()["data"]}
    assert names == {"bootstrap"}


# -- the web page ------------------------------------------------------------------------------


def _new_token(html: str) -> str:
    match = re.search(r'id="new-token"[^>]*value="([^"]+)"', html)
    assert match, "no new token in page"
    return match.group(1)


def test_page_requires_login(client):
    response = client.get("/account/tokens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_page_creates_shows_once_and_revokes(client, app, alice):
    login(client, alice)
    page = client.get("/account/tokens")
    assert page.status_code == 200
    assert "You have no token yet." in page.get_data(as_text=True)
    response = client.post("/account/tokens", data={"name": "Spreadsheet", "expires": "90"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = _new_token(html)
    assert secret.startswith("pvs_")
    assert "Spreadsheet" in html
    api = app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    # Shown once: the list page never shows it again.
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and 'id="new-token"' not in again
    row = db.session.scalar(db.select(ApiToken).filter_by(name="Spreadsheet"))
    assert row.expires_at is not None
    revoked = client.post(f"/account/tokens/{row.id}/revoke")
    assert revoked.status_code == 302
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "Revoked" in client.get("/account/tokens").get_data(as_text=True)


def test_page_never_expiring_token(client, alice):
    login(client, alice)
    client.post("/account/tokens", data={"name": "Forever", "expires": "0"})
    assert db.session.scalar(db.select(ApiToken).filter_by(name="Forever")).expires_at is None


def test_page_shows_form_errors(client, alice):
    login(client, alice)
    response = client.post("/account/tokens", data={"name": "", "expires": "7"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_page_cannot_revoke_someone_elses_token(client, alice, bob):
    row, _clear = ApiToken.issue(bob, "bob's")
    db.session.commit()
    login(client, alice)
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 404
    assert db.session.get(ApiToken, row.id).revoked_at is None


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_page_forms_need_csrf(client, alice):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": alice.email, "password": "correct horse battery", "csrf_token": token})
    assert client.post("/account/tokens", data={"name": "x", "expires": "30"}).status_code == 400
    page = client.get("/account/tokens").get_data(as_text=True)
    response = client.post(
        "/account/tokens", data={"name": "x", "expires": "30", "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 201
