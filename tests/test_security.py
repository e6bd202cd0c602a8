"""Core security behaviour: CSRF everywhere, server-side sessions, rate limits, headers,
open redirects and markdown sanitising.

The CSRF test walks ``app.url_map``: a state-changing route added later is checked too.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from conftest import PASSWORD, csrf_token_from, login, logout, make_space
from flask import Flask
from flask.testing import FlaskClient
from test_authorization_walk import fill

from parvis.extensions import db
from parvis.models import ApiToken, UserSession
from parvis.plugins.manager import current_platform
from parvis.services.markdown import render_markdown

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _signin_with_csrf(client: FlaskClient, user: Any) -> None:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session", domain=client.application.config["SERVER_NAME"])
    assert cookie is not None
    return cookie.value


def _is_signed_in(app: Flask, cookie: str) -> bool:
    """Does a fresh browser carrying only ``cookie`` reach a signed-in page?"""
    other = app.test_client()
    other.set_cookie("session", cookie, domain=app.config["SERVER_NAME"])
    return other.get("/account/sessions").status_code == 200


# -- CSRF ------------------------------------------------------------------------------------


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_every_state_changing_route_needs_a_csrf_token(app: Flask, client: FlaskClient, admin: Any, alice: Any) -> None:
    modules = [m.id for m in current_platform().ordered_modules()]
    space = make_space(alice, "guarded", "public", modules=modules)
    _signin_with_csrf(client, admin)  # a platform admin: nothing else refuses first
    checked, failures = 0, []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in WRITE_METHODS:
            if method not in (rule.methods or ()):
                continue
            path = rule.build(fill(rule, space), append_unknown=False)[1]
            kwargs = {"json": {}} if path.startswith("/api/") else {"data": {"x": "1"}}
            response = client.open(path, method=method, **kwargs)
            checked += 1
            if response.status_code != 400:
                failures.append(f"{method} {path} [{rule.endpoint}] = {response.status_code}")
    assert checked > 30
    assert not failures, "accepted without a CSRF token:\n" + "\n".join(failures)
    assert _is_signed_in(app, _session_cookie(client))  # the walk did not sign us out


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_csrf_error_is_a_page_and_a_json_error(client: FlaskClient, alice: Any) -> None:
    _signin_with_csrf(client, alice)
    page = client.post("/account/sessions/end")
    assert page.status_code == 400
    assert "<html" in page.get_data(as_text=True)
    api = client.post("/api/v1/tokens", json={"name": "x"})
    assert api.status_code == 400
    assert "CSRF" in api.get_json()["error"]["message"]


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_bearer_requests_need_no_csrf_token(app: Flask, client: FlaskClient, alice: Any) -> None:
    make_space(alice, "open-door", "public", join_policy="open")
    _token, clear = ApiToken.issue(alice, "script")
    db.session.commit()
    response = client.post("/api/v1/tokens", json={"name": "second"}, headers={"Authorization": f"Bearer {clear}"})
    assert response.status_code != 400 or "CSRF" not in response.get_data(as_text=True)
    assert response.status_code < 500


# -- server-side sessions --------------------------------------------------------------------


def test_copied_cookie_is_dead_after_logout(app: Flask, client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    cookie = _session_cookie(client)
    assert _is_signed_in(app, cookie)
    logout(client)
    assert not _is_signed_in(app, cookie)
    assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 0


def test_password_change_ends_other_sessions(app: Flask, alice: Any) -> None:
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, alice)
    login(phone, alice)
    phone_cookie = _session_cookie(phone)
    response = laptop.post(
        "/account/password",
        data={"current": PASSWORD, "password": "a brand new passphrase", "confirm": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert not _is_signed_in(app, phone_cookie)
    assert laptop.get("/account/sessions").status_code == 200  # this browser got a fresh session
    assert login(app.test_client(), alice, "a brand new passphrase").status_code == 302


def test_ending_a_session_from_the_sessions_page_kills_it(app: Flask, alice: Any) -> None:
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, alice)
    login(phone, alice)
    phone_cookie = _session_cookie(phone)
    page = laptop.get("/account/sessions").get_data(as_text=True)
    ids = db.session.scalars(db.select(UserSession.id).filter_by(user_id=alice.id)).all()
    assert len(ids) == 2
    others = [sid for sid in ids if f'value="{sid}"' in page]
    assert len(others) == 1  # the laptop's own session has no "End" button
    assert laptop.post("/account/sessions/end", data={"session_id": others[0]}).status_code == 302
    assert not _is_signed_in(app, phone_cookie)
    assert laptop.get("/account/sessions").status_code == 200


def test_session_cookie_holds_no_user_id(app: Flask, client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    data = serializer.loads(_session_cookie(client))
    session_id = db.session.scalar(db.select(UserSession.id).filter_by(user_id=alice.id))
    assert data["_user_id"] == session_id
    assert str(alice.id) != data["_user_id"]


def test_deactivated_user_is_signed_out(app: Flask, client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    alice.active = False
    db.session.commit()
    assert client.get("/account/sessions").status_code == 302


# -- rate limits -------------------------------------------------------------------------------


@pytest.mark.config(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
def test_login_is_rate_limited(client: FlaskClient, alice: Any) -> None:
    codes = [login(client, alice, "wrong password!").status_code for _ in range(4)]
    assert codes[:3] == [422, 422, 422]
    assert codes[3] == 429
    assert login(client, alice).status_code == 429  # even with the right password, for now


# -- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login", "/nowhere", "/api/v1/me"])
def test_security_headers(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-eval'" not in csp
    assert "'unsafe-inline'" not in directives["script-src"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"]


def test_session_cookie_flags(client: FlaskClient, alice: Any) -> None:
    response = login(client, alice)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# -- open redirects ---------------------------------------------------------------------------

EVIL = ["//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)", "http:evil.example"]


@pytest.mark.parametrize("target", EVIL)
def test_login_next_refuses_other_sites(client: FlaskClient, alice: Any, target: str) -> None:
    response = client.post("/login", query_string={"next": target}, data={"email": alice.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and "javascript" not in location


def test_login_next_follows_local_paths(client: FlaskClient, alice: Any) -> None:
    response = client.post("/login", query_string={"next": "/spaces?q=x"}, data={"email": alice.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/spaces?q=x")


@pytest.mark.parametrize("target", EVIL)
def test_language_switch_refuses_other_sites(client: FlaskClient, target: str) -> None:
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


# -- markdown -----------------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    '<img src="x" onerror="alert(1)">',
    "![x](x onerror=alert(1))",
    '![x](x "a" onerror="alert(1)")',
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\nscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "<javascript:alert(1)>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<iframe src=//evil.example></iframe>",
    '<svg onload="alert(1)">',
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "![x](data:image/svg+xml;base64,PHN2Zz4=)",
    "| a |\n|---|\n| <b onmouseover=alert(1)>x</b> |",
]


class _Tags(HTMLParser):
    """Collects the tags and attributes of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def dangerous_html(html: str) -> list[str]:
    """Scripting vectors left in ``html``: tags, event attributes, script URLs."""
    parser = _Tags()
    parser.feed(html)
    found = []
    for tag, attrs in parser.tags:
        if tag in {"script", "iframe", "svg", "object", "embed", "style", "form", "math"}:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in {"style", "srcdoc", "formaction"}:
                found.append(f"{tag}[{name}]")
            url = "".join(value.split()).lower()
            if name in {"href", "src", "action"} and url.startswith(("javascript:", "data:", "vbscript:")):
                found.append(f"{tag}[{name}={value}]")
    return found


@pytest.mark.parametrize("source", HOSTILE)
def test_markdown_is_sanitised(app: Flask, source: str) -> None:
    assert dangerous_html(str(render_markdown(source))) == []


def test_markdown_links_are_safe(app: Flask) -> None:
    html = str(render_markdown("[site](https://example.org) and https://auto.example"))
    assert 'href="https://example.org"' in html
    assert "noopener" in html and "nofollow" in html


def test_markdown_in_a_page_is_sanitised(client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    alice.bio = "Hi <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"
    db.session.commit()
    html = client.get(f"/people/{alice.id}").get_data(as_text=True)
    assert "Hi " in html
    assert dangerous_html(html.split('class="prose"', 1)[1].split("</div>", 1)[0]) == []
