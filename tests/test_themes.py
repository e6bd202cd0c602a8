"""Themes: discovery, the accent colour's WCAG AA contrast check, the theme tab."""

from __future__ import annotations

import pytest
from conftest import add_member, logout, make_space
from conftest import login as _login
from flask import current_app

from parvis.extensions import db
from parvis.models import AuditLog
from parvis.themes import (
    accent_problems,
    contrast_ratio,
    discover_themes,
    relative_luminance,
    theme_colours,
)


def login(client, user):  # noqa: ANN001, ANN201
    logout(client)
    return _login(client, user)


def test_three_themes_ship(app):
    themes = discover_themes(current_app)
    assert {"default", "dark", "high-contrast"} <= set(themes)
    assert theme_colours(themes["dark"])["bg"] == "#121417"


def test_wcag_formulas():
    assert relative_luminance("#ffffff") == pytest.approx(1.0)
    assert relative_luminance("#000000") == pytest.approx(0.0)
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_accent_problems_name_the_ratio(app):
    themes = discover_themes(current_app)
    assert accent_problems("#000091", themes["default"]) == []
    problems = accent_problems("#ffdd00", themes["default"])
    assert problems and "4.5:1" in problems[0] and "1." in problems[0]
    # The dark theme writes dark text on the accent: a light accent passes there.
    assert accent_problems("#8fb3ff", themes["dark"]) == []
    assert accent_problems("#000091", themes["dark"])


@pytest.fixture
def team(alice, bob):  # noqa: ANN001, ANN201
    space = make_space(alice, "team", "public")
    add_member(space, bob)
    return space


def test_theme_tab_saves_theme_and_accent(client, team, alice, bob):
    login(client, alice)
    assert client.get("/s/team/builder/theme").status_code == 200
    r = client.post("/s/team/builder/theme", data={"theme": "high-contrast", "accent_color": "#1A2B3C"})
    assert r.status_code == 302
    db.session.refresh(team)
    assert team.theme == "high-contrast" and team.accent_color == "#1a2b3c"
    assert db.session.scalar(db.select(AuditLog).filter_by(action="space.theme_changed")) is not None
    login(client, bob)
    html = client.get("/s/team/").get_data(as_text=True)
    assert "/themes/high-contrast.css" in html and "/s/team/accent.css?v=1a2b3c" in html
    css = client.get("/s/team/accent.css?v=1a2b3c")
    assert css.status_code == 200 and "--accent: #1a2b3c" in css.get_data(as_text=True)
    assert 'style="' not in html.split("<main")[0].split("</head>")[1]  # no inline style in the header


def test_unreadable_accent_is_refused_with_its_ratio(client, team, alice):
    login(client, alice)
    r = client.post("/s/team/builder/theme", data={"theme": "default", "accent_color": "#ffdd00"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "4.5:1" in html and "#ffdd00" in html
    db.session.refresh(team)
    assert team.accent_color is None
    r = client.post("/s/team/builder/theme", data={"theme": "nope", "accent_color": ""})
    assert r.status_code == 422
    r = client.post("/s/team/builder/theme", data={"theme": "default", "accent_color": "blue"})
    assert r.status_code == 422


def test_general_settings_check_the_accent_too(client, team, alice):
    login(client, alice)
    r = client.post("/s/team/settings", data={
        "name": "Team", "description": "", "visibility": "public", "join_policy": "request",
        "layout": "main-sidebar", "accent_color": "#eeeeee"})
    assert r.status_code == 422 and "4.5:1" in r.get_data(as_text=True)


def test_accent_css_of_secret_space_is_hidden(client, alice, bob):
    space = make_space(alice, "hidden", "secret")
    space.accent_color = "#1a2b3c"
    db.session.commit()
    login(client, bob)
    assert client.get("/s/hidden/accent.css").status_code == 404


def test_banner_upload_and_removal(client, team, alice):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 0, 145)).save(buffer, "PNG")
    login(client, alice)
    r = client.post("/s/team/builder/image/banner",
                    data={"image": (io.BytesIO(buffer.getvalue()), "banner.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    db.session.refresh(team)
    assert team.banner_key
    assert "space-header__banner" in client.get("/s/team/").get_data(as_text=True)
    r = client.post("/s/team/builder/image/banner", data={"remove": "1"})
    db.session.refresh(team)
    assert team.banner_key is None
    r = client.post("/s/team/builder/image/banner",
                    data={"image": (io.BytesIO(b"not an image"), "x.png")}, content_type="multipart/form-data")
    assert r.status_code in (302, 303)
    assert client.post("/s/team/builder/image/nope", data={}).status_code == 404
