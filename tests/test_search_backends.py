"""One backend suite, run against whoosh and PostgreSQL: the same documents, the same answers.

The PostgreSQL backend needs a server: ``PARVIS_TEST_DATABASE_URL`` when it is
PostgreSQL, else ``postgresql+psycopg://postgres@127.0.0.1:5432/parvis_search``. When
neither is reachable the PostgreSQL cases are skipped (unless PARVIS_REQUIRE_SERVICES
is set, then they fail).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from parvis.search.backend import MAX_QUERY_LENGTH, SearchBackend, SearchQuery
from parvis.search.documents import MARK_END, MARK_START, SearchDocument
from parvis.search.models import SearchEntry
from parvis.search.postgres_backend import PostgresBackend
from parvis.search.whoosh_backend import WhooshBackend

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/parvis_search"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _pg_url() -> str:
    url = os.environ.get("PARVIS_TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else DEFAULT_PG


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[Engine]:
    engine = create_engine(_pg_url())
    try:
        with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001
        engine.dispose()
        if os.environ.get("PARVIS_REQUIRE_SERVICES"):
            raise
        pytest.skip(f"PostgreSQL unreachable at {_pg_url()}: {exc}")
    SearchEntry.__table__.create(engine, checkfirst=True)
    yield engine
    engine.dispose()


@pytest.fixture(params=["whoosh", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    if request.param == "whoosh":
        b: SearchBackend = WhooshBackend(tmp_path / "index")
    else:
        engine = request.getfixturevalue("pg_engine")
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM search_entries")
        b = PostgresBackend(lambda: engine)
    b.setup()
    yield b
    b.close()


def doc(type_: str, oid: int, space: int, title: str, body: str = "", **kw) -> SearchDocument:  # noqa: ANN003
    module = kw.pop("module", type_.split(".")[0])
    return SearchDocument(type=type_, object_id=oid, space_id=space, module=module, title=title, body=body,
                          url=f"/s/{space}/{oid}", **kw)


CORPUS = [
    doc("wiki.page", 1, 10, "Guide de l'école numérique",
        "Les élèves du collège utilisent des tablettes pour la formation continue.", author_id=7,
        updated_at=T0),
    doc("posts.post", 2, 10, "Budget 2026", "Le budget des écoles primaires augmente.", author_id=8,
        updated_at=T0 + timedelta(days=10), tags=["finances", "écoles"]),
    doc("faq.entry", 3, 20, "Comment réserver une salle ?", "Utilisez le formulaire de réservation.",
        author_id=7, updated_at=T0 + timedelta(days=20)),
    doc("wiki.page", 4, 30, "Secret : plan de réorganisation", "La réorganisation des écoles du ministère.",
        updated_at=T0 + timedelta(days=5)),
    doc("discussions.message", 5, 10, "Message", "On se retrouve pour la formation des élèves jeudi ?",
        author_id=8, updated_at=T0 + timedelta(days=1)),
]
ALL = frozenset({"10:wiki", "10:posts", "10:discussions", "20:faq", "30:wiki"})


def q(text: str, scopes: frozenset[str] = ALL, **kw) -> SearchQuery:  # noqa: ANN003
    return SearchQuery(text=text, scopes=scopes, **kw)


def keys(results) -> set[str]:  # noqa: ANN001
    return {h.key for h in results.hits}


@pytest.fixture
def filled(backend: SearchBackend) -> SearchBackend:
    backend.upsert(CORPUS)
    return backend


def test_finds_words_regardless_of_accents_and_plurals(filled: SearchBackend) -> None:
    assert "wiki.page:1" in keys(filled.search(q("eleve")))
    assert "wiki.page:1" in keys(filled.search(q("élèves")))
    assert {"wiki.page:1", "posts.post:2", "wiki.page:4"} <= keys(filled.search(q("ecoles")))
    assert "faq.entry:3" in keys(filled.search(q("RÉSERVATION")))


def test_all_words_must_match_and_phrases_keep_order(filled: SearchBackend) -> None:
    assert keys(filled.search(q("budget primaires"))) == {"posts.post:2"}
    assert keys(filled.search(q('"formation des élèves"'))) == {"discussions.message:5"}
    assert keys(filled.search(q("budget tablettes"))) == set()


def test_either_word_with_or_and_phrases_among_other_words(filled: SearchBackend) -> None:
    assert keys(filled.search(q("budget OR tablettes"))) == {"posts.post:2", "wiki.page:1"}
    assert keys(filled.search(q('jeudi "formation des élèves"'))) == {"discussions.message:5"}
    assert keys(filled.search(q('"élèves formation"'))) == set()  # the order counts
    assert keys(filled.search(q('"budget"'))) == {"posts.post:2"}  # a one-word phrase is the word
    assert keys(filled.search(q("finances"))) == {"posts.post:2"}  # tags are searched too


def test_scopes_are_the_only_access(filled: SearchBackend) -> None:
    """A document outside the user's scopes is never returned, whatever the query."""
    outsider = frozenset({"10:wiki", "10:posts", "10:discussions", "20:faq"})
    found = filled.search(q("réorganisation écoles", outsider))
    assert "wiki.page:4" not in keys(found)
    assert filled.search(q("ecole", frozenset())).total == 0
    # A disabled module in a readable space: its scope is missing.
    assert keys(filled.search(q("formation", frozenset({"10:wiki"})))) == {"wiki.page:1"}
    assert all(h.title != "Secret : plan de réorganisation" for h in filled.suggest("plan", outsider))


def test_filters_by_space_type_author_and_dates(filled: SearchBackend) -> None:
    assert keys(filled.search(q("ecole", space_ids=(30,)))) == {"wiki.page:4"}
    assert keys(filled.search(q("ecole", types=("posts.post",)))) == {"posts.post:2"}
    assert keys(filled.search(q("formation", author_id=8))) == {"discussions.message:5"}
    late = filled.search(q("ecole", date_from=T0 + timedelta(days=4), date_to=T0 + timedelta(days=11)))
    assert keys(late) == {"posts.post:2", "wiki.page:4"}


def test_sort_by_date_and_pages(filled: SearchBackend) -> None:
    found = filled.search(q("ecole", sort="date"))
    assert [h.key for h in found.hits] == ["posts.post:2", "wiki.page:4", "wiki.page:1"]
    first = filled.search(q("ecole", sort="date", per_page=2))
    second = filled.search(q("ecole", sort="date", per_page=2, page=2))
    assert first.total == second.total == 3
    assert [h.key for h in second.hits] == ["wiki.page:1"]
    assert first.pages == 2


def test_facets_count_every_match(filled: SearchBackend) -> None:
    found = filled.search(q("ecole"))
    assert found.facets["type"] == {"wiki.page": 2, "posts.post": 1}
    assert found.facets["space"] == {"10": 2, "30": 1}
    assert found.facets["author"] == {"7": 1, "8": 1}


def test_snippets_mark_the_matches(filled: SearchBackend) -> None:
    hit = next(h for h in filled.search(q("tablettes")).hits)
    assert f"{MARK_START}tablettes{MARK_END}" in hit.snippet
    assert hit.title == "Guide de l'école numérique"
    assert hit.url == "/s/10/1"
    assert hit.author_id == 7
    assert hit.date == T0


def test_update_replaces_and_delete_removes(filled: SearchBackend) -> None:
    filled.upsert([doc("posts.post", 2, 10, "Budget 2027", "Plus aucune mention.")])
    assert filled.search(q("primaires")).total == 0
    assert keys(filled.search(q("2027"))) == {"posts.post:2"}
    filled.delete([("posts.post", 2), ("posts.post", 999)])
    assert filled.search(q("budget")).total == 0
    filled.delete_space(10)
    assert filled.search(q("formation")).total == 0
    assert filled.count() == 2


def test_rebuild_whole_and_one_space(filled: SearchBackend) -> None:
    assert filled.rebuild([doc("wiki.page", 9, 10, "Nouveau départ")], space_id=10) == 1
    assert filled.search(q("tablettes")).total == 0
    assert filled.search(q("réserver")).total == 1  # other spaces untouched
    assert filled.rebuild([doc("wiki.page", 11, 40, "Tout neuf")]) == 1
    assert filled.count() == 1


@pytest.mark.parametrize(
    "text",
    ['"unbalanced', "AND OR NOT", "((()", "*", "?", "title:x", "école -", "-", "a" * 5000,
     "x" * (MAX_QUERY_LENGTH + 50), "😀 emoji", "'; DROP TABLE search_entries; --", "\\", "<script>",
     "le la les", "%_", "ecole:*", "!!", "1 & 2 | 3"],
)
def test_odd_queries_never_fail(filled: SearchBackend, text: str) -> None:
    found = filled.search(q(text))
    assert found.total >= 0
    assert filled.suggest(text, ALL) is not None


def test_suggestions_complete_titles(filled: SearchBackend) -> None:
    titles = [h.title for h in filled.suggest("guide éco", ALL)]
    assert titles == ["Guide de l'école numérique"]
    assert [h.title for h in filled.suggest("budg", ALL)] == ["Budget 2026"]
    assert filled.suggest("budg", frozenset({"20:faq"})) == []


def test_spelling_suggestion_when_supported(filled: SearchBackend) -> None:
    found = filled.search(q("budjet"))
    if filled.supports_spelling:
        assert found.total == 0
        assert found.suggestion == "budget"
    else:
        assert found.suggestion is None
