"""The documents JSON API, the OpenAPI document, widgets, the module contract and
bounded queries on large folders."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from documents_support import (
    build_docs,
    doc_named,
    fetch,
    post_files,
    signed_in,
    upload,
    use_storage,
)

from parvis.extensions import db
from parvis.models import ApiToken
from parvis.plugins.spec import WidgetContext
from parvis.testing.queries import count_queries
from parvis_modules.documents.models import DocFolder, Document, DocumentVersion
from parvis_modules.documents.names import name_key
from parvis_modules.documents.widgets import WIDGETS


@pytest.fixture
def docs(app):  # noqa: ANN001, ANN201
    return build_docs()


@pytest.fixture
def storage(app, tmp_path: Path):  # noqa: ANN001, ANN201
    return use_storage(app, tmp_path / "files")


def bearer(user) -> dict[str, str]:  # noqa: ANN001
    _row, clear = ApiToken.issue(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def test_contract(app) -> None:  # noqa: ANN001
    from parvis.testing.contract import check_module

    assert check_module(app, "documents") == []


def test_api_folders_upload_list_versions_download(client, docs, storage) -> None:  # noqa: ANN001
    headers = bearer(docs.member)
    created = client.post(f"{docs.api}/folders", json={"name": "Rapports"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    folder_id = created.get_json()["id"]
    assert client.post(f"{docs.api}/folders", json={"name": "rapports"}, headers=headers).status_code == 422
    up = post_files(client, f"{docs.api}/documents", {"folder_id": str(folder_id), "files": [
        (io.BytesIO(b"one"), "a.txt"), (io.BytesIO(b"two"), "b.txt")]}, headers=headers)
    assert up.status_code == 201, up.get_json()
    assert [d["name"] for d in up.get_json()["data"]] == ["a.txt", "b.txt"]
    listing = client.get(f"{docs.api}/documents?folder_id={folder_id}&per_page=1", headers=headers).get_json()
    assert listing["meta"]["total"] == 2 and len(listing["data"]) == 1
    doc_id = listing["data"][0]["id"]
    assert client.get(f"{docs.api}/folders", headers=headers).get_json()["data"][0]["name"] == "Rapports"
    again = post_files(client, f"{docs.api}/documents/{doc_id}/versions", {"file": (io.BytesIO(b"three"), "x.txt")},
                       headers=headers)
    assert again.status_code == 201 and again.get_json()["version"] == 2
    versions = client.get(f"{docs.api}/documents/{doc_id}/versions", headers=headers).get_json()["data"]
    assert [v["number"] for v in versions] == [2, 1]
    assert fetch(client, f"{docs.api}/documents/{doc_id}/download", headers=headers).data == b"three"
    assert fetch(client, f"{docs.api}/documents/{doc_id}/versions/1/download", headers=headers).data == b"one"
    assert client.get(f"{docs.api}/documents/{doc_id}", headers=headers).get_json()["name"] == "a.txt"


def test_api_refusals(client, docs, storage) -> None:  # noqa: ANN001
    guest = bearer(docs.guest)
    response = post_files(client, f"{docs.api}/documents", {"files": (io.BytesIO(b"x"), "a.txt")}, headers=guest)
    assert response.status_code == 403 and "error" in response.get_json()
    member = bearer(docs.member)
    empty = post_files(client, f"{docs.api}/documents", {"folder_id": ""}, headers=member)
    assert empty.status_code == 422
    assert client.get(f"{docs.api}/documents?sort=drop", headers=member).status_code == 422
    assert client.get(f"{docs.api}/documents/99999", headers=member).status_code == 404
    assert client.get(f"{docs.api}/documents").status_code == 401


def test_openapi_lists_the_documents_endpoints(client, docs) -> None:  # noqa: ANN001
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    joined = " ".join(paths)
    for part in ("/documents/folders", "/documents/documents", "/versions", "/download"):
        assert part in joined, part


def _bulk(space, owner, count: int, folder_id=None) -> None:  # noqa: ANN001
    """Insert ``count`` documents with one version each, quickly."""
    start = db.session.scalar(db.select(db.func.count()).select_from(Document)) or 0
    docs = [Document(space_id=space.id, folder_id=folder_id, name=f"file-{start + i:05}.txt",
                     name_key=name_key(f"file-{start + i:05}.txt"), owner_id=owner.id, content_type="text/plain",
                     preview="text", size=10, version_count=1) for i in range(count)]
    db.session.add_all(docs)
    db.session.flush()
    for doc in docs:
        db.session.add(DocumentVersion(document_id=doc.id, space_id=space.id, number=1, filename=doc.name,
                                       content_type="text/plain", size=10, author_id=owner.id, body=None))
    db.session.commit()


def test_folder_listing_queries_do_not_grow_with_the_folder(client, docs) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    _bulk(docs.space, docs.member, 3)
    client.get(docs.url + "/")
    with count_queries() as few:
        assert client.get(docs.url + "/?sort=owner").status_code == 200
    _bulk(docs.space, docs.moderator, 300)
    with count_queries() as many:
        page = client.get(docs.url + "/?sort=owner&page=3").get_data(as_text=True)
    assert "Page 3 of 7" in page
    assert many.count == few.count, many.report()
    assert many.count <= 25, many.report()


def test_widgets_load_in_bounded_queries(app, docs) -> None:  # noqa: ANN001
    folder = DocFolder(space_id=docs.space.id, name="F", name_key="f", created_by_id=docs.member.id)
    db.session.add(folder)
    db.session.commit()
    _bulk(docs.space, docs.member, 5, folder.id)
    _bulk(docs.space, docs.member, 5)
    recent, by_folder = WIDGETS
    with app.test_request_context():
        for spec in WIDGETS:
            ctx = WidgetContext(docs.space, dict(spec.defaults), docs.member)
            html = str(spec.render(ctx))
            assert "file-" in html
    contexts = [WidgetContext(docs.space, {"limit": 3}, docs.member) for _ in range(6)]
    with count_queries() as log:
        recent.load(contexts)
    assert log.count <= 2 and all(len(c.data) == 3 for c in contexts)
    contexts = [WidgetContext(docs.space, {"folder_id": folder.id, "limit": 4}, docs.member) for _ in range(3)]
    contexts += [WidgetContext(docs.space, {"folder_id": None}, docs.member), WidgetContext(docs.space, {"folder_id": 999}, docs.member)]
    with count_queries() as log:
        by_folder.load(contexts)
    assert log.count <= 2
    assert len(contexts[0].data["docs"]) == 4 and contexts[4].data["missing"]
    empty = build_docs("empty")
    with app.test_request_context():
        for spec in WIDGETS:
            assert str(spec.render(WidgetContext(empty.space, dict(spec.defaults), empty.member)))


def test_quota_is_shown_in_space_settings(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.owner)
    upload(client, docs, [(b"x" * 2048, "a.bin")])
    page = client.get(f"/s/{docs.slug}/settings").get_data(as_text=True)
    assert "Documents storage" in page and "2 KB" in page.replace("2.0 KB", "2 KB")
    assert doc_named("a.bin").size == 2048
