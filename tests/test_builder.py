"""The space builder without JavaScript: every action is a plain form (issue 3)."""

from __future__ import annotations

import pytest
from conftest import TEST_PLUGINS, add_member, logout, make_space
from conftest import login as _login

from parvis import WidgetSpec, hookimpl
from parvis.extensions import db
from parvis.models import AuditLog, CompositionVersion, SpacePage
from parvis.services.composition import working_copy


def login(client, user):  # noqa: ANN001, ANN201
    """Sign in as ``user`` (signing out whoever was signed in)."""
    logout(client)
    return _login(client, user)


def _lock(space, slug="home"):  # noqa: ANN001, ANN202
    db.session.expire_all()
    return working_copy(space, slug).page.lock


def _copy(space, slug="home"):  # noqa: ANN001, ANN202
    db.session.expire_all()
    return working_copy(space, slug)


def _widgets(space, slug="home"):  # noqa: ANN001, ANN202
    return [p["widget"] for p in _copy(space, slug).composition.placements]


@pytest.fixture
def team(alice, bob, carol):  # noqa: ANN001, ANN201
    """alice owns it, bob is a member, carol an admin."""
    space = make_space(alice, "team", "public", description="Our team")
    add_member(space, bob, "member")
    add_member(space, carol, "admin")
    return space


# -- who may open the builder ------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, team):
    r = client.get("/s/team/builder/page/home")
    assert r.status_code in (302, 401)


@pytest.mark.parametrize("role,status", [("guest", 403), ("member", 403), ("moderator", 403),
                                         ("admin", 200), ("owner", 200)])
def test_builder_needs_the_settings_permission(client, team, admin, role, status):
    from conftest import make_user

    user = make_user(f"role-{role}@example.org")
    add_member(team, user, role)
    login(client, user)
    assert client.get("/s/team/builder/page/home").status_code == status
    assert client.get("/s/team/builder/theme").status_code == status


def test_platform_admin_and_non_members(client, alice, admin, bob):
    make_space(alice, "open", "public")
    make_space(alice, "closed", "private")
    make_space(alice, "hidden", "secret")
    login(client, bob)
    assert client.get("/s/open/builder/page/home").status_code == 403
    assert client.get("/s/closed/builder/page/home").status_code == 403
    assert client.get("/s/hidden/builder/page/home").status_code == 404
    login(client, admin)
    for slug in ("open", "closed", "hidden"):
        assert client.get(f"/s/{slug}/builder/page/home").status_code == 200


# -- the page canvas ----------------------------------------------------------------------


def test_canvas_shows_regions_palette_and_default_widgets(client, team, alice):
    login(client, alice)
    html = client.get("/s/team/builder/page/home").get_data(as_text=True)
    assert 'data-region="main"' in html and 'data-region="sidebar"' in html
    assert "Sortable.min.js" in html and "js/builder.js" in html
    for label in ("Space description", "Text block", "Links", "Latest posts", "Members"):
        assert label in html
    assert _widgets(team)[0] == "core.description"


def test_add_publish_and_member_sees_it(client, team, alice, bob):
    login(client, alice)
    lock = _lock(team)
    r = client.post("/s/team/builder/page/home/add",
                    data={"widget": "core.links", "region": "sidebar", "lock": lock})
    assert r.status_code == 302 and "edit=" in r.location
    copy = _copy(team)
    assert copy.is_draft and copy.composition.placements[-1]["widget"] == "core.links"
    pid = copy.composition.placements[-1]["id"]
    r = client.post(f"/s/team/builder/page/home/placement/{pid}/settings", data={
        "title": "Useful", "links": "Service public | https://www.service-public.fr", "lock": copy.page.lock})
    assert r.status_code == 302
    # Drafts are not visible to members.
    login(client, bob)
    assert "service-public.fr" not in client.get("/s/team/").get_data(as_text=True)
    login(client, alice)
    r = client.post("/s/team/builder/page/home/publish", data={"lock": _lock(team)})
    assert r.status_code == 302
    login(client, bob)
    html = client.get("/s/team/").get_data(as_text=True)
    assert 'href="https://www.service-public.fr"' in html and "Useful" in html
    versions = db.session.scalars(db.select(CompositionVersion).filter_by(state="published")).all()
    assert [v.number for v in versions] == [1]
    assert db.session.scalar(db.select(AuditLog).filter_by(action="space.page_published")) is not None


def test_invalid_settings_are_refused_and_reshown(client, team, alice):
    login(client, alice)
    client.post("/s/team/builder/page/home/add", data={"widget": "core.members", "region": "main",
                                                      "lock": _lock(team)})
    pid = _copy(team).composition.placements[-1]["id"]
    r = client.post(f"/s/team/builder/page/home/placement/{pid}/settings",
                    data={"limit": "500", "lock": _lock(team)})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'value="500"' in html and "errors" in html
    assert _copy(team).composition.placements[-1]["settings"] == {"limit": 8}


def test_links_refuse_javascript_urls(client, team, alice):
    login(client, alice)
    client.post("/s/team/builder/page/home/add", data={"widget": "core.links", "region": "main",
                                                      "lock": _lock(team)})
    pid = _copy(team).composition.placements[-1]["id"]
    r = client.post(f"/s/team/builder/page/home/placement/{pid}/settings",
                    data={"links": "Evil | javascript:alert(1)", "lock": _lock(team)})
    assert r.status_code == 422 and "Line 1" in r.get_data(as_text=True)


def test_move_up_down_to_region_and_remove(client, team, alice):
    login(client, alice)
    before = _copy(team).composition.placements
    main = [p for p in before if p["region"] == "main"]
    second = main[1]["id"]
    assert client.post(f"/s/team/builder/page/home/placement/{second}",
                       data={"op": "up", "lock": _lock(team)}).status_code == 302
    main_after = [p["id"] for p in _copy(team).composition.placements if p["region"] == "main"]
    assert main_after[0] == second
    assert client.post(f"/s/team/builder/page/home/placement/{second}",
                       data={"op": "down", "lock": _lock(team)}).status_code == 302
    assert [p["id"] for p in _copy(team).composition.placements if p["region"] == "main"][1] == second
    client.post(f"/s/team/builder/page/home/placement/{second}",
                data={"op": "region", "region": "sidebar", "lock": _lock(team)})
    moved = next(p for p in _copy(team).composition.placements if p["id"] == second)
    assert moved["region"] == "sidebar"
    client.post(f"/s/team/builder/page/home/placement/{second}", data={"op": "remove", "lock": _lock(team)})
    assert second not in [p["id"] for p in _copy(team).composition.placements]
    r = client.post(f"/s/team/builder/page/home/placement/{second}", data={"op": "up", "lock": _lock(team)})
    assert r.status_code == 404


def test_move_to_unknown_region_is_refused(client, team, alice):
    login(client, alice)
    pid = _copy(team).composition.placements[0]["id"]
    r = client.post(f"/s/team/builder/page/home/placement/{pid}",
                    data={"op": "region", "region": "nowhere", "lock": _lock(team)})
    assert r.status_code == 422 and "nowhere" in r.get_data(as_text=True)


def test_stale_lock_is_refused_and_nothing_is_written(client, team, alice, carol):
    login(client, alice)
    old = _lock(team)
    client.post("/s/team/builder/page/home/add", data={"widget": "core.text", "region": "main", "lock": old})
    count = len(_copy(team).composition.placements)
    login(client, carol)  # a second admin, working from the page she opened before
    r = client.post("/s/team/builder/page/home/add", data={"widget": "core.links", "region": "main", "lock": old})
    assert r.status_code == 409
    assert "changed by someone else" in r.get_data(as_text=True)
    assert len(_copy(team).composition.placements) == count
    r = client.post("/s/team/builder/page/home/publish", data={"lock": old})
    assert r.status_code == 409


def test_layout_change_moves_orphans_to_first_region(client, team, alice):
    login(client, alice)
    r = client.post("/s/team/builder/page/home/layout", data={"layout": "one-column", "lock": _lock(team)})
    assert r.status_code == 302
    comp = _copy(team).composition
    assert comp.layout == "one-column" and {p["region"] for p in comp.placements} == {"main"}
    r = client.post("/s/team/builder/page/home/layout", data={"layout": "nope", "lock": _lock(team)})
    assert r.status_code == 422


def test_discard_draft(client, team, alice):
    login(client, alice)
    client.post("/s/team/builder/page/home/add", data={"widget": "core.text", "region": "main", "lock": _lock(team)})
    assert _copy(team).is_draft
    client.post("/s/team/builder/page/home/discard", data={"lock": _lock(team)})
    assert not _copy(team).is_draft


def test_history_and_restore(client, team, alice, bob):
    login(client, alice)
    client.post("/s/team/builder/page/home/publish", data={"lock": _lock(team)})  # v1: default
    pid = _copy(team).composition.placements[0]["id"]
    client.post(f"/s/team/builder/page/home/placement/{pid}", data={"op": "remove", "lock": _lock(team)})
    client.post("/s/team/builder/page/home/publish", data={"lock": _lock(team)})  # v2: bad change
    login(client, bob)
    assert "widget--description" not in client.get("/s/team/").get_data(as_text=True)
    login(client, alice)
    html = client.get("/s/team/builder/page/home/history").get_data(as_text=True)
    assert "Version 2" in html and "Version 1" in html
    v1 = db.session.scalar(db.select(CompositionVersion).filter_by(number=1))
    r = client.post(f"/s/team/builder/page/home/restore/{v1.id}", data={"lock": _lock(team)})
    assert r.status_code == 302
    login(client, bob)
    assert "widget--description" in client.get("/s/team/").get_data(as_text=True)
    numbers = sorted(v.number for v in db.session.scalars(db.select(CompositionVersion)))
    assert numbers == [1, 2, 3]
    r = client.post("/s/team/builder/page/home/restore/999999", data={"lock": 0})
    assert r.status_code in (403, 404)


def test_members_cannot_write(client, team, bob):
    login(client, bob)
    for path in ("/s/team/builder/page/home/add", "/s/team/builder/page/home/publish",
                 "/s/team/builder/page/home/save", "/s/team/builder/theme", "/s/team/builder/pages"):
        assert client.post(path, data={"lock": 0}).status_code == 403


# -- drag and drop endpoint ----------------------------------------------------------------


def test_json_save_from_drag_and_drop(client, team, alice):
    import json

    login(client, alice)
    comp = _copy(team).composition.as_dict()
    comp["placements"].append({"region": "sidebar", "widget": "posts.latest", "settings": {}})
    r = client.post("/s/team/builder/page/home/save", headers={"Accept": "application/json"},
                    data={"composition": json.dumps(comp), "lock": _lock(team)})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["lock"] == _lock(team)
    saved = _copy(team).composition.placements[-1]
    assert saved["widget"] == "posts.latest" and saved["settings"] == {"n": 5, "tag": ""} and saved["id"]
    comp["placements"].append({"region": "sidebar", "widget": "nope.widget"})
    r = client.post("/s/team/builder/page/home/save", headers={"Accept": "application/json"},
                    data={"composition": json.dumps(comp), "lock": _lock(team)})
    assert r.status_code == 422
    assert f"placements.{len(comp['placements']) - 1}.widget" in r.json["error"]["fields"]
    r = client.post("/s/team/builder/page/home/save", headers={"Accept": "application/json"},
                    data={"composition": json.dumps(comp), "lock": 0})
    assert r.status_code == 409  # the lock is checked first: told it changed, not what's wrong
    r = client.post("/s/team/builder/page/home/save", headers={"Accept": "application/json"},
                    data={"composition": "{not json", "lock": _lock(team)})
    assert r.status_code == 422


# -- rendering -------------------------------------------------------------------------------


class BrokenWidgets:
    @hookimpl
    def parvis_widgets(self) -> list[WidgetSpec]:
        def explode(ctx):  # noqa: ANN001, ANN202
            raise RuntimeError("boom")

        def bad_load(contexts):  # noqa: ANN001, ANN202
            raise RuntimeError("load boom")

        return [
            WidgetSpec("test.broken", "Broken widget", explode),
            WidgetSpec("test.badload", "Bad loader", lambda ctx: "never", load=bad_load),
        ]


@pytest.mark.config(EXTRA_PLUGINS=[*TEST_PLUGINS, BrokenWidgets()])
def test_failing_widget_is_an_error_box_for_admins_and_hidden_for_members(client, team, alice, bob, caplog):
    import json

    login(client, alice)
    comp = _copy(team).composition.as_dict()
    comp["placements"] += [{"region": "main", "widget": "test.broken"},
                           {"region": "main", "widget": "test.badload"}]
    client.post("/s/team/builder/page/home/save", data={"composition": json.dumps(comp), "lock": _lock(team)})
    client.post("/s/team/builder/page/home/publish", data={"lock": _lock(team)})
    html = client.get("/s/team/").get_data(as_text=True)
    assert html.count("widget--error") == 2 and "Broken widget" in html and "Bad loader" in html
    login(client, bob)
    r = client.get("/s/team/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "widget--error" not in html and "widget--description" in html
    assert "widget test.broken failed" in caplog.text


def test_widget_of_disabled_module_disappears_and_comes_back(client, team, alice, bob):
    import json

    from parvis.services.spaces import set_module_enabled

    login(client, alice)
    comp = _copy(team).composition.as_dict()
    comp["placements"].append({"region": "sidebar", "widget": "wiki.tree"})
    client.post("/s/team/builder/page/home/save", data={"composition": json.dumps(comp), "lock": _lock(team)})
    client.post("/s/team/builder/page/home/publish", data={"lock": _lock(team)})
    login(client, bob)
    assert "widget--wiki-tree" in client.get("/s/team/").get_data(as_text=True) or \
        "wiki" in client.get("/s/team/").get_data(as_text=True)
    set_module_enabled(team, "wiki", False, alice)
    db.session.commit()
    html = client.get("/s/team/").get_data(as_text=True)
    assert "/s/team/wiki" not in html
    login(client, alice)
    canvas = client.get("/s/team/builder/page/home").get_data(as_text=True)
    assert "module off: hidden" in canvas
    set_module_enabled(team, "wiki", True, alice)
    db.session.commit()
    login(client, bob)
    assert "/s/team/wiki" in client.get("/s/team/").get_data(as_text=True)


def test_preview_as_member_and_visitor_at_two_widths(client, team, alice):
    login(client, alice)
    client.post("/s/team/builder/page/home/add", data={"widget": "core.text", "region": "main", "lock": _lock(team)})
    for viewer in ("member", "visitor"):
        for width in ("phone", "desktop"):
            r = client.get(f"/s/team/builder/page/home/preview?as={viewer}&width={width}")
            assert r.status_code == 200
            html = r.get_data(as_text=True)
            assert f"builder-preview--{width}" in html and "widget--text" in html
    visitor = client.get("/s/team/builder/page/home/preview?as=visitor").get_data(as_text=True)
    assert "widget--members" in visitor  # a public space: visitors read it


# -- composed pages ------------------------------------------------------------------------


def test_extra_page_in_navigation(client, team, alice, bob):
    login(client, alice)
    r = client.post("/s/team/builder/pages", data={"title": "Ressources utiles"})
    assert r.status_code == 302 and r.location.endswith("/s/team/builder/page/ressources-utiles")
    login(client, bob)
    home = client.get("/s/team/").get_data(as_text=True)
    assert 'href="/s/team/p/ressources-utiles"' in home and "Ressources utiles" in home
    assert client.get("/s/team/p/ressources-utiles").status_code == 200
    assert client.get("/s/team/p/nope").status_code == 404
    assert client.get("/s/team/p/home").status_code == 404
    login(client, alice)
    page = db.session.scalar(db.select(SpacePage).filter_by(slug="ressources-utiles"))
    client.post(f"/s/team/builder/pages/{page.id}", data={"op": "rename", "title": "Ressources"})
    assert "Ressources" in client.get("/s/team/").get_data(as_text=True)
    client.post(f"/s/team/builder/pages/{page.id}", data={"op": "delete"})
    assert client.get("/s/team/p/ressources-utiles").status_code == 404
    assert 'href="/s/team/p/' not in client.get("/s/team/").get_data(as_text=True)
    assert client.post("/s/team/builder/pages", data={"title": ""}).status_code == 422


def test_extra_page_of_private_space_is_for_members(client, alice, bob, carol):
    space = make_space(alice, "inner", "private")
    add_member(space, bob)
    login(client, alice)
    client.post("/s/inner/builder/pages", data={"title": "Notes"})
    login(client, bob)
    assert client.get("/s/inner/p/notes").status_code == 200
    login(client, carol)
    assert client.get("/s/inner/p/notes").status_code == 403
