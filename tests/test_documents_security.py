"""Attacks and bad input on the documents module, all refused: hostile names, active
content, oversized and interrupted uploads, ids of another space, share links."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import logout
from documents_support import (
    build_docs,
    doc_named,
    fetch,
    objects,
    post_files,
    signed_in,
    switch,
    upload,
    use_storage,
)

from parvis.extensions import db
from parvis.models import SpaceModule, utcnow
from parvis.testing.hostile_uploads import HOSTILE_FILES
from parvis_modules.documents.models import Document, ShareLink
from parvis_modules.documents.names import clean_name, download_name, split_upload_path

XSS = '<img src=x onerror=alert(1)>.txt'


@pytest.fixture
def docs(app):  # noqa: ANN001, ANN201
    return build_docs()


@pytest.fixture
def storage(app, tmp_path: Path):  # noqa: ANN001, ANN201
    return use_storage(app, tmp_path / "files")


def _settings(space, **values) -> None:  # noqa: ANN001, ANN003
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=space.id, module_id="documents"))
    row.settings = {**(row.settings or {}), **values}
    db.session.commit()


@pytest.mark.parametrize(
    ("raw", "folders", "name"),
    [
        ("../../etc/passwd", ["etc"], "passwd"),
        ("/etc/shadow", ["etc"], "shadow"),
        ("C:\\Windows\\system.ini", ["C:", "Windows"], "system.ini"),
        ("..", [], "file"),
        ("a\x01b\x7fc\u202e.txt", [], "abc.txt"),
        ("   .hidden  ", [], "hidden"),
    ],
)
def test_upload_paths_never_climb(app, raw: str, folders: list[str], name: str) -> None:  # noqa: ANN001
    assert split_upload_path(raw) == (folders, name)


def test_long_and_reserved_names(app) -> None:  # noqa: ANN001
    long = clean_name("é" * 400 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")
    assert download_name("CON.txt") == "CON_.txt"
    assert download_name("nul") == "nul_"
    assert download_name("com1.tar.gz") == "com1_.tar.gz"
    assert download_name('a<b>c:"d|e?f*.txt') == "a_b_c__d_e_f_.txt"


def test_hostile_names_are_stored_and_shown_escaped(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(b"x", XSS), (b"y", "../../secret.txt"), (b"z", "CON.txt"), (b"w", "n" * 300 + ".txt")])
    page = client.get(docs.url + "/").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.txt" in page
    assert "secret.txt" in page
    secret = doc_named("secret.txt")
    assert secret.folder_id is None  # "../.." segments are dropped: it lands where it was uploaded
    con = doc_named("CON.txt")
    response = fetch(client, f"{docs.url}/d/{con.id}/download")
    assert 'filename="CON_.txt"' in response.headers["Content-Disposition"]
    long = db.session.scalar(db.select(Document).where(Document.name.like("nnn%")))
    assert len(long.name) == 255 and long.name.endswith(".txt")
    # Stored objects are named by random keys only.
    assert all("secret" not in k and "CON" not in k for k in objects(storage))


def test_nul_byte_in_a_name_is_refused(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    response = client.post(f"{docs.url}/folders", data={"name": "a\x00b"})
    assert response.status_code == 400
    upload(client, docs, [(b"x", "evil\x00.txt")])
    assert all("\x00" not in d.name for d in db.session.scalars(db.select(Document)))


@pytest.mark.parametrize(
    ("content", "name"),
    [(f.content, f.name) for f in HOSTILE_FILES if f.id in ("html", "xhtml", "svg-script", "html-as-txt", "svg-as-png")],
)
def test_active_content_is_only_ever_downloaded(client, docs, storage, content: bytes, name: str) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(content, name)])
    doc = doc_named(name)
    assert doc.content_type == "application/octet-stream" and doc.preview == "none"
    page = client.get(f"{docs.url}/d/{doc.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "onload=" not in page
    response = fetch(client, f"{docs.url}/d/{doc.id}/download")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.mimetype == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert fetch(client, f"{docs.url}/d/{doc.id}/pdf").status_code == 404
    assert fetch(client, f"{docs.url}/d/{doc.id}/thumb").status_code == 404


@pytest.mark.config(DOCUMENTS_MAX_FILE_MB=1)
def test_request_above_the_platform_limit_is_refused_before_it_is_read(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    response = upload(client, docs, [(b"x" * (3 * 1024 * 1024), "huge.bin")])
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "1 MB" in text or "1,0 MB" in text
    assert objects(storage) == [] and db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # Werkzeug's own spool of the cut part
def test_interrupted_upload_leaves_nothing(client, docs, storage) -> None:  # noqa: ANN001
    from werkzeug.test import EnvironBuilder

    signed_in(client, docs.member)
    builder = EnvironBuilder(method="POST", data={"files": (io.BytesIO(b"z" * 200_000), "cut.bin")})
    environ = builder.get_environ()
    body = environ["wsgi.input"].read()
    builder.close()
    environ["wsgi.input"].close()
    cut = body[: len(body) // 2]  # the connection drops half-way
    response = client.post(f"{docs.url}/upload", input_stream=io.BytesIO(cut),
                           content_type=environ["CONTENT_TYPE"], headers={"Content-Length": str(len(body))})
    assert response.status_code in (302, 400)  # no complete file: "choose files", nothing kept
    assert objects(storage) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0


def test_failure_between_storage_and_commit_leaves_no_orphan(app, client, docs, storage, monkeypatch) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    real_commit = db.session.commit
    calls = {"n": 0}

    def failing_commit() -> None:
        calls["n"] += 1
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = upload(client, docs, [(b"x" * 1000, "a.txt")])
    monkeypatch.setattr(db.session, "commit", real_commit)
    assert calls["n"] >= 1 and response.status_code == 500
    assert objects(storage) == []  # the stored bytes were deleted
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0


def test_storage_check_reports_and_cleans_orphans(app, client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(b"kept", "kept.txt")])
    orphan = storage.save(io.BytesIO(b"crash after the write"), content_type="text/plain")  # a worker died here
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storage", "check", "--grace-minutes", "0", "-v"])
    assert result.exit_code == 0, result.output
    assert "orphans: 1" in result.output and orphan in result.output
    result = runner.invoke(args=["storage", "check", "--grace-minutes", "0", "--clean"])
    assert "deleted: 1" in result.output
    assert not storage.exists(orphan) and storage.exists(doc_named("kept.txt").current_version.storage_key)
    storage.delete(doc_named("kept.txt").current_version.storage_key)
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 1 and "missing: 1" in result.output


def test_ids_of_another_space_are_not_found(client, docs, storage) -> None:  # noqa: ANN001
    other = build_docs("other", visibility="secret")
    signed_in(client, other.member)
    upload(client, other, [(b"%PDF-1.4 secret", "secret.pdf")])
    client.post(f"{other.url}/folders", data={"name": "Hidden"})
    secret = doc_named("secret.pdf")
    folder_id = db.session.scalar(db.select(Document.folder_id).limit(1))
    from parvis_modules.documents.models import DocFolder

    hidden = db.session.scalar(db.select(DocFolder).filter_by(name="Hidden"))
    switch(client, docs.member)
    for path in (f"/d/{secret.id}", f"/d/{secret.id}/download", f"/d/{secret.id}/v/1/download", f"/d/{secret.id}/pdf",
                 f"/d/{secret.id}/thumb", f"/f/{hidden.id}"):
        assert fetch(client, docs.url + path).status_code == 404, path
    for path in (f"/d/{secret.id}/rename", f"/d/{secret.id}/trash", f"/d/{secret.id}/v/1/restore", f"/d/{secret.id}/lock",
                 f"/d/{secret.id}/copy", f"/f/{hidden.id}/trash"):
        assert client.post(docs.url + path, data={"name": "x"}).status_code == 404, path
    assert upload(client, docs, [(b"x", "x.txt")], folder_id=hidden.id).status_code == 404
    comment = client.post(f"/s/{docs.slug}/content/comments",
                          data={"target_type": "documents.document", "target_id": str(secret.id), "body": "hi"})
    assert comment.status_code == 404
    assert client.get(f"{docs.api}/documents/{secret.id}").status_code == 404
    assert client.get(f"{docs.api}/documents/{secret.id}/versions").status_code == 404
    assert fetch(client, f"{docs.api}/documents/{secret.id}/download").status_code == 404
    assert client.get(f"{docs.api}/documents?folder_id={hidden.id}").status_code == 404
    # And the secret space itself does not exist for them.
    assert client.get(f"{other.url}/d/{secret.id}").status_code == 404
    assert folder_id is None or folder_id


def test_share_links_off_by_default_then_working_revocable_and_expiring(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(b"public report", "rapport.txt")])
    doc = doc_named("rapport.txt")
    switch(client, docs.admin)
    client.post(f"{docs.url}/d/{doc.id}/shares", data={"days": "7"})
    assert db.session.scalar(db.select(db.func.count()).select_from(ShareLink)) == 0  # switched off
    _settings(docs.space, share_links=True)
    switch(client, docs.member)
    assert client.post(f"{docs.url}/d/{doc.id}/shares", data={"days": "7"}).status_code == 403  # admins only
    switch(client, docs.admin)
    response = client.post(f"{docs.url}/d/{doc.id}/shares", data={"days": "7"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    import re

    url = re.search(r"https?://[^/]+(/m/documents/share/[A-Za-z0-9_-]{40,})", html).group(1)
    token = url.rsplit("/", 1)[1]
    link = db.session.scalar(db.select(ShareLink))
    assert token not in (link.token_hash,) and len(link.token_hash) == 64  # only the hash is stored
    logout(client)
    page = client.get(url)
    assert page.status_code == 200 and "rapport.txt" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    download = fetch(client, url + "/download")
    assert download.status_code == 200 and download.data == b"public report"
    assert client.get(url[:-1] + ("A" if url[-1] != "A" else "B")).status_code == 404  # guessing fails
    # Revoked: gone.
    link.revoked_at = utcnow()
    db.session.commit()
    assert client.get(url).status_code == 404 and fetch(client, url + "/download").status_code == 404
    # Expired: gone.
    link.revoked_at = None
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(url).status_code == 404
    # Switched off again in the space: every link stops.
    link.expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    assert client.get(url).status_code == 200
    _settings(docs.space, share_links=False)
    assert client.get(url).status_code == 404
    _settings(docs.space, share_links=True)
    doc.deleted_at = utcnow()
    db.session.commit()
    assert client.get(url).status_code == 404  # a trashed file is not shared


def test_revoke_through_the_page(client, docs, storage) -> None:  # noqa: ANN001
    _settings(docs.space, share_links=True)
    signed_in(client, docs.admin)
    upload(client, docs, [(b"x", "a.txt")])
    doc = doc_named("a.txt")
    client.post(f"{docs.url}/d/{doc.id}/shares", data={"days": "1"})
    link = db.session.scalar(db.select(ShareLink))
    assert client.post(f"{docs.url}/d/{doc.id}/shares", data={"days": "365"}).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(ShareLink)) == 1  # 365 days refused
    other = build_docs("elsewhere")
    switch(client, other.admin)
    assert client.post(f"{other.url}/shares/{link.id}/revoke").status_code == 404
    switch(client, docs.admin)
    client.post(f"{docs.url}/shares/{link.id}/revoke")
    db.session.refresh(link)
    assert link.revoked_at is not None


def test_new_version_upload_form_checks_the_target(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(b"x", "a.txt")])
    doc = doc_named("a.txt")
    switch(client, docs.guest)
    response = post_files(client, f"{docs.url}/d/{doc.id}/versions", {"file": (io.BytesIO(b"g"), "a.txt")})
    assert response.status_code == 403
