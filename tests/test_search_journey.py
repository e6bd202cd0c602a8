"""The issue's "done means", tried as a new user would, through the web pages.

In a secret space, a member writes a wiki page, uploads a PDF and posts a chat message
that all contain one word. Typing that word in the search box finds the three for a
member, and none of them (nor the space) for someone who is not a member.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import add_member, login, make_space, make_user
from flask import Flask
from flask.testing import FlaskClient

from parvis.extensions import db
from parvis.search.service import EXTENSION_KEY, SearchService
from parvis.search.whoosh_backend import WhooshBackend

documents_support = pytest.importorskip("documents_support")
discussions = pytest.importorskip("parvis_modules.discussions.service")

WORD = "Concarneau"  # ASCII: the test PDF uses a standard font without accents


@pytest.fixture
def search(app: Flask, tmp_path: Path) -> SearchService:
    service: SearchService = app.extensions[EXTENSION_KEY]
    service.backend = WhooshBackend(tmp_path / "index")
    service.backend.setup()
    documents_support.use_storage(app, tmp_path / "storage")
    return service


def results(client: FlaskClient, query: str) -> list[tuple[str, str]]:
    html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    kinds = re.findall(r'class="search-hit__kind"><span class="tag">([^<]*)</span>', html)
    titles = re.findall(r'class="search-hit__title"><a href="[^"]*">([^<]*)</a>', html)
    return list(zip(kinds, titles, strict=True))


def test_a_word_finds_the_wiki_page_the_pdf_and_the_chat_message(app: Flask, client: FlaskClient, search: SearchService) -> None:
    owner = make_user("owner@example.org", "Olivia Owner")
    member = make_user("member@example.org", "Marc Membre")
    outsider = make_user("outsider@example.org", "Oscar Outsider")
    space = make_space(owner, "mission-bretagne", "secret", name="Mission Bretagne")
    add_member(space, member)

    login(client, member)
    # A wiki page, through the wiki's form.
    response = client.post(f"/s/{space.slug}/wiki/new", data={
        "title": "Compte rendu de visite", "body": f"Visite de la médiathèque de {WORD} mardi.",
    })
    assert response.status_code in (302, 303), response.status_code
    # A PDF, through the documents' upload form.
    response = documents_support.post_files(
        client, f"/s/{space.slug}/documents/upload",
        {"files": [(__import__("io").BytesIO(documents_support.pdf(f"Budget de {WORD} 2026")), "budget.pdf")]},
    )
    assert response.status_code in (200, 302, 303), response.status_code
    # A chat message, through the discussions' form.
    channel = discussions.ensure_default_channel(space, owner)
    db.session.commit()
    response = client.post(f"/s/{space.slug}/discussions/c/{channel.id}", data={"body": f"On se retrouve à {WORD} ?"})
    assert response.status_code in (200, 302, 303), response.status_code

    found = results(client, WORD.lower())
    kinds = sorted(kind for kind, _title in found)
    assert kinds == sorted(["Wiki page", "Document", "Discussion message"]), found
    api = client.get("/api/v1/search", query_string={"q": WORD}).get_json()
    assert api["meta"]["total"] == 3

    client.post("/logout")
    login(client, outsider)
    assert results(client, WORD) == []
    assert results(client, "Mission Bretagne") == []
    assert client.get("/api/v1/search", query_string={"q": WORD}).get_json()["meta"]["total"] == 0
    assert client.get("/search/suggest", query_string={"q": "compte rendu"}).get_json()["suggestions"] == []
