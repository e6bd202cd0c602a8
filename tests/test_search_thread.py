"""The writer thread: index jobs run after commit, off the request, in order."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conftest import login, make_space, make_user
from flask import Flask
from flask.testing import FlaskClient

from parvis.extensions import db
from parvis.search.backend import SearchQuery
from parvis.search.service import EXTENSION_KEY, SearchService
from parvis.search.whoosh_backend import WhooshBackend
from parvis_modules.wiki import services as wiki

pytestmark = pytest.mark.config(SEARCH_QUEUE="thread")


class SlowBackend(WhooshBackend):
    """A whoosh backend whose writes take a while (a merge, a busy disk)."""

    delay = 0.6

    def upsert(self, docs):  # noqa: ANN001, ANN201
        time.sleep(self.delay)
        self.writer_threads = getattr(self, "writer_threads", set()) | {threading.current_thread().name}
        return super().upsert(docs)


@pytest.fixture
def service(app: Flask, tmp_path: Path) -> SearchService:
    service: SearchService = app.extensions[EXTENSION_KEY]
    assert service.queue.mode == "thread"
    service.backend = SlowBackend(tmp_path / "index")
    service.backend.setup()
    return service


def found(service: SearchService, text: str) -> int:
    return service.backend.search(SearchQuery(text, frozenset({"core:spaces", "core:people"}) | scopes())).total


def scopes() -> frozenset[str]:
    ids = db.session.scalars(db.select(db.text("id")).select_from(db.text("spaces"))).all()
    return frozenset(f"{i}:wiki" for i in ids)


def test_a_commit_never_waits_for_the_index(app: Flask, service: SearchService) -> None:
    owner = make_user("owner@example.org", "Olivia Owner")
    space = make_space(owner, "lab")
    service.flush()
    wiki.create_page(space, owner, title="Rapport annuel", body="chlorophylle")
    started = time.perf_counter()
    db.session.commit()
    assert time.perf_counter() - started < service.backend.delay  # the write happens later
    assert service.flush(timeout=30)
    assert found(service, "chlorophylle") == 1
    assert service.backend.writer_threads == {"parvis-search-writer"}


def test_a_rollback_cancels_the_jobs(app: Flask, service: SearchService) -> None:
    owner = make_user("owner@example.org", "Olivia Owner")
    space = make_space(owner, "lab")
    wiki.create_page(space, owner, title="Annulée", body="mitochondrie")
    db.session.rollback()
    assert service.flush(timeout=30)
    assert found(service, "mitochondrie") == 0


def test_requests_answer_while_the_writer_is_busy(app: Flask, client: FlaskClient, service: SearchService) -> None:
    owner = make_user("owner@example.org", "Olivia Owner")
    space = make_space(owner, "lab")
    service.flush()
    service.backend.delay = 1.5
    for n in range(3):
        wiki.create_page(space, owner, title=f"Page {n}", body="photosynthèse")
        db.session.commit()
    login(client, owner)
    started = time.perf_counter()
    assert client.get("/search", query_string={"q": "inexistant"}).status_code == 200
    assert time.perf_counter() - started < 1.5
    assert service.flush(timeout=60)
    assert found(service, "photosynthese") == 3


def test_the_writer_survives_a_failing_document(app: Flask, service: SearchService, monkeypatch) -> None:  # noqa: ANN001
    owner = make_user("owner@example.org", "Olivia Owner")
    space = make_space(owner, "lab")
    service.flush()
    original = service.document

    def broken(type_id: str, object_id: int):  # noqa: ANN202
        if type_id == "wiki.page":
            raise RuntimeError("module bug")
        return original(type_id, object_id)

    monkeypatch.setattr(service, "document", broken)
    wiki.create_page(space, owner, title="Cassée", body="erreur")
    db.session.commit()
    assert service.flush(timeout=30)
    monkeypatch.setattr(service, "document", original)
    wiki.create_page(space, owner, title="Réparée", body="succès")
    db.session.commit()
    assert service.flush(timeout=30)
    assert found(service, "succes") == 1
