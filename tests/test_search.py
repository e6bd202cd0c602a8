"""Search through the app: who finds what, indexing after writes, the page and the API.

Indexing runs in ``manual`` queue mode in tests (each search flushes the queue first),
on a whoosh index of the test's own; tests/test_search_thread.py covers the writer
thread, tests/test_search_backends.py the backends themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import PASSWORD, add_member, login, make_space, make_user
from flask import Flask
from flask.testing import FlaskClient

from parvis.extensions import db
from parvis.models import Membership, Space, User
from parvis.search.postgres_backend import PostgresBackend
from parvis.search.service import EXTENSION_KEY, SearchService
from parvis.search.whoosh_backend import WhooshBackend
from parvis.services.spaces import remove_member, set_module_enabled
from parvis.testing.queries import count_queries
from parvis_modules.posts import service as posts
from parvis_modules.wiki import services as wiki

WORD = "photosynthèse"


@pytest.fixture(params=["whoosh", "postgres"])
def search(app: Flask, tmp_path: Path, request: pytest.FixtureRequest) -> SearchService:
    """The app's search service on each backend: a whoosh index of this test's own, or
    PostgreSQL when the test database is PostgreSQL (skipped on SQLite)."""
    service: SearchService = app.extensions[EXTENSION_KEY]
    if request.param == "postgres":
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            pytest.skip("the PostgreSQL backend needs PARVIS_TEST_DATABASE_URL=postgresql+psycopg://...")
        service.backend = PostgresBackend(lambda: db.engine)
    else:
        service.backend = WhooshBackend(tmp_path / "index")
    service.backend.setup()
    return service


class World:
    """Three spaces (public, private, secret), each with a wiki page about WORD."""

    def __init__(self) -> None:
        self.owner = make_user("owner@example.org", "Olivia Owner")
        self.member = make_user("member@example.org", "Marc Membre")
        self.guest = make_user("guest@example.org", "Gaston Guest")
        self.moderator = make_user("mod@example.org", "Mona Modo")
        self.outsider = make_user("outsider@example.org", "Oscar Outsider")
        self.admin = make_user("root@example.org", "Ada Admin", role="admin")
        self.spaces: dict[str, Space] = {}
        self.pages = {}
        for visibility in ("public", "private", "secret"):
            space = make_space(self.owner, f"{visibility}-lab", visibility, name=f"Labo {visibility}")
            add_member(space, self.member)
            add_member(space, self.guest, "guest")
            add_member(space, self.moderator, "moderator")
            page = wiki.create_page(
                space, self.owner, title=f"Cycle du carbone ({visibility})",
                body=f"La **{WORD}** des plantes vertes, vue par le labo {visibility}.",
            )
            db.session.commit()
            self.spaces[visibility] = space
            self.pages[visibility] = page


@pytest.fixture
def world(app: Flask, search: SearchService) -> World:
    return World()


def titles(client: FlaskClient, query: str, **args: str) -> list[str]:
    response = client.get("/search", query_string={"q": query, **args})
    assert response.status_code == 200, response.status_code
    return re.findall(r'class="search-hit__title"><a href="[^"]*">([^<]*)</a>', response.get_data(as_text=True))


def hits_for(client: FlaskClient, user: User, query: str = WORD, **args: str) -> list[str]:
    client.post("/logout")
    login(client, user)
    return titles(client, query, **args)


# -- who finds what ---------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, world: World) -> None:
    response = client.get("/search", query_string={"q": WORD})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/api/v1/search", query_string={"q": WORD}).status_code == 401
    assert client.get("/search/suggest", query_string={"q": "cyc"}).status_code == 302


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("outsider", {"public"}),
        ("guest", {"public", "private", "secret"}),
        ("member", {"public", "private", "secret"}),
        ("moderator", {"public", "private", "secret"}),
        ("owner", {"public", "private", "secret"}),
        ("admin", {"public", "private", "secret"}),
    ],
)
def test_each_role_finds_exactly_what_it_may_open(client: FlaskClient, world: World, who: str, expected: set[str]) -> None:
    found = hits_for(client, getattr(world, who))
    assert sorted(found) == sorted(f"Cycle du carbone ({v})" for v in expected)
    for title in found:  # every hit opens
        visibility = title[title.index("(") + 1 : -1]
        page = world.pages[visibility]
        assert client.get(f"/s/{world.spaces[visibility].slug}/wiki/p/{page.slug}").status_code == 200


def test_spaces_are_found_unless_secret(client: FlaskClient, world: World) -> None:
    assert sorted(hits_for(client, world.outsider, "labo", type="core.space")) == ["Labo private", "Labo public"]
    assert sorted(hits_for(client, world.member, "labo", type="core.space")) == ["Labo private", "Labo public", "Labo secret"]


def test_removed_member_stops_finding_at_once(client: FlaskClient, world: World) -> None:
    assert "Cycle du carbone (secret)" in hits_for(client, world.member)
    membership = db.session.scalar(db.select(Membership).filter_by(space_id=world.spaces["secret"].id, user_id=world.member.id))
    remove_member(membership, world.owner)
    db.session.commit()
    # Nothing was reindexed in between: the filter reads the memberships of now.
    assert sorted(hits_for(client, world.member)) == ["Cycle du carbone (private)", "Cycle du carbone (public)"]
    assert "Labo secret" not in hits_for(client, world.member, "labo", type="core.space")


def test_a_space_turning_secret_hides_it_and_its_content(client: FlaskClient, world: World) -> None:
    space = world.spaces["public"]
    space.visibility = "secret"
    db.session.commit()
    assert hits_for(client, world.outsider) == []
    assert hits_for(client, world.outsider, "labo", type="core.space") == ["Labo private"]


def test_a_disabled_module_hides_its_content_until_switched_on(client: FlaskClient, world: World) -> None:
    space = world.spaces["public"]
    set_module_enabled(space, "wiki", False, world.owner)
    db.session.commit()
    assert hits_for(client, world.outsider) == []
    set_module_enabled(space, "wiki", True, world.owner)
    db.session.commit()
    assert hits_for(client, world.outsider) == ["Cycle du carbone (public)"]


def test_trashed_pages_leave_the_index_and_come_back(client: FlaskClient, world: World) -> None:
    page, space = world.pages["public"], world.spaces["public"]
    wiki.delete_page(page, space, world.owner)
    db.session.commit()
    assert hits_for(client, world.outsider) == []
    wiki.restore_page(page, space, world.owner)
    db.session.commit()
    assert hits_for(client, world.outsider) == ["Cycle du carbone (public)"]


def test_edits_are_indexed_and_rollbacks_are_not(client: FlaskClient, world: World, search: SearchService) -> None:
    page, space = world.pages["public"], world.spaces["public"]
    wiki.save_page(page, space, world.owner, title=page.title, body="Désormais : chlorophylle.",
                   summary="", base_revision_id=page.current_revision_id)
    db.session.commit()
    assert hits_for(client, world.outsider, "chlorophylle") == ["Cycle du carbone (public)"]
    wiki.create_page(space, world.owner, title="Brouillon annulé", body="mitochondrie")
    db.session.rollback()
    assert hits_for(client, world.outsider, "mitochondrie") == []


def test_drafts_and_hidden_posts_are_not_found(client: FlaskClient, world: World) -> None:
    space = world.spaces["public"]
    draft = posts.create_post(space, world.member, posts.PostInput(title="Brouillon", body=f"{WORD} en cours", publish=False))
    live = posts.create_post(space, world.member, posts.PostInput(title="Article publié", body=f"{WORD} publiée", publish=True))
    db.session.commit()
    assert "Article publié" in hits_for(client, world.member)
    assert "Brouillon" not in hits_for(client, world.member)  # not even for its author
    posts.set_hidden(live, True, world.owner)
    db.session.commit()
    assert "Article publié" not in hits_for(client, world.outsider)
    posts.delete_post(draft, world.member)
    db.session.commit()


def test_faq_entries_are_found_once_published(client: FlaskClient, world: World) -> None:
    from parvis_modules.faq import workflow

    space = world.spaces["public"]
    entry = workflow.propose(space, world.member, question=f"Qu'est-ce que la {WORD} ?")
    db.session.commit()
    assert not any("Qu'est-ce" in t for t in hits_for(client, world.owner))
    workflow.save_answer(space, entry, world.owner, answer="Un processus des plantes.", publish=True)
    db.session.commit()
    assert any("Qu&#39;est-ce" in t or "Qu'est-ce" in t for t in hits_for(client, world.outsider))
    workflow.unpublish_entry(space, entry, world.owner)
    db.session.commit()
    assert not any("est-ce" in t for t in hits_for(client, world.outsider))


def test_people_by_name_organisation_and_expertise(client: FlaskClient, world: World) -> None:
    expert = db.session.get(User, world.guest.id)
    expert.organisation = "Direction interministérielle du numérique"
    expert.expertise = ["accessibilité", "marchés publics"]
    db.session.commit()
    assert hits_for(client, world.outsider, "Gaston") == ["Gaston Guest"]
    assert hits_for(client, world.outsider, "interministerielle") == ["Gaston Guest"]
    assert hits_for(client, world.outsider, "accessibilite") == ["Gaston Guest"]
    expert.active = False
    db.session.commit()
    assert hits_for(client, world.outsider, "Gaston") == []


def test_deleting_a_space_empties_its_part_of_the_index(client: FlaskClient, world: World, search: SearchService) -> None:
    space = world.spaces["public"]
    db.session.delete(space)
    db.session.commit()
    search.flush()
    assert search.backend.search(
        __import__("parvis.search.backend", fromlist=["SearchQuery"]).SearchQuery(
            WORD, frozenset({f"{space.id}:wiki", "core:spaces"})
        )
    ).total == 0


# -- the page --------------------------------------------------------------------


def test_results_page_shows_snippet_space_author_facets_and_filters(client: FlaskClient, world: World) -> None:
    login(client, world.member)
    html = client.get("/search", query_string={"q": WORD}).get_data(as_text=True)
    assert f"<mark>{WORD}</mark>" in html
    assert "Labo secret" in html and "Olivia Owner" in html
    assert 'class="search-facets"' in html and "?q=" in html
    only = titles(client, WORD, space="private-lab")
    assert only == ["Cycle du carbone (private)"]
    assert titles(client, WORD, type="core.space") == []
    assert len(titles(client, WORD, author=str(world.owner.id))) == 3
    assert titles(client, WORD, **{"from": "2999-01-01"}) == []
    assert len(titles(client, WORD, sort="date")) == 3


def test_a_secret_space_filter_is_refused_like_an_unknown_one(client: FlaskClient, world: World) -> None:
    login(client, world.outsider)
    secret = client.get("/search", query_string={"q": WORD, "space": "secret-lab"})
    unknown = client.get("/search", query_string={"q": WORD, "space": "no-such-lab"})
    assert secret.status_code == unknown.status_code == 422
    assert "Labo secret" not in secret.get_data(as_text=True)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"q": "x" * 501}, "q"),
        ({"q": WORD, "type": "nope.nothing"}, "type"),
        ({"q": WORD, "from": "31/12/2026"}, "from"),
        ({"q": WORD, "from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"q": WORD, "page": "abc"}, "page"),
        ({"q": WORD, "page": "99999999999999999999"}, "page"),
        ({"q": WORD, "sort": "random"}, "sort"),
        ({"q": WORD, "author": "-3"}, "author"),
    ],
)
def test_bad_parameters_get_a_clear_message_and_keep_the_query(client: FlaskClient, world: World, args: dict, field: str) -> None:
    login(client, world.member)
    response = client.get("/search", query_string=args)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="err-{field}"' in html
    assert 'name="q"' in html and args["q"][:50] in html


@pytest.mark.parametrize(
    "query", ['"photo', "AND OR NOT", "((", "*", "title:x scope:1", "<script>alert(1)</script>", "\\", "a\tb",
              "💡 idée", "x" * 500, "'; DROP TABLE users; --"],
)
def test_odd_queries_answer_results_or_nothing_never_an_error(client: FlaskClient, world: World, query: str) -> None:
    login(client, world.member)
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_did_you_mean_on_no_results(client: FlaskClient, world: World, search: SearchService) -> None:
    login(client, world.member)
    html = client.get("/search", query_string={"q": "carbnoe"}).get_data(as_text=True)
    assert "Nothing matches" in html
    if search.backend.supports_spelling:  # whoosh; PostgreSQL has no spelling suggestions
        assert "Did you mean" in html and "carbone" in html


def test_empty_query_shows_the_form_only(client: FlaskClient, world: World) -> None:
    login(client, world.member)
    html = client.get("/search").get_data(as_text=True)
    assert 'role="search"' in html and "search-hit" not in html


def test_header_box_is_a_plain_get_form(client: FlaskClient, world: World) -> None:
    login(client, world.member)
    html = client.get("/").get_data(as_text=True)
    assert 'class="site-search" method="get" action="/search"' in html
    assert "js/search-suggest.js" in html
    space_page = client.get(f"/s/{world.spaces['public'].slug}/").get_data(as_text=True)
    assert 'name="space" value="public-lab"' in space_page


def test_suggestions_as_you_type(client: FlaskClient, world: World) -> None:
    login(client, world.outsider)
    data = client.get("/search/suggest", query_string={"q": "cycle du car"}).get_json()
    assert [s["title"] for s in data["suggestions"]] == ["Cycle du carbone (public)"]
    data = client.get("/search/suggest", query_string={"q": "lab"}).get_json()
    assert sorted(s["title"] for s in data["suggestions"]) == ["Labo private", "Labo public"]
    assert client.get("/search/suggest", query_string={"q": "x"}).get_json() == {"suggestions": []}


def test_results_page_query_count_does_not_grow_with_hits(client: FlaskClient, world: World) -> None:
    login(client, world.member)
    client.get("/search", query_string={"q": WORD})  # warm caches
    with count_queries() as few:
        client.get("/search", query_string={"q": WORD})
    space = world.spaces["public"]
    for n in range(30):
        wiki.create_page(space, world.owner, title=f"Annexe {n}", body=f"{WORD} annexe {n}")
    db.session.commit()
    client.get("/search", query_string={"q": WORD})
    with count_queries() as many:
        client.get("/search", query_string={"q": WORD})
    assert many.count <= few.count, (few.count, many.count)


# -- the API ----------------------------------------------------------------------


def test_api_search_with_filters(client: FlaskClient, world: World) -> None:
    login(client, world.outsider)
    data = client.get("/api/v1/search", query_string={"q": WORD}).get_json()
    assert [h["title"] for h in data["data"]] == ["Cycle du carbone (public)"]
    hit = data["data"][0]
    assert hit["space"] == "public-lab" and hit["type"] == "wiki.page" and "<mark>" in hit["snippet"]
    assert data["meta"]["total"] == 1 and data["facets"]["space"] == {"public-lab": 1}
    client.post("/logout")
    login(client, world.member)
    data = client.get("/api/v1/search", query_string={"q": WORD, "space": "secret-lab"}).get_json()
    assert [h["space"] for h in data["data"]] == ["secret-lab"]


def test_api_refuses_bad_parameters_with_422(client: FlaskClient, world: World) -> None:
    login(client, world.outsider)
    assert client.get("/api/v1/search").status_code == 422
    response = client.get("/api/v1/search", query_string={"q": WORD, "space": "secret-lab"})
    assert response.status_code == 422 and "space" in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/search", query_string={"q": WORD, "per_page": "1000"}).status_code == 422


def test_api_is_in_the_openapi_document(client: FlaskClient, world: World) -> None:
    login(client, world.member)
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/search"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "space", "type", "author", "from", "to", "sort", "page", "per_page"} <= names


def test_api_with_a_bearer_token(client: FlaskClient, world: World) -> None:
    from parvis.models import ApiToken

    _token, clear = ApiToken.issue(world.outsider, "search")
    db.session.commit()
    response = client.get("/api/v1/search", query_string={"q": WORD}, headers={"Authorization": f"Bearer {clear}"})
    assert response.status_code == 200 and response.get_json()["meta"]["total"] == 1


# -- the command ------------------------------------------------------------------


def test_reindex_rebuilds_everything_from_the_database(app: Flask, world: World, search: SearchService) -> None:
    search.flush()
    search.backend.rebuild([])  # an empty (or lost) index
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output
    # 6 people + 3 spaces + 3 pages
    assert search.backend.count() == 12
    result = runner.invoke(args=["search", "reindex", "--space", "public-lab"])
    assert result.exit_code == 0 and "space public-lab" in result.output
    assert search.backend.count() == 12
    result = runner.invoke(args=["search", "reindex", "--space", "nope"])
    assert result.exit_code != 0 and "no space" in result.output
    result = runner.invoke(args=["search", "status"])
    assert "documents: 12" in result.output


def test_password_is_the_fixture_password() -> None:
    assert PASSWORD


def test_a_capped_count_is_shown_as_a_lower_bound(client: FlaskClient, world: World, monkeypatch) -> None:  # noqa: ANN001
    """When the engine stops counting (PostgreSQL ranks the first 1,000 readable matches),
    the page says "more than N" and the API says ``capped``."""
    from parvis.search.service import EXTENSION_KEY

    service = client.application.extensions[EXTENSION_KEY]
    real = service.search

    def capped_search(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        found, access = real(*args, **kwargs)
        found.capped = True
        return found, access

    monkeypatch.setattr(service, "search", capped_search)
    login(client, world.outsider)
    html = client.get("/search", query_string={"q": WORD}).get_data(as_text=True)
    assert "More than 1 results" in html or "Plus de 1 résultats" in html
    data = client.get("/api/v1/search", query_string={"q": WORD}).get_json()
    assert data["meta"]["capped"] is True and data["meta"]["total"] == 1


def test_an_index_of_an_old_layout_is_rebuilt_not_a_crash(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    """An index left by an older version (other fields, no version file) is replaced by an
    empty one and rebuilt from the database on first use: results, not a 500."""
    from whoosh import index
    from whoosh.fields import ID, TEXT, Schema

    folder = tmp_path / "old-index"
    folder.mkdir()
    old = index.create_in(str(folder), Schema(key=ID(unique=True, stored=True), title=TEXT(stored=True), body=TEXT))
    with old.writer() as writer:
        writer.add_document(key="wiki.page:999", title="Ancienne page", body=WORD)
    old.close()
    service: SearchService = app.extensions[EXTENSION_KEY]
    service.backend = WhooshBackend(folder)
    world = World()
    world_pages = sorted(f"Cycle du carbone ({v})" for v in ("public", "private", "secret"))
    assert sorted(hits_for(client, world.member)) == world_pages
    assert service.backend.count() == 12  # 6 people + 3 spaces + 3 pages, the old entry gone
    assert not service.backend.take_rebuild_request()  # once only


def test_a_savepoint_rolled_back_keeps_the_index_jobs_of_the_writes_before_it(app: Flask) -> None:
    """A failed savepoint (a duplicate vote or reaction caught by the code) undoes its own
    rows only: what the transaction wrote before it must still reach the index."""
    from sqlalchemy.exc import IntegrityError

    from parvis.models import Reaction
    from parvis.services.search import index_later

    service: SearchService = app.extensions[EXTENSION_KEY]
    service.flush()
    owner = make_user("owner@example.org", "Olga Owner")
    db.session.add(Reaction(target_type="test", target_id=1, user_id=owner.id, emoji="like"))
    db.session.commit()
    service.flush()
    index_later("wiki.page", 4242)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Reaction(target_type="test", target_id=1, user_id=owner.id, emoji="like"))
    db.session.commit()
    assert ("index", "wiki.page", 4242) in service.queue._pending
