"""A space's home: layouts, composition, visibility per role, joining and leaving."""

from __future__ import annotations

import pytest
from conftest import TEST_PLUGINS, add_member, login, make_space
from plugins import exercise_module

from parvis import WidgetSpec, hookimpl
from parvis.extensions import db
from parvis.layouts import default_composition, discover_layouts, get_layout, render_composition
from parvis.models import JoinRequest, Membership, Notification


class BrokenWidgets:
    """A plugin whose widget always raises (a broken third-party widget)."""

    @hookimpl
    def parvis_widgets(self) -> list[WidgetSpec]:
        def explode(ctx):  # noqa: ANN001, ANN202
            raise RuntimeError("boom")

        return [
            WidgetSpec("test.broken", "Broken widget", explode),
            WidgetSpec("test.plain", "Plain", lambda ctx: "<b>not markup</b>"),
        ]


def _role(space, user):  # noqa: ANN001, ANN202
    return db.session.scalar(db.select(Membership.role).filter_by(space_id=space.id, user_id=user.id))


# -- layouts -----------------------------------------------------------------------------


def test_four_layouts_are_discovered(app):
    layouts = discover_layouts()
    assert {"one-column", "main-sidebar", "header-three-columns", "dashboard-grid"} <= set(layouts)
    assert layouts["main-sidebar"].region_ids == ["main", "sidebar"]
    assert get_layout("nope").id == "main-sidebar"


@pytest.mark.parametrize(
    "layout_id,marker",
    [
        ("one-column", "layout--one-column"),
        ("main-sidebar", "layout--main-sidebar"),
        ("header-three-columns", "layout--header-columns"),
        ("dashboard-grid", "layout--dashboard"),
    ],
)
def test_home_renders_each_layout(client, alice, layout_id, marker):
    space = make_space(alice, "garden", "public", description="We grow **tomatoes**.")
    space.layout = layout_id
    db.session.commit()
    login(client, alice)
    html = client.get("/s/garden/").get_data(as_text=True)
    assert marker in html
    assert "<strong>tomatoes</strong>" in html  # core.description
    assert "widget--members" in html and "widget--activity" in html


def test_default_composition_follows_enabled_modules(app, alice):
    space = make_space(alice, "compo", "public")
    widgets = [p["widget"] for p in default_composition(space)]
    assert widgets[0] == "core.description"
    assert widgets[-2:] == ["core.members", "core.activity"]
    assert "exercise.counter" not in widgets
    exercise_module.enable(space, alice)
    placements = default_composition(space, get_layout("main-sidebar"))
    assert {"region": "main", "widget": "exercise.counter", "settings": {}} in placements
    assert {"region": "sidebar", "widget": "core.members", "settings": {}} in placements
    three = default_composition(space, get_layout("header-three-columns"))
    assert three[0]["region"] == "header"
    assert {"region": "right", "widget": "core.activity", "settings": {}} in three


@pytest.mark.config(EXTRA_PLUGINS=[*TEST_PLUGINS, BrokenWidgets()])
def test_broken_widget_renders_an_error_box(app, alice):
    space = make_space(alice, "fragile", "public", description="Still here")
    placements = [
        {"region": "main", "widget": "test.broken", "settings": {}},
        {"region": "main", "widget": "core.description", "settings": {}},
        {"region": "nowhere", "widget": "test.plain", "settings": {}},
        {"region": "sidebar", "widget": "unknown.widget", "settings": {}},
    ]
    with app.test_request_context("/"):
        html = str(render_composition(space, get_layout("main-sidebar"), placements, alice))
    assert "widget--error" in html and "Broken widget" in html
    assert "Still here" in html
    assert "&lt;b&gt;not markup&lt;/b&gt;" in html  # plain strings are escaped


def test_module_widget_hidden_when_module_off(client, alice):
    space = make_space(alice, "counted", "public")
    exercise_module.enable(space, alice)
    login(client, alice)
    assert "widget--exercise" in client.get("/s/counted/").get_data(as_text=True)
    from parvis.services.spaces import set_module_enabled

    set_module_enabled(space, "exercise", False, alice)
    db.session.commit()
    assert "widget--exercise" not in client.get("/s/counted/").get_data(as_text=True)


# -- visibility per role ---------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, alice):
    make_space(alice, "pub", "public")
    for url in ("/s/pub/", "/s/pub/members", "/s/pub/settings"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_secret_space_is_404_for_non_members(client, alice, bob):
    make_space(alice, "hidden", "secret", description="nothing to see")
    login(client, bob)
    for url in ("/s/hidden/", "/s/hidden/members", "/s/hidden/settings", "/s/hidden/settings/modules"):
        assert client.get(url).status_code == 404, url
    assert client.post("/s/hidden/join").status_code == 404


def test_private_space_about_page_for_non_members(client, alice, bob):
    space = make_space(alice, "club", "private", description="A **private** club", join_policy="request")
    exercise_module.enable(space, alice)
    add_member(space, make_member(), "member")
    login(client, bob)
    r = client.get("/s/club/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<strong>private</strong>" in html
    assert "2 members" in html
    assert "Ask to join" in html
    assert "widget--activity" not in html and "widget--exercise" not in html
    assert "Space navigation" not in html
    for url in ("/s/club/members", "/s/club/settings", "/s/club/exercise/"):
        assert client.get(url).status_code == 403, url


def make_member():  # noqa: ANN201
    from conftest import make_user

    return make_user("dora@example.org", "Dora")


@pytest.mark.parametrize("role", ["guest", "member", "moderator", "admin", "owner"])
def test_members_read_private_space(client, alice, bob, role):
    space = make_space(alice, "club", "private")
    add_member(space, bob, role)
    login(client, bob)
    r = client.get("/s/club/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "widget--members" in html and "Ask to join" not in html
    assert client.get("/s/club/members").status_code == 200
    expected = 200 if role in ("admin", "owner") else 403
    assert client.get("/s/club/settings").status_code == expected


def test_platform_admin_reads_secret_space(client, alice, admin):
    make_space(alice, "hidden", "secret")
    login(client, admin)
    assert client.get("/s/hidden/").status_code == 200
    assert client.get("/s/hidden/settings").status_code == 200


def test_public_space_readable_with_join_banner(client, alice, bob, manager):
    make_space(alice, "pub", "public", join_policy="open")
    login(client, bob)
    html = client.get("/s/pub/").get_data(as_text=True)
    assert "widget--members" in html and "reading this space as a visitor" in html
    assert client.get("/s/pub/members").status_code == 200
    assert client.get("/s/pub/settings").status_code == 403
    # a community manager is an ordinary non-member inside spaces
    other = client.application.test_client()
    login(other, manager)
    assert other.get("/s/pub/settings").status_code == 403


# -- joining and leaving ---------------------------------------------------------------------


def test_join_open_space(client, alice, bob):
    space = make_space(alice, "open", "public", join_policy="open")
    login(client, bob)
    r = client.post("/s/open/join")
    assert r.status_code == 302
    assert _role(space, bob) == "member"
    assert "reading this space as a visitor" not in client.get("/s/open/").get_data(as_text=True)


def test_join_on_request_then_accepted(app, client, alice, bob):
    space = make_space(alice, "ask", "private", join_policy="request")
    login(client, bob)
    r = client.post("/s/ask/join", data={"message": "I work on this topic"})
    assert r.status_code == 302
    assert _role(space, bob) is None
    req = db.session.scalar(db.select(JoinRequest).filter_by(space_id=space.id, user_id=bob.id))
    assert req.status == "pending" and req.message == "I work on this topic"
    assert db.session.scalar(db.select(Notification).filter_by(user_id=alice.id, kind="join_request.created"))
    assert "waiting for an admin" in client.get("/s/ask/").get_data(as_text=True)
    owner = app.test_client()
    login(owner, alice)
    html = owner.get("/s/ask/members").get_data(as_text=True)
    assert "I work on this topic" in html
    r = owner.post(f"/s/ask/join-requests/{req.id}", data={"decision": "accept"})
    assert r.status_code == 302
    assert _role(space, bob) == "member"
    assert client.get("/s/ask/").status_code == 200
    assert "widget--members" in client.get("/s/ask/").get_data(as_text=True)


def test_join_request_declined(app, client, alice, bob):
    space = make_space(alice, "ask", "private", join_policy="request")
    login(client, bob)
    client.post("/s/ask/join")
    req = db.session.scalar(db.select(JoinRequest))
    owner = app.test_client()
    login(owner, alice)
    assert owner.post(f"/s/ask/join-requests/{req.id}", data={"decision": "decline"}).status_code == 302
    assert _role(space, bob) is None
    assert db.session.scalar(db.select(Notification).filter_by(user_id=bob.id, kind="join_request.declined"))
    # deciding again is refused without a 500
    assert owner.post(f"/s/ask/join-requests/{req.id}", data={"decision": "accept"}).status_code == 409
    assert owner.post(f"/s/ask/join-requests/{req.id}", data={"decision": "maybe"}).status_code == 400


def test_join_invitation_only_refused(client, alice, bob):
    space = make_space(alice, "closed", "private", join_policy="invitation")
    login(client, bob)
    assert "By invitation only" in client.get("/s/closed/").get_data(as_text=True)
    r = client.post("/s/closed/join")
    assert r.status_code == 403
    assert "by invitation only" in r.get_data(as_text=True)
    assert _role(space, bob) is None


def test_join_message_too_long(client, alice, bob):
    make_space(alice, "ask", "public", join_policy="request")
    login(client, bob)
    assert client.post("/s/ask/join", data={"message": "x" * 2001}).status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(JoinRequest)) == 0


def test_leave_and_last_owner(client, app, alice, bob):
    space = make_space(alice, "team", "private")
    add_member(space, bob, "member")
    login(client, bob)
    assert client.post("/s/team/leave").status_code == 302
    assert _role(space, bob) is None
    assert client.get("/s/team/members").status_code == 403
    owner = app.test_client()
    login(owner, alice)
    r = owner.post("/s/team/leave")
    assert r.status_code == 409
    assert "last owner" in r.get_data(as_text=True)
    assert _role(space, alice) == "owner"


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_join_needs_csrf_token(client, alice, bob):
    from conftest import csrf_token_from

    space = make_space(alice, "open", "public", join_policy="open")
    login_page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"email": bob.email, "password": "correct horse battery", "csrf_token": csrf_token_from(login_page)},
    )
    assert client.post("/s/open/join").status_code == 400
    assert _role(space, bob) is None
    token = csrf_token_from(client.get("/s/open/").get_data(as_text=True))
    assert client.post("/s/open/join", data={"csrf_token": token}).status_code == 302
    assert _role(space, bob) == "member"
