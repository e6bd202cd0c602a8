"""Rendered widgets are reused until the space changes (issue 3, render time).

The cache must never show a viewer what their role may not see, never keep a
per-session form or a failure, and never survive a write in the space — in this
process or another one (the stamp is in the database).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from conftest import TEST_PLUGINS, add_member, login, logout, make_app, make_space, make_user
from markupsafe import Markup

from parvis import WidgetSpec, hookimpl
from parvis.extensions import db
from parvis.models import Notification, Space
from parvis.services.permissions import space_role
from parvis.services.widget_cache import FragmentCache
from parvis.testing.queries import count_queries

RENDERS: dict[str, int] = {}


class CountingWidgets:
    """Widgets that count their renders: one per role, one with a form, one flaky."""

    @hookimpl
    def parvis_widgets(self) -> list[WidgetSpec]:
        def role(ctx):  # noqa: ANN001, ANN202
            RENDERS["role"] = RENDERS.get("role", 0) + 1
            return Markup("<p class='seen-role'>role={}</p>").format(space_role(ctx.user, ctx.space) or "none")

        def with_form(ctx):  # noqa: ANN001, ANN202
            RENDERS["form"] = RENDERS.get("form", 0) + 1
            return Markup('<form><input type="hidden" name="csrf_token" value="per-session"></form>')

        def flaky(ctx):  # noqa: ANN001, ANN202
            RENDERS["flaky"] = RENDERS.get("flaky", 0) + 1
            if RENDERS["flaky"] == 1:
                raise RuntimeError("first time fails")
            return Markup("<p>flaky works</p>")

        def with_token(ctx):  # noqa: ANN001, ANN202
            from flask_wtf.csrf import generate_csrf

            RENDERS["token"] = RENDERS.get("token", 0) + 1
            return Markup('<div class="live" data-csrf="{}"></div>').format(generate_csrf())

        return [
            WidgetSpec("test.role", "Role", role, cache_ttl=300),
            WidgetSpec("test.token", "Token", with_token, cache_ttl=300),
            WidgetSpec("test.form", "Form", with_form, cache_ttl=300),
            WidgetSpec("test.flaky", "Flaky", flaky, cache_ttl=300),
        ]


PLUGINS = [*TEST_PLUGINS, CountingWidgets()]


@pytest.fixture(autouse=True)
def _count_from_zero():  # noqa: ANN202
    RENDERS.clear()


def _publish(client, space, placements):  # noqa: ANN001, ANN202
    """Publish a home of ``placements`` through the builder's forms (as the owner)."""
    from parvis.services.composition import working_copy

    db.session.expire_all()
    copy = working_copy(space, "home")
    comp = copy.composition.as_dict()
    comp["placements"] = [{"region": "main", "widget": w, "settings": s} for w, s in placements]
    client.post("/s/team/builder/page/home/save",
                data={"composition": json.dumps(comp), "lock": copy.page.lock})
    db.session.expire_all()
    r = client.post("/s/team/builder/page/home/publish", data={"lock": working_copy(space, "home").page.lock})
    assert r.status_code in (200, 302)


def _add_post(space: Space, author, title: str) -> None:  # noqa: ANN001
    from parvis_modules.posts.models import Post

    now = datetime.now(UTC)
    db.session.add(Post(space_id=space.id, author_id=author.id, title=title, body="Body.",
                        status="published", published_at=now, released_at=now))
    db.session.commit()


@pytest.fixture
def team(alice, bob):  # noqa: ANN001, ANN201
    space = make_space(alice, "team", "public", modules=["posts"])
    add_member(space, bob, "member")
    return space


def test_second_view_comes_from_the_cache_and_a_new_post_shows_at_once(client, team, alice, bob):
    login(client, alice)
    _publish(client, team, [("posts.latest", {"n": 5, "tag": ""}), ("core.members", {"limit": 8})])
    _add_post(team, alice, "First news")
    logout(client)
    login(client, bob)
    with count_queries() as cold:
        first = client.get("/s/team/").get_data(as_text=True)
    with count_queries() as warm:
        second = client.get("/s/team/").get_data(as_text=True)
    assert "First news" in first and "First news" in second
    assert not warm.matching("FROM posts") and not warm.matching("FROM memberships JOIN")
    assert warm.count < cold.count, (cold.report(), warm.report())

    _add_post(team, alice, "Second news")
    assert "Second news" in client.get("/s/team/").get_data(as_text=True)


def test_a_member_joining_or_renamed_shows_at_once(client, team, alice, bob):
    login(client, alice)
    _publish(client, team, [("core.members", {"limit": 8})])
    logout(client)
    login(client, bob)
    assert "Bob Durand" in client.get("/s/team/").get_data(as_text=True)
    newcomer = make_user("dora@example.org", "Dora Newcomer")
    add_member(team, newcomer)
    assert "Dora Newcomer" in client.get("/s/team/").get_data(as_text=True)
    newcomer.name = "Dora Renamed"
    db.session.commit()
    html = client.get("/s/team/").get_data(as_text=True)
    assert "Dora Renamed" in html and "Dora Newcomer" not in html


@pytest.mark.config(EXTRA_PLUGINS=PLUGINS)
def test_each_role_gets_its_own_fragment(client, team, alice, bob, admin):
    moderator = make_user("mod@example.org", "Mo Derator")
    add_member(team, moderator, "moderator")
    login(client, alice)
    _publish(client, team, [("test.role", {})])
    seen = {}
    for user in (bob, moderator, admin, bob, moderator, admin):
        logout(client)
        login(client, user)
        html = client.get("/s/team/").get_data(as_text=True)
        seen.setdefault(user.email, set()).update(re.findall(r"seen-role'>(role=\w+)</p>", html))
    assert seen == {"bob@example.org": {"role=member"}, "mod@example.org": {"role=moderator"},
                    "admin@example.org": {"role=none"}}
    assert RENDERS["role"] == 3  # one per standing, then reused


@pytest.mark.config(EXTRA_PLUGINS=PLUGINS)
def test_forms_and_failures_are_never_cached(client, team, alice, bob):
    login(client, alice)
    _publish(client, team, [("test.form", {}), ("test.flaky", {})])
    logout(client)
    login(client, bob)
    first = client.get("/s/team/").get_data(as_text=True)
    second = client.get("/s/team/").get_data(as_text=True)
    assert "flaky works" not in first and "flaky works" in second  # the failure was retried
    third = client.get("/s/team/").get_data(as_text=True)
    assert "flaky works" in third
    assert RENDERS["form"] == 3  # a CSRF field is per session: rendered on every view
    assert RENDERS["flaky"] == 2  # failed once, then cached


@pytest.mark.config(EXTRA_PLUGINS=PLUGINS)
def test_a_csrf_token_outside_a_form_field_is_never_cached_either(client, team, alice, bob, carol):
    """The token of one session, wherever the widget puts it, must never reach another."""
    add_member(team, carol, "member")
    login(client, alice)
    _publish(client, team, [("test.token", {})])
    tokens = []
    for user in (bob, carol):
        logout(client)
        login(client, user)
        tokens += re.findall(r'data-csrf="([^"]+)"', client.get("/s/team/").get_data(as_text=True))
    assert RENDERS["token"] == 2 and len(tokens) == 2 and tokens[0] != tokens[1]


@pytest.mark.config(EXTRA_PLUGINS=PLUGINS)
def test_a_write_in_another_space_keeps_the_cache(client, team, alice, bob):
    other = make_space(alice, "other", "public", modules=["posts"])
    login(client, alice)
    _publish(client, team, [("test.role", {})])
    logout(client)
    login(client, bob)
    client.get("/s/team/")
    _add_post(other, alice, "Elsewhere")
    client.get("/s/team/")
    assert RENDERS["role"] == 1
    _add_post(team, alice, "Here")
    client.get("/s/team/")
    assert RENDERS["role"] == 2


def test_a_write_seen_by_another_process_is_seen_here(client, team, alice, bob, database_url, instance_dir):
    """The stamp lives in the database: another app (another worker) writing restamps."""
    login(client, alice)
    _publish(client, team, [("posts.latest", {"n": 5, "tag": ""})])
    logout(client)
    login(client, bob)
    assert "From the other worker" not in client.get("/s/team/").get_data(as_text=True)
    other = make_app(database_url, instance_dir)
    with other.app_context():
        _add_post(db.session.get(Space, team.id), alice, "From the other worker")
        db.session.remove()
    db.session.rollback()  # a request of a real worker starts with a new session
    assert "From the other worker" in client.get("/s/team/").get_data(as_text=True)


def test_neutral_rows_keep_the_stamp_and_content_rows_change_it(team, alice, bob):
    def stamp() -> str:
        db.session.expire_all()
        return db.session.get(Space, team.id).content_stamp

    before = stamp()
    assert before
    db.session.add(Notification(user_id=bob.id, space_id=team.id, kind="test", title="t", url="/"))
    db.session.commit()
    assert stamp() == before
    _add_post(team, alice, "A post")
    after_post = stamp()
    assert after_post != before
    alice.locale = "fr"
    db.session.commit()
    assert stamp() == after_post  # nothing a widget shows of alice changed
    db.session.rollback()


@pytest.mark.config(EXTRA_PLUGINS=PLUGINS, WIDGET_CACHE_SIZE=0)
def test_the_cache_can_be_switched_off(client, team, alice, bob):
    login(client, alice)
    _publish(client, team, [("test.role", {})])
    logout(client)
    login(client, bob)
    client.get("/s/team/")
    client.get("/s/team/")
    assert RENDERS["role"] == 2


def test_fragments_expire_after_their_time_to_live():
    now = [1000.0]
    cache = FragmentCache(10, timer=lambda: now[0])
    cache.put("short", Markup("<p>a</p>"), 60)
    cache.put("long", Markup("<p>b</p>"), 300)
    now[0] += 61
    assert cache.get("short") is None and cache.get("long") == Markup("<p>b</p>")
    now[0] += 240
    assert cache.get("long") is None
    cache.put("nonce", Markup('<script nonce="x"></script>'), 300)
    assert cache.get("nonce") is None and len(cache) == 0


def _stamp(space: Space) -> str:
    db.session.expire_all()
    return db.session.get(Space, space.id).content_stamp


def test_an_item_moved_to_another_space_leaves_the_first_one_at_once(client, team, alice, bob):
    """Moving a row changes two spaces: the one it leaves must be restamped too."""
    from parvis_modules.posts.models import Post

    other = make_space(alice, "other", "public", modules=["posts"])
    add_member(other, bob, "member")
    login(client, alice)
    _publish(client, team, [("posts.latest", {"n": 5, "tag": ""})])
    _add_post(team, alice, "Wandering news")
    logout(client)
    login(client, bob)
    assert "Wandering news" in client.get("/s/team/").get_data(as_text=True)
    assert "Wandering news" not in client.get("/s/other/").get_data(as_text=True)

    post = db.session.scalar(db.select(Post).filter_by(title="Wandering news"))
    db.session.expire(post)
    post.space_id = other.id  # the column, its former value not even loaded
    db.session.commit()
    assert "Wandering news" not in client.get("/s/team/").get_data(as_text=True)
    assert "Wandering news" in client.get("/s/other/").get_data(as_text=True)

    post = db.session.scalar(db.select(Post).filter_by(title="Wandering news"))
    post.space = db.session.get(Space, team.id)  # or the relationship
    db.session.commit()
    assert "Wandering news" not in client.get("/s/other/").get_data(as_text=True)
    assert "Wandering news" in client.get("/s/team/").get_data(as_text=True)


def test_a_module_switched_off_platform_wide_leaves_cached_widgets_at_once(client, team, alice, bob, admin):
    """The switch is a platform setting (no space is written): its pages answer 404 at
    once, and the home's shortcut and activity of that module must go at once too."""
    from parvis.models import Activity

    login(client, alice)
    _publish(client, team, [("core.module", {"module": "posts"}), ("core.activity", {"limit": 8})])
    db.session.add(Activity(verb="posts.published", actor_id=alice.id, space_id=team.id,
                            title="Switched-off news", url="/s/team/posts/"))
    db.session.commit()
    logout(client)
    login(client, bob)
    html = client.get("/s/team/").get_data(as_text=True)
    assert "Switched-off news" in html and "widget--module" in html
    logout(client)
    login(client, admin)
    assert client.post("/admin/modules/posts", data={"op": "off"}).status_code == 302
    logout(client)
    login(client, bob)
    html = client.get("/s/team/").get_data(as_text=True)
    assert "Switched-off news" not in html and "widget--module" not in html


def test_a_savepoint_rolled_back_keeps_the_stamp_of_the_writes_before_it(team, alice, bob):
    """A savepoint that fails (a concurrent duplicate, as in reactions or FAQ votes) rolls
    back its own rows only: what the transaction wrote before it still restamps."""
    from sqlalchemy.exc import IntegrityError

    from parvis.models import Reaction
    from parvis_modules.posts.models import Post

    before = _stamp(team)
    db.session.add(Reaction(target_type="test", target_id=1, user_id=bob.id, emoji="like"))
    db.session.commit()
    assert _stamp(team) == before  # a reaction has no space: nothing to restamp
    now = datetime.now(UTC)
    db.session.add(Post(space_id=team.id, author_id=alice.id, title="Before the savepoint", body="Body.",
                        status="published", published_at=now, released_at=now))
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Reaction(target_type="test", target_id=1, user_id=bob.id, emoji="like"))
    with count_queries() as queries:
        db.session.commit()
    assert _stamp(team) != before, queries.report()


def test_a_savepoint_released_stamps_once_at_the_end_of_the_transaction(team, alice, bob):
    """The stamp stays the transaction's last statement, whatever savepoints it holds."""
    from parvis.models import Reaction
    from parvis_modules.posts.models import Post

    before = _stamp(team)
    with count_queries() as queries:
        db.session.add(Post(space_id=team.id, author_id=alice.id, title="In a transaction", body="Body.",
                            status="draft"))
        db.session.flush()
        with db.session.begin_nested():
            db.session.add(Reaction(target_type="test", target_id=2, user_id=bob.id, emoji="like"))
        db.session.add(Post(space_id=team.id, author_id=alice.id, title="After the savepoint", body="Body.",
                            status="draft"))
        db.session.commit()
    stamps = queries.matching("UPDATE spaces")
    assert len(stamps) == 1 and queries.statements[-1] == stamps[0], queries.report()
    assert _stamp(team) != before
