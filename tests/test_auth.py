"""Accounts: registration, sign-in, password reset, profile, sessions, language."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from conftest import PASSWORD, login, logout
from flask import Flask
from flask.testing import FlaskClient

from parvis.extensions import db
from parvis.models import AuditLog, User, UserSession
from parvis.services import mail

NEW_PASSWORD = "another long passphrase"


def _html(response: Any) -> str:
    return response.get_data(as_text=True)


# -- registration ----------------------------------------------------------------------------


def _register(client: FlaskClient, email: str = "dora@example.org", password: str = PASSWORD, **extra: str) -> Any:
    data = {"name": "Dora Explorer", "email": email, "password": password, "confirm": password, **extra}
    return client.post("/register", data=data)


def test_registration_creates_an_account_and_signs_in(client: FlaskClient) -> None:
    assert client.get("/register").status_code == 200
    response = _register(client, email="Dora@Example.org")
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="dora@example.org"))
    assert user is not None and user.name == "Dora Explorer"
    assert user.username == "dora.explorer"
    assert user.check_password(PASSWORD) and user.password_hash != PASSWORD
    assert "Dora Explorer" in _html(client.get("/"))


@pytest.mark.config(REGISTRATION_OPEN=False)
def test_registration_switched_off(client: FlaskClient) -> None:
    assert client.get("/register").status_code == 404
    assert _register(client).status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
    assert 'href="/register"' not in _html(client.get("/login"))


def test_registration_duplicate_email(client: FlaskClient, alice: Any) -> None:
    response = _register(client, email="ALICE@example.org")
    assert response.status_code == 422
    assert "An account already exists with this e-mail address." in _html(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_registration_weak_password(client: FlaskClient) -> None:
    response = _register(client, password="short")
    assert response.status_code == 422
    assert "Use between 10 and 256 characters." in _html(response)
    assert db.session.scalar(db.select(User).filter_by(email="dora@example.org")) is None


def test_registration_passwords_differ(client: FlaskClient) -> None:
    response = _register(client, confirm="something else entirely")
    assert response.status_code == 422
    assert "The passwords differ." in _html(response)


def test_registration_keeps_local_next(client: FlaskClient) -> None:
    response = client.post(
        "/register?next=/spaces",
        data={"name": "Dora", "email": "d@example.org", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.headers["Location"].endswith("/spaces")


# -- sign in and out -----------------------------------------------------------------------------


def test_login_wrong_password(client: FlaskClient, alice: Any) -> None:
    response = login(client, alice, "not the password")
    assert response.status_code == 422
    assert "Unknown e-mail address or wrong password." in _html(response)
    assert client.get("/account/sessions").status_code == 302


def test_login_unknown_email_same_message(client: FlaskClient) -> None:
    response = login(client, "nobody@example.org")
    assert response.status_code == 422
    assert "Unknown e-mail address or wrong password." in _html(response)


def test_login_inactive_account(client: FlaskClient, alice: Any) -> None:
    alice.active = False
    db.session.commit()
    assert login(client, alice).status_code == 422


def test_login_creates_a_server_side_session_and_logout_deletes_it(client: FlaskClient, alice: Any) -> None:
    assert login(client, alice).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 1
    response = logout(client)
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 0
    assert client.get("/account/sessions").status_code == 302


def test_signed_in_user_visiting_login_goes_home(client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    assert client.get("/login").status_code == 302


def test_protected_page_sends_to_login_with_next(client: FlaskClient) -> None:
    response = client.get("/account/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert "next=" in response.headers["Location"]


# -- password reset ------------------------------------------------------------------------------


def _reset_link() -> str:
    assert mail.OUTBOX, "no e-mail sent"
    body = mail.OUTBOX[-1].get_content()
    match = re.search(r"https?://\S+/password/reset/\S+", body)
    assert match, body
    return match.group(0).split("parvis.test", 1)[1]


def test_password_reset_flow(client: FlaskClient, alice: Any) -> None:
    response = client.post("/password/reset", data={"email": "alice@example.org"})
    assert response.status_code == 302
    assert mail.OUTBOX[-1]["To"] == "alice@example.org"
    link = _reset_link()
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert login(client, alice).status_code == 422  # the old password is gone
    assert login(client, alice, NEW_PASSWORD).status_code == 302
    assert db.session.scalar(db.select(AuditLog).filter_by(action="user.password_reset")) is not None
    # The link works once.
    logout(client)
    again = client.get(link)
    assert again.status_code == 400
    assert "The link is invalid or has already been used." in _html(again)
    assert client.post(link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"}).status_code == 400


def test_password_reset_ends_every_session(app: Flask, client: FlaskClient, alice: Any) -> None:
    other = app.test_client()
    login(other, alice)
    client.post("/password/reset", data={"email": alice.email})
    client.post(_reset_link(), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert other.get("/account/sessions").status_code == 302


def test_password_reset_unknown_address_says_the_same(client: FlaskClient, alice: Any) -> None:
    known = client.post("/password/reset", data={"email": alice.email}, follow_redirects=True)
    unknown = client.post("/password/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    message = "If an account uses this address, a reset link has been sent to it."
    assert message in _html(known) and message in _html(unknown)
    assert len(mail.OUTBOX) == 1


def test_password_reset_expired_link(client: FlaskClient, alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import itsdangerous.timed

    real = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - 3 * 3600)
    client.post("/password/reset", data={"email": alice.email})
    monkeypatch.setattr(itsdangerous.timed.time, "time", real)
    response = client.get(_reset_link())
    assert response.status_code == 400
    assert "The link has expired." in _html(response)


def test_password_reset_tampered_link(client: FlaskClient, alice: Any) -> None:
    client.post("/password/reset", data={"email": alice.email})
    response = client.get(_reset_link() + "x")
    assert response.status_code == 400


def test_password_reset_weak_password(client: FlaskClient, alice: Any) -> None:
    client.post("/password/reset", data={"email": alice.email})
    response = client.post(_reset_link(), data={"password": "short", "confirm": "short"})
    assert response.status_code == 422
    assert alice.check_password(PASSWORD)


# -- change password -------------------------------------------------------------------------------


def test_change_password_needs_the_current_one(client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    assert client.get("/account/password").status_code == 200
    response = client.post(
        "/account/password", data={"current": "wrong one!", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 422
    assert "This is not your current password." in _html(response)
    db.session.refresh(alice)
    assert alice.check_password(PASSWORD)


# -- profile ---------------------------------------------------------------------------------------


def _profile_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Alice Martin",
        "username": "alice",
        "job_title": "Data officer",
        "organisation": "DINUM",
        "expertise": "",
        "bio": "",
        "locale": "fr",
    }
    data.update(overrides)
    return data


def test_profile_edit(client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    form = client.get("/account/profile")
    assert form.status_code == 200
    response = client.post(
        "/account/profile",
        data=_profile_data(username="Alice.M", expertise="open data, GIS,  open data , ,accessibility"),
    )
    assert response.status_code == 302
    db.session.refresh(alice)
    assert alice.username == "alice.m"  # handles are lowercase, as @mentions are matched
    assert alice.expertise == ["open data", "GIS", "accessibility"]
    assert alice.job_title == "Data officer"
    page = _html(client.get(f"/people/{alice.id}"))
    for tag in ("open data", "GIS", "accessibility"):
        assert f'<li class="tag">{tag}</li>' in page
    assert "Data officer" in page


def test_profile_username_must_be_unique(client: FlaskClient, alice: Any, bob: Any) -> None:
    login(client, alice)
    for taken in (bob.username, bob.username.upper()):
        response = client.post("/account/profile", data=_profile_data(username=taken))
        assert response.status_code == 422
        assert "This username is already taken." in _html(response)
    db.session.refresh(alice)
    assert alice.username != bob.username


def test_profile_username_format(client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    response = client.post("/account/profile", data=_profile_data(username="no spaces please"))
    assert response.status_code == 422
    assert "Letters, digits, dots and dashes only." in _html(response)


def test_profile_of_unknown_person(client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    assert client.get("/people/999999").status_code == 404


def test_profile_hides_secret_spaces(client: FlaskClient, alice: Any, bob: Any) -> None:
    from conftest import make_space

    make_space(bob, "hidden-club", "secret", name="Hidden club")
    make_space(bob, "open-club", "public", name="Open club")
    login(client, alice)
    page = _html(client.get(f"/people/{bob.id}"))
    assert "Open club" in page
    assert "Hidden club" not in page


# -- sessions --------------------------------------------------------------------------------------


def test_sessions_page_lists_and_ends_others(app: Flask, alice: Any) -> None:
    laptop, phone, tablet = (app.test_client() for _ in range(3))
    for client in (laptop, phone, tablet):
        login(client, alice)
    page = _html(laptop.get("/account/sessions"))
    assert page.count("<tr>") == 1 + 3  # header row + one per session
    assert "This session" in page
    response = laptop.post("/account/sessions/end")
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 1
    assert phone.get("/account/sessions").status_code == 302
    assert tablet.get("/account/sessions").status_code == 302
    assert laptop.get("/account/sessions").status_code == 200


def test_cannot_end_the_current_session_by_id(client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    session_id = db.session.scalar(db.select(UserSession.id))
    assert client.post("/account/sessions/end", data={"session_id": session_id}).status_code == 400


def test_cannot_end_someone_elses_session(app: Flask, alice: Any, bob: Any) -> None:
    mine, theirs = app.test_client(), app.test_client()
    login(mine, alice)
    login(theirs, bob)
    bob_session = db.session.scalar(db.select(UserSession.id).filter_by(user_id=bob.id))
    mine.post("/account/sessions/end", data={"session_id": bob_session})
    assert theirs.get("/account/sessions").status_code == 200


# -- language --------------------------------------------------------------------------------------


@pytest.mark.config(BABEL_DEFAULT_LOCALE="fr")  # the product default (conftest uses English)
def test_default_language_is_french(client: FlaskClient) -> None:
    assert '<html lang="fr">' in _html(client.get("/"))


def test_browser_language_is_honoured(client: FlaskClient) -> None:
    assert '<html lang="en">' in _html(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}))


def test_language_switch_sets_cookie_and_page_language(client: FlaskClient) -> None:
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    cookie = client.get_cookie("parvis_lang", domain="parvis.test")
    assert cookie is not None and cookie.value == "en"
    assert '<html lang="en">' in _html(client.get("/login"))
    client.post("/language", data={"lang": "fr"})
    assert '<html lang="fr">' in _html(client.get("/login"))


def test_language_switch_refuses_unknown_language(client: FlaskClient) -> None:
    assert client.post("/language", data={"lang": "xx"}).status_code == 400


def test_language_choice_is_kept_on_the_account(app: Flask, client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    client.post("/language", data={"lang": "en"})
    db.session.refresh(alice)
    assert alice.locale == "en"
    other = app.test_client()  # another browser, no cookie
    login(other, alice)
    assert '<html lang="en">' in _html(other.get("/"))
