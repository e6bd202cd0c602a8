"""``parvis seed``: a large realistic platform, here at a small scale.

The seeded platform must look like a real one to the people who browse it (every
module has content, homes have 12 widgets, the pages render) and the command must
refuse to mix generated data into a database that already has some.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import make_app
from flask import Flask

from parvis.extensions import db
from parvis.models import Activity, Comment, Membership, Space, SpaceModule, User
from parvis.seed import BENCH_EMAIL, SEED_PASSWORD, SeedRefused, seed_platform

USERS, SPACES, ITEMS = 50, 6, 300
MODULES = ("posts", "faq", "wiki", "calendar", "discussions", "documents")


@pytest.fixture
def seeded(app: Flask) -> Any:
    report = seed_platform(app, users=USERS, spaces=SPACES, items=ITEMS, seed=3, echo=lambda _m: None)
    return report


def _widgets(html: str) -> int:
    return len(re.findall(r'<(?:section|nav|figure) class="widget', html))


def test_seed_creates_the_asked_numbers(seeded: Any) -> None:
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == USERS
    assert db.session.scalar(db.select(db.func.count()).select_from(Space)) == SPACES
    assert seeded.items == ITEMS
    assert sum(seeded.items_by_module.values()) == ITEMS
    # every module got content, in the tables a person browses
    assert set(seeded.items_by_module) == set(MODULES), seeded.items_by_module
    assert all(seeded.items_by_module[m] > 0 for m in MODULES)
    from parvis_modules.calendar.models import CalendarEvent
    from parvis_modules.discussions.models import Message
    from parvis_modules.documents.models import Document
    from parvis_modules.faq.models import FaqEntry
    from parvis_modules.posts.models import Post
    from parvis_modules.wiki.models import WikiPage

    tables = {"posts": Post, "faq": FaqEntry, "wiki": WikiPage, "calendar": CalendarEvent,
              "discussions": Message, "documents": Document}
    for module_id, model in tables.items():
        assert db.session.scalar(db.select(db.func.count()).select_from(model)) == seeded.items_by_module[module_id]
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) > 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) > 0


def test_seeded_spaces_look_real(seeded: Any) -> None:
    spaces = db.session.scalars(db.select(Space)).all()
    assert {s.visibility for s in spaces} >= {"public", "private"}
    for space in spaces:
        roles = Counter(db.session.scalars(db.select(Membership.role).filter_by(space_id=space.id)))
        assert roles["owner"] == 1
        assert db.session.scalar(
            db.select(db.func.count()).select_from(SpaceModule).filter_by(space_id=space.id, enabled=True)) >= 4
    # French text, dates spread over time
    from parvis_modules.posts.models import Post

    dates = sorted(db.session.scalars(db.select(Post.published_at)))
    assert (dates[-1] - dates[0]).days > 180
    bodies = " ".join(db.session.scalars(db.select(Post.body).limit(20)))
    assert re.search(r"\b(les|des|la)\b", bodies) and re.search(r"[éèà]", bodies)
    bench = db.session.scalar(db.select(User).filter_by(email=BENCH_EMAIL))
    assert db.session.scalar(
        db.select(db.func.count()).select_from(Membership).filter_by(user_id=bench.id)) == SPACES


def test_seeded_pages_render_for_a_member(app: Flask, seeded: Any) -> None:
    client = app.test_client()
    response = client.post("/login", data={"email": BENCH_EMAIL, "password": SEED_PASSWORD})
    assert response.status_code == 302
    slugs = db.session.scalars(db.select(Space.slug).order_by(Space.id)).all()
    homes = []
    for slug in slugs:
        response = client.get(f"/s/{slug}/")
        assert response.status_code == 200, slug
        homes.append(_widgets(response.get_data(as_text=True)))
        modules = db.session.scalars(
            db.select(SpaceModule.module_id).join(Space).where(Space.slug == slug, SpaceModule.enabled)).all()
        for module_id in modules:
            assert client.get(f"/s/{slug}/{module_id}/").status_code == 200, (slug, module_id)
    # every home is composed of 12 widgets, and (nearly) all of them show a block
    # (a widget may render a bare list or nothing when it has nothing to show)
    assert all(len(s.published_home["placements"]) == 12 for s in db.session.scalars(db.select(Space)))
    assert min(homes) >= 11, homes
    assert client.get("/search?q=administrations").status_code == 200


def test_seed_refuses_a_database_with_content(app: Flask, seeded: Any) -> None:
    with pytest.raises(SeedRefused, match="already has 50 users and 6 spaces"):
        seed_platform(app, users=10, spaces=2, items=10, echo=lambda _m: None)
    assert db.session.scalar(db.select(db.func.count()).select_from(Space)) == SPACES


def test_seed_command_migrates_seeds_and_refuses_to_run_twice(tmp_path: Path) -> None:
    cli_app = make_app(f"sqlite:///{tmp_path / 'seed.db'}", str(tmp_path / "instance"),
                       SEARCH_INDEX_DIR=str(tmp_path / "index"), BABEL_DEFAULT_LOCALE="en")
    runner = cli_app.test_cli_runner()
    first = runner.invoke(args=["seed", "--users", "12", "--spaces", "3", "--items", "40", "--no-index"])
    assert first.exit_code == 0, first.output
    assert "Seeded 12 users, 3 spaces" in first.output and "40 items" in first.output
    assert SEED_PASSWORD in first.output
    again = runner.invoke(args=["seed", "--users", "12", "--spaces", "3", "--items", "40", "--no-index"])
    assert again.exit_code == 1
    assert "already has 12 users and 3 spaces" in again.output
    reset = runner.invoke(args=["seed", "--users", "12", "--spaces", "3", "--items", "40", "--no-index", "--reset"])
    assert reset.exit_code == 0, reset.output
