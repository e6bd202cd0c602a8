"""A space's settings: general, modules, permissions, archive and deletion."""

from __future__ import annotations

import pytest
from conftest import add_member, login, make_space
from plugins import exercise_module

from parvis.extensions import db
from parvis.models import AuditLog, Membership, Space, SpaceModule, SpacePermission


def _general(**overrides):  # noqa: ANN003, ANN202
    data = {
        "name": "Team space",
        "description": "Our **plans**",
        "visibility": "private",
        "join_policy": "request",
        "layout": "main-sidebar",
        "accent_color": "#1A2B3C",
    }
    data.update(overrides)
    return data


@pytest.fixture
def team(app, alice, bob, carol):  # noqa: ANN001, ANN201
    space = make_space(alice, "team", "private")
    add_member(space, bob, "member")
    add_member(space, carol, "admin")
    return space


def _audit(action: str) -> list[AuditLog]:
    return list(db.session.scalars(db.select(AuditLog).filter_by(action=action)))


# -- general ------------------------------------------------------------------------------


def test_general_settings_saved_and_audited(client, team, carol):
    login(client, carol)
    assert client.get("/s/team/settings").status_code == 200
    r = client.post("/s/team/settings", data=_general(layout="dashboard-grid"))
    assert r.status_code == 302
    db.session.refresh(team)
    assert team.name == "Team space" and team.accent_color == "#1a2b3c"
    assert team.layout == "dashboard-grid" and team.description == "Our **plans**"
    entry = _audit("space.settings_changed")[0]
    assert entry.actor_id == carol.id and entry.details["name"] == ["Team", "Team space"]
    html = client.get("/s/team/").get_data(as_text=True)
    assert "layout--dashboard" in html and "/s/team/accent.css?v=1a2b3c" in html
    assert "--accent: #1a2b3c" in client.get("/s/team/accent.css").get_data(as_text=True)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("accent_color", "red", "#rrggbb"),
        ("accent_color", "#12345g", "#rrggbb"),
        ("name", "", 'id="name-err"'),
        ("name", "n" * 121, "120"),
        ("visibility", "everyone", 'id="visibility-err"'),
        ("layout", "../../etc", 'id="layout-err"'),
    ],
)
def test_general_settings_refuse_bad_input(client, team, alice, field, value, message):
    login(client, alice)
    r = client.post("/s/team/settings", data=_general(**{field: value}))
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    db.session.refresh(team)
    assert team.name == "Team" and team.accent_color is None


@pytest.mark.parametrize("role", ["guest", "member", "moderator"])
def test_settings_forbidden_below_admin(client, team, bob, role):
    db.session.execute(db.update(Membership).filter_by(user_id=bob.id).values(role=role))
    db.session.commit()
    login(client, bob)
    for url in ("/s/team/settings", "/s/team/settings/modules", "/s/team/settings/permissions",
                "/s/team/settings/lifecycle"):
        assert client.get(url).status_code == 403, url
    assert client.post("/s/team/settings", data=_general()).status_code == 403
    assert client.post("/s/team/settings/delete", data={"confirm": "team"}).status_code == 403


# -- modules -------------------------------------------------------------------------------


def test_module_switch_changes_navigation(client, team, carol):
    login(client, carol)
    html = client.get("/s/team/settings/modules").get_data(as_text=True)
    assert "Exercise" in html
    assert ">Exercise</a>" not in client.get("/s/team/").get_data(as_text=True)
    exercise_module.reset()
    r = client.post("/s/team/settings/modules", data={"module": "exercise", "op": "enable"})
    assert r.status_code == 302
    assert exercise_module.calls("parvis_space_module_enabled")
    assert ">Exercise</a>" in client.get("/s/team/").get_data(as_text=True)
    assert client.get("/s/team/exercise/").status_code == 200
    r = client.post("/s/team/settings/modules", data={"module": "exercise", "op": "disable"})
    assert r.status_code == 302
    assert ">Exercise</a>" not in client.get("/s/team/").get_data(as_text=True)
    assert client.get("/s/team/exercise/").status_code == 404
    assert [e.details["module"] for e in _audit("space.module_disabled")] == ["exercise"]
    assert client.post("/s/team/settings/modules", data={"module": "nope", "op": "enable"}).status_code == 400
    assert client.post("/s/team/settings/modules", data={"module": "exercise", "op": "explode"}).status_code == 400


def test_module_order(client, team, carol):
    login(client, carol)
    client.get("/s/team/settings/modules")
    order = lambda: [  # noqa: E731
        r.module_id
        for r in db.session.scalars(
            db.select(SpaceModule).filter_by(space_id=team.id).order_by(SpaceModule.position)
        )
    ]
    before = order()
    assert len(before) >= 2
    last = before[-1]
    assert client.post("/s/team/settings/modules", data={"module": last, "op": "up"}).status_code == 302
    after = order()
    assert after[-2] == last and after[-1] == before[-2]
    # moving the first one up changes nothing and is not an error
    assert client.post("/s/team/settings/modules", data={"module": after[0], "op": "up"}).status_code == 302
    assert order() == after


def test_module_settings_form(client, team, carol):
    login(client, carol)
    assert client.get("/s/team/settings/modules/exercise").status_code == 200
    r = client.post("/s/team/settings/modules/exercise", data={"motto": "Move fast"})
    assert r.status_code == 302
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=team.id, module_id="exercise"))
    assert row.settings["motto"] == "Move fast"
    assert "Move fast" in client.get("/s/team/settings/modules/exercise").get_data(as_text=True)
    assert client.get("/s/team/settings/modules/posts").status_code in (200, 404)
    assert client.get("/s/team/settings/modules/unknown").status_code == 404


# -- permissions ---------------------------------------------------------------------------


def test_permissions_only_store_differences(client, team, alice):
    login(client, alice)
    html = client.get("/s/team/settings/permissions").get_data(as_text=True)
    assert "perm-space.invite" in html and "perm-exercise.act" in html
    assert "perm-space.read" not in html
    r = client.post(
        "/s/team/settings/permissions",
        data={"perm-space.invite": "moderator", "perm-space.comment": "member", "perm-exercise.act": "admin"},
    )
    assert r.status_code == 302
    rows = dict(
        db.session.execute(
            db.select(SpacePermission.action, SpacePermission.min_role).filter_by(space_id=team.id)
        ).all()
    )
    assert rows == {"space.invite": "moderator", "exercise.act": "admin"}
    # Guests stay read-only: opening a write action to them is refused.
    r = client.post("/s/team/settings/permissions", data={"perm-exercise.act": "guest"})
    assert r.status_code == 422
    assert "read-only" in r.get_data(as_text=True)
    # back to the default: the row goes
    client.post("/s/team/settings/permissions", data={"perm-space.invite": "admin"})
    actions = set(db.session.scalars(db.select(SpacePermission.action).filter_by(space_id=team.id)))
    assert actions == {"exercise.act"}
    assert _audit("space.permissions_changed")


def test_permission_override_takes_effect(app, client, team, alice, bob):
    login(client, alice)
    client.post("/s/team/settings/permissions", data={"perm-space.invite": "member"})
    member = app.test_client()
    login(member, bob)
    r = member.post("/s/team/invite", data={"emails": "friend@example.org", "role": "member"})
    assert r.status_code == 302


def test_permissions_refuse_bad_input_and_escalation(client, team, carol):
    login(client, carol)
    r = client.post("/s/team/settings/permissions", data={"perm-space.invite": "emperor"})
    assert r.status_code == 422 and "Unknown role" in r.get_data(as_text=True)
    r = client.post("/s/team/settings/permissions", data={"perm-space.invite": "owner"})
    assert r.status_code == 422 and "above your own" in r.get_data(as_text=True)
    # an admin cannot lower an owner-only action to grant it to themselves
    r = client.post("/s/team/settings/permissions", data={"perm-space.delete": "admin"})
    assert r.status_code == 302
    assert db.session.scalar(db.select(SpacePermission).filter_by(space_id=team.id)) is None


# -- archive and delete --------------------------------------------------------------------


def test_archive_and_reactivate(app, client, team, alice, bob, carol):
    login(client, carol)  # admin: space.delete is owner-only by default
    assert client.post("/s/team/settings/archive", data={"op": "archive"}).status_code == 403
    owner = app.test_client()
    login(owner, alice)
    assert owner.post("/s/team/settings/archive", data={"op": "archive"}).status_code == 302
    db.session.refresh(team)
    assert team.status == "archived"
    # archived: members still read; nobody writes; the owner can still reach the lifecycle page
    member = app.test_client()
    login(member, bob)
    assert member.get("/s/team/").status_code == 200
    assert owner.get("/s/team/settings").status_code == 302
    assert owner.get("/s/team/settings/lifecycle").status_code == 200
    assert owner.post("/s/team/settings", data=_general()).status_code == 302  # redirected, not saved
    db.session.refresh(team)
    assert team.name == "Team"
    # Platform admins do not write in an archived space either (they may reactivate it).
    from conftest import make_user

    from parvis.services.permissions import can

    root = make_user("root@example.org", role="admin")
    assert root.is_platform_admin and can(root, "space.read", team)
    assert not can(root, "space.settings", team) and not can(root, "posts.create", team)
    admin_client = app.test_client()
    login(admin_client, root)
    assert admin_client.get("/s/team/settings/lifecycle").status_code == 200
    assert owner.post("/s/team/settings/archive", data={"op": "archive"}).status_code == 409
    assert owner.post("/s/team/settings/archive", data={"op": "reactivate"}).status_code == 302
    db.session.refresh(team)
    assert team.status == "active"
    assert _audit("space.archived") and _audit("space.reactivated")


def test_delete_needs_owner_and_typed_slug(app, client, team, alice, carol):
    login(client, carol)
    assert client.post("/s/team/settings/delete", data={"confirm": "team"}).status_code == 403
    owner = app.test_client()
    login(owner, alice)
    r = owner.post("/s/team/settings/delete", data={"confirm": "Team"})
    assert r.status_code == 422 and "Type exactly" in r.get_data(as_text=True)
    assert db.session.get(Space, team.id) is not None
    exercise_module.reset()
    space_id = team.id
    r = owner.post("/s/team/settings/delete", data={"confirm": "team"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Space, space_id) is None
    assert exercise_module.calls("parvis_space_deleted")
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership).filter_by(space_id=space_id)) == 0
    assert _audit("space.deleted")[0].details["slug"] == "team"
    assert owner.get("/s/team/").status_code == 404


def test_platform_admin_deletes_any_space(client, alice, admin):
    make_space(alice, "hidden", "secret")
    login(client, admin)
    assert client.post("/s/hidden/settings/delete", data={"confirm": "hidden"}).status_code == 302
    assert db.session.scalar(db.select(Space).filter_by(slug="hidden")) is None


def test_secret_settings_404_for_non_members(client, alice, bob):
    make_space(alice, "hidden", "secret")
    login(client, bob)
    for url in ("/s/hidden/settings", "/s/hidden/settings/permissions", "/s/hidden/settings/lifecycle"):
        assert client.get(url).status_code == 404
    assert client.post("/s/hidden/settings/delete", data={"confirm": "hidden"}).status_code == 404


def test_deleting_a_space_deletes_its_stored_files(app, client, alice, tmp_path):
    """Attachments, logo and banner leave the storage with the space (state data must
    not linger on disk after the space is gone)."""
    import io

    from werkzeug.datastructures import FileStorage

    from parvis.services.attachments import save_upload
    from parvis.storage import LocalStorage

    storage = LocalStorage(tmp_path / "files")
    app.extensions["parvis_storage"] = storage
    space = make_space(alice, "gone", "private")
    kept = make_space(alice, "kept", "private")
    files = [
        save_upload(FileStorage(io.BytesIO(b"minutes of the board"), "cr.txt"), space=s, uploader=alice)
        for s in (space, kept)
    ]
    space.banner_key = storage.save(io.BytesIO(b"banner bytes"), content_type="image/png")
    db.session.commit()
    doomed = [files[0].storage_key, space.banner_key]
    assert all(storage.exists(k) for k in doomed)
    login(client, alice)
    assert client.post("/s/gone/settings/delete", data={"confirm": "gone"}).status_code == 302
    assert not any(storage.exists(k) for k in doomed)
    assert storage.exists(files[1].storage_key)  # another space's file stays
