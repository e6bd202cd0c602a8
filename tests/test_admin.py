"""Platform administration: access, users, audit log, platform-wide module switch."""

from __future__ import annotations

import pytest
from conftest import login, make_app, make_space, make_user

from parvis.extensions import db
from parvis.models import AuditLog, PlatformSetting, User, UserSession
from parvis.models.platform import read_disabled_modules
from parvis.services.spaces import enabled_modules
from parvis.space_context import module_enabled

ADMIN_ONLY = ("/admin/users", "/admin/audit", "/admin/modules")


def test_anonymous_and_users_get_404(client, alice):
    for url in ("/admin/", "/admin/requests", *ADMIN_ONLY):
        assert client.get(url).status_code == 404, url
    login(client, alice)
    for url in ("/admin/", "/admin/requests", *ADMIN_ONLY):
        assert client.get(url).status_code == 404, url
    assert client.post("/admin/modules/posts", data={"op": "off"}).status_code == 404


def test_space_owner_is_not_an_administrator(client, alice):
    make_space(alice, "mine", "public")
    login(client, alice)
    assert client.get("/admin/").status_code == 404
    assert "Administration" not in client.get("/").get_data(as_text=True)


def test_community_manager_sees_requests_only(client, manager, alice):
    login(client, manager)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/requests").status_code == 200
    for url in ADMIN_ONLY:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/users/{alice.id}/active", data={"op": "deactivate"}).status_code == 404


def test_platform_admin_sees_everything(client, admin):
    login(client, admin)
    for url in ("/admin/", "/admin/requests", *ADMIN_ONLY):
        assert client.get(url).status_code == 200, url


# -- users ---------------------------------------------------------------------------------


def test_user_search_and_role_change(client, admin, alice, bob):
    login(client, admin)
    html = client.get("/admin/users?q=alice").get_data(as_text=True)
    assert "alice@example.org" in html and "bob@example.org" not in html
    r = client.post(f"/admin/users/{bob.id}/role", data={"role": "community_manager"})
    assert r.status_code == 302
    db.session.refresh(bob)
    assert bob.platform_role == "community_manager"
    entry = db.session.scalar(db.select(AuditLog).filter_by(action="user.platform_role_changed"))
    assert entry.target_id == bob.id and entry.details == {"from": "user", "to": "community_manager"}
    assert client.post(f"/admin/users/{bob.id}/role", data={"role": "god"}).status_code == 400
    assert client.post(f"/admin/users/{admin.id}/role", data={"role": "user"}).status_code == 409
    assert client.post("/admin/users/999999/role", data={"role": "user"}).status_code == 404


def test_deactivate_ends_sessions_and_reactivate(app, client, admin, bob):
    browser = app.test_client()
    login(browser, bob)
    assert "Bob Durand" in browser.get("/").get_data(as_text=True)
    login(client, admin)
    r = client.post(f"/admin/users/{bob.id}/active", data={"op": "deactivate"})
    assert r.status_code == 302
    db.session.refresh(bob)
    assert bob.active is False
    assert db.session.scalar(db.select(db.func.count()).select_from(UserSession).filter_by(user_id=bob.id)) == 0
    assert "Bob Durand" not in browser.get("/").get_data(as_text=True)
    assert login(browser, bob).status_code != 302  # refused: stays on the login form
    assert client.post(f"/admin/users/{admin.id}/active", data={"op": "deactivate"}).status_code == 409
    assert client.post(f"/admin/users/{bob.id}/active", data={"op": "reactivate"}).status_code == 302
    db.session.refresh(bob)
    assert bob.active is True
    assert login(browser, bob).status_code == 302


def test_users_pagination(client, admin):
    for n in range(55):
        db.session.add(User(email=f"u{n:02d}@example.org", username=f"u{n:02d}", name=f"User {n:02d}"))
    db.session.commit()
    login(client, admin)
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Page 1 of 2" in html
    assert "u54@example.org" in client.get("/admin/users?page=2").get_data(as_text=True)


# -- audit log -----------------------------------------------------------------------------


def test_audit_log_paginated_and_filtered(client, admin, alice):
    for n in range(60):
        db.session.add(AuditLog(action="test.thing" if n % 2 else "space.other", actor_id=alice.id, details={"n": n}))
    db.session.commit()
    login(client, admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Page 1 of 2" in html and "Alice Martin" in html
    html = client.get("/admin/audit?action=test.").get_data(as_text=True)
    assert "test.thing" in html and "space.other" not in html
    assert client.get("/admin/audit?page=2").status_code == 200


# -- platform-wide module switch -----------------------------------------------------------


def test_switch_module_off_platform_wide(app, client, admin, alice, database_url, instance_dir):
    space = make_space(alice, "mods", "public")
    assert module_enabled(space, "posts")
    login(client, admin)
    html = client.get("/admin/modules").get_data(as_text=True)
    assert "posts" in html and "Active" in html
    r = client.post("/admin/modules/posts", data={"op": "off"})
    assert r.status_code == 302
    assert PlatformSetting.get_value("disabled_modules") == ["posts"]
    assert read_disabled_modules(database_url) == ["posts"]
    # at once: routes 404 and the module leaves every space's navigation
    assert client.get("/s/mods/posts/").status_code == 404
    assert "posts" not in [spec.id for spec, _row in enabled_modules(space)]
    assert "restart" in client.get("/admin/modules").get_data(as_text=True)
    assert db.session.scalar(db.select(AuditLog).filter_by(action="platform.module_switched_off"))
    # the next start never loads it
    restarted = make_app(database_url, instance_dir)
    assert restarted.extensions["parvis"].module("posts") is None
    assert "posts" in restarted.config["DISABLED_MODULES"]
    # switching it back on
    assert client.post("/admin/modules/posts", data={"op": "on"}).status_code == 302
    assert PlatformSetting.get_value("disabled_modules") == []
    again = make_app(database_url, instance_dir)
    assert again.extensions["parvis"].module("posts") is not None


def test_switch_unknown_module(client, admin):
    login(client, admin)
    assert client.post("/admin/modules/not-installed", data={"op": "off"}).status_code == 404
    assert client.post("/admin/modules/posts", data={"op": "sideways"}).status_code == 400


def test_read_disabled_modules_tolerates_fresh_database(tmp_path):
    assert read_disabled_modules(f"sqlite:///{tmp_path / 'missing.db'}") == []
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    create_engine(url).connect().close()
    assert read_disabled_modules(url) == []


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_cm_and_admin_decide_requests(request, client, alice, who):
    user = request.getfixturevalue(who)
    from parvis.services.membership import request_space

    req = request_space(alice, name="Decided", slug="decided")
    db.session.commit()
    login(client, user)
    assert client.post(f"/admin/requests/{req.id}/approve", data={}).status_code == 302
    db.session.refresh(req)
    assert req.status == "approved" and req.decided_by_id == user.id
    make_user("zz@example.org")
