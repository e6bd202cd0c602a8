"""List pages issue a bounded number of SQL queries, whatever the amount of data.

Each test measures a page with little data, adds a lot more (in bulk), measures again,
and asserts both the bound and the equality: a query per row shows up as a difference.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import login, make_space
from flask import Flask
from flask.testing import FlaskClient
from plugins import exercise_module as ex

from parvis.extensions import db
from parvis.models import Activity, Membership, Notification, Space, SpaceModule, User
from parvis.plugins.manager import current_platform
from parvis.testing.queries import QueryLog, count_queries

BOUND = 15


def _bulk_users(n: int, tag: str) -> list[User]:
    users = [
        User(email=f"{tag}{i}@example.org", username=f"{tag}{i}", name=f"{tag.title()} {i}")
        for i in range(n)
    ]
    db.session.add_all(users)
    db.session.flush()
    return users


def _grow_space(space_id: int, n: int, tag: str) -> None:
    """Add ``n`` members, and as many activities and exercise items."""
    users = _bulk_users(n, tag)
    db.session.add_all(Membership(space_id=space_id, user_id=u.id, role="member") for u in users)
    db.session.add_all(
        Activity(space_id=space_id, actor_id=u.id, verb="exercise.acted", title=f"Act {u.name}",
                 target_type="exercise.item")
        for u in users
    )
    db.session.add_all(ex.ExerciseItem(space_id=space_id, author_id=u.id, title=f"Item {u.name}") for u in users)
    db.session.commit()


def _measure(client: FlaskClient, path: str) -> QueryLog:
    client.get(path)  # warm-up: lazily built registries (layouts, themes) are not SQL, but be fair
    # The test shares its database session with the requests: start from an empty
    # identity map, as a real request does, so cached objects hide no query.
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as log:
        response = client.get(path)
    assert response.status_code == 200, path
    return log


def _assert_flat(few: QueryLog, many: QueryLog) -> None:
    assert many.count <= BOUND, many.report()
    assert few.count == many.count, (
        f"{few.count} queries with little data, {many.count} with more:\n"
        f"--- few\n{few.report()}\n--- many\n{many.report()}"
    )


@pytest.fixture
def member_client(app: Flask, client: FlaskClient, alice: Any, bob: Any) -> FlaskClient:
    login(client, bob)
    return client


def test_space_home_is_bounded(app: Flask, member_client: FlaskClient, alice: Any, bob: Any) -> None:
    space = make_space(alice, "busy", "public")  # the modules a new space gets
    modules = [m.id for m in current_platform().ordered_modules() if m.default_enabled]
    db.session.add(Membership(space_id=space.id, user_id=bob.id, role="member"))
    platform = current_platform()
    for module_id in modules:
        platform.hook.parvis_demo_seed(space=space, module_id=module_id, users=[alice, bob])
    db.session.commit()
    space_id = space.id
    _grow_space(space_id, 2, "few")
    few = _measure(member_client, "/s/busy/")
    _grow_space(space_id, 38, "many")
    many = _measure(member_client, "/s/busy/")
    _assert_flat(few, many)


def test_module_page_is_bounded(app: Flask, member_client: FlaskClient, alice: Any, bob: Any) -> None:
    space = make_space(alice, "items", "public", modules=["exercise"])
    db.session.add(Membership(space_id=space.id, user_id=bob.id, role="member"))
    db.session.commit()
    space_id = space.id
    _grow_space(space_id, 2, "few")
    few = _measure(member_client, "/s/items/exercise/")
    _grow_space(space_id, 38, "many")
    many = _measure(member_client, "/s/items/exercise/")
    _assert_flat(few, many)


def _grow_directory(owner_id: int, viewer_id: int, n: int, start: int) -> None:
    visibilities = ("public", "private", "secret")
    spaces = [
        Space(slug=f"space-{i:03d}", name=f"Space {i:03d}", visibility=visibilities[i % 3],
              created_by_id=owner_id, description=f"Space number {i}")
        for i in range(start, start + n)
    ]
    db.session.add_all(spaces)
    db.session.flush()
    rows: list[Any] = []
    for i, space in enumerate(spaces):
        rows.append(Membership(space_id=space.id, user_id=owner_id, role="owner"))
        if i % 2 == 0:
            rows.append(Membership(space_id=space.id, user_id=viewer_id, role="member"))
        rows += [SpaceModule(space_id=space.id, module_id=m.id, enabled=True, position=p)
                 for p, m in enumerate(current_platform().ordered_modules())]
    rows.append(Notification(user_id=viewer_id, kind="test", title="Hello"))
    db.session.add_all(rows)
    db.session.commit()


def test_directory_is_bounded(app: Flask, member_client: FlaskClient, alice: Any, bob: Any) -> None:
    ids = (alice.id, bob.id)
    _grow_directory(*ids, 2, 0)
    few = _measure(member_client, "/spaces")
    _grow_directory(*ids, 38, 2)
    many = _measure(member_client, "/spaces")
    _assert_flat(few, many)


def test_dashboard_is_bounded(app: Flask, member_client: FlaskClient, alice: Any, bob: Any) -> None:
    ids = (alice.id, bob.id)
    _grow_directory(*ids, 2, 0)
    few = _measure(member_client, "/")
    _grow_directory(*ids, 38, 2)
    many = _measure(member_client, "/")
    _assert_flat(few, many)


def test_count_queries_needs_no_app() -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine("sqlite://")
    with count_queries(engine) as log, engine.connect() as conn:
        conn.execute(text("select 1"))
        conn.execute(text("select 2"))
    assert log.count == 2
    assert log.matching("SELECT 2") == ["select 2"]
    assert "2 SQL statements" in log.report()
    with pytest.raises(RuntimeError):
        with count_queries():
            pass


#: A 12-widget home page: every core widget and the built-in modules' main widgets.
TWELVE_WIDGETS = [
    ("main", "core.description", {}),
    ("main", "core.text", {"title": "Bienvenue", "body": "Un **texte**."}),
    ("main", "posts.announcement", {}),
    ("main", "posts.latest", {"n": 5, "tag": ""}),
    ("main", "faq.top", {"limit": 5}),
    ("main", "wiki.recent", {"limit": 5}),
    ("sidebar", "core.links", {"title": "Liens", "links": "Service public | https://www.service-public.fr"}),
    ("sidebar", "core.image", {"image": "banner"}),
    ("sidebar", "core.module", {"module": "posts"}),
    ("sidebar", "core.members", {"limit": 8}),
    ("sidebar", "core.activity", {"limit": 8}),
    ("sidebar", "posts.latest", {"n": 3, "tag": ""}),
]


def publish_twelve_widgets(space: Space, actor: User) -> None:
    """Publish the 12-widget home on ``space`` (also used by benchmarks/builder_render.py)."""
    from parvis.services.composition import Composition, ensure_home, publish

    placements = [{"region": r, "widget": w, "settings": s} for r, w, s in TWELVE_WIDGETS]
    home = ensure_home(space)
    publish(space, "home", Composition("main-sidebar", placements), home.lock, actor)
    db.session.commit()


def test_twelve_widget_home_is_bounded(app: Flask, member_client: FlaskClient, alice: Any, bob: Any) -> None:
    space = make_space(alice, "twelve", "public")
    db.session.add(Membership(space_id=space.id, user_id=bob.id, role="member"))
    platform = current_platform()
    for module_id in ("posts", "faq", "wiki"):
        platform.hook.parvis_demo_seed(space=space, module_id=module_id, users=[alice, bob])
    db.session.commit()
    publish_twelve_widgets(space, alice)
    space_id = space.id
    _grow_space(space_id, 2, "few")
    few = _measure(member_client, "/s/twelve/")
    _grow_space(space_id, 38, "many")
    many = _measure(member_client, "/s/twelve/")
    html = member_client.get("/s/twelve/").get_data(as_text=True)
    assert html.count('class="widget') >= 11, html  # the image widget without a banner says so
    _assert_flat(few, many)


# -- the pages of the performance budget, on a seeded platform (``parvis seed``) --------


def _seeded_page(kind: str) -> tuple[str, Space, str]:
    """(path, space, module) of a ``kind`` page in a space of the seeded reader."""
    from datetime import UTC, datetime

    from parvis.seed import BENCH_EMAIL
    from parvis_modules.documents.models import Document
    from parvis_modules.wiki.models import WikiPage

    bench = db.session.scalar(db.select(User).filter_by(email=BENCH_EMAIL))
    module = {"home": "posts", "wiki": "wiki", "feed": "posts", "calendar": "calendar",
              "folder": "documents", "search": "posts"}[kind]
    space = db.session.scalar(
        db.select(Space).join(Membership, Membership.space_id == Space.id)
        .join(SpaceModule, SpaceModule.space_id == Space.id)
        .where(Membership.user_id == bench.id, SpaceModule.module_id == module, SpaceModule.enabled)
        .order_by(Space.id).limit(1))
    if kind == "home":
        return f"/s/{space.slug}/", space, module
    if kind == "wiki":
        page = db.session.scalar(db.select(WikiPage).filter_by(space_id=space.id, parent_id=None).order_by(WikiPage.id))
        return f"/s/{space.slug}/wiki/p/{page.slug}", space, module
    if kind == "feed":
        return f"/s/{space.slug}/posts/", space, module
    if kind == "calendar":
        return f"/s/{space.slug}/calendar/?month={datetime.now(UTC):%Y-%m}", space, module
    if kind == "folder":
        folder_id = db.session.scalar(
            db.select(Document.folder_id).filter_by(space_id=space.id).where(Document.folder_id.is_not(None))
            .group_by(Document.folder_id).order_by(db.func.count().desc()).limit(1))
        return f"/s/{space.slug}/documents/f/{folder_id}", space, module
    return "/search?q=administrations", space, module


def _grow_seeded(space: Space, count: int) -> None:
    """``count`` more items in every enabled module of ``space`` (the modules' seed hook)."""
    import random

    from parvis.search.service import current_service

    members = list(db.session.scalars(
        db.select(User).join(Membership, Membership.user_id == User.id).filter(Membership.space_id == space.id)))
    modules = db.session.scalars(db.select(SpaceModule.module_id).filter_by(space_id=space.id, enabled=True)).all()
    for module_id in modules:
        current_platform().hook.parvis_seed_content(
            space=space, module_id=module_id, users=members, count=count, rng=random.Random(len(members)))
    db.session.commit()
    service = current_service()
    if service is not None:
        service.reindex()


@pytest.mark.parametrize("kind", ["home", "wiki", "feed", "calendar", "folder", "search"])
def test_budget_pages_are_bounded_on_seeded_data(app: Flask, client: FlaskClient, kind: str) -> None:
    """The pages of the performance budget (benchmarks/budget.py): the same queries with
    much more content in every module; the space home (12 widgets from a space template)
    at most 15."""
    from parvis.seed import BENCH_EMAIL, SEED_PASSWORD, seed_platform

    seed_platform(app, users=30, spaces=3, items=90, seed=5, index=kind == "search", echo=lambda _m: None)
    assert client.post("/login", data={"email": BENCH_EMAIL, "password": SEED_PASSWORD}).status_code == 302
    path, space, _module = _seeded_page(kind)
    if kind == "home":
        assert len(space.published_home["placements"]) == 12
    few = _measure(client, path)
    _grow_seeded(db.session.merge(space), 60)
    path_after, _space, _module = _seeded_page(kind)
    if kind != "folder":
        assert path_after == path
    many = _measure(client, path_after)
    if kind == "home":
        _assert_flat(few, many)
    else:  # bounded (flat), the 15 applies to the home only
        assert few.count == many.count, f"--- few\n{few.report()}\n--- many\n{many.report()}"
        assert many.count <= 20, many.report()
