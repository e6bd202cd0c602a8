"""Attachments: upload, safe download headers, size limit, names, permissions."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import TEST_PLUGINS, add_member, login, logout, make_space
from plugins.notes_module import make_note

from parvis.extensions import db
from parvis.models import Attachment
from parvis.services import attachments as attachment_service
from parvis.storage import LocalStorage
from parvis.storage.local import KEY_RE

pytestmark = pytest.mark.config(EXTRA_PLUGINS=[*TEST_PLUGINS, "plugins.notes_module"])

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
SANDBOX = "default-src 'none'; sandbox"


def sign_in(client, user) -> None:  # noqa: ANN001
    logout(client)
    assert login(client, user).status_code == 302


@pytest.fixture
def storage(app, tmp_path: Path) -> LocalStorage:  # noqa: ANN001
    """A fresh storage folder per test (instead of the shared instance folder)."""
    backend = LocalStorage(tmp_path / "files")
    app.extensions["parvis_storage"] = backend
    return backend


@pytest.fixture
def team(alice, bob, carol, storage):  # noqa: ANN001, ANN201
    space = make_space(alice, "team", visibility="public")
    add_member(space, bob)
    add_member(space, carol, "guest")
    return space, make_note(space, alice, "Report")


def upload(client, note, name: str, data: bytes, mimetype: str = "application/octet-stream",  # noqa: ANN001, ANN201
           json: bool = True, slug: str = "team", **fields):  # noqa: ANN003
    form = {"file": (io.BytesIO(data), name, mimetype), "next": "/s/team/"}
    if note is not None:
        form.update(target_type="notes.note", target_id=str(note.id))
    form.update(fields)
    headers = {"Accept": "application/json"} if json else {}
    return client.post(f"/s/{slug}/content/attachments", data=form, headers=headers,
                       content_type="multipart/form-data")


def download(client, url: str):  # noqa: ANN001, ANN201
    """GET a file and close its stream (``buffered``), as a WSGI server would."""
    return client.get(url, buffered=True)


def stored_files(storage: LocalStorage) -> list[Path]:
    return [p for p in storage.root.rglob("*") if p.is_file()] if storage.root.exists() else []


def test_upload_image_and_download_it_inline(client, team, bob, storage):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = upload(client, note, "photo.png", PNG, "image/png")
    assert r.status_code == 201
    att = db.session.get(Attachment, r.json["id"])
    assert r.json["filename"] == "photo.png"
    assert r.json["url"] == f"/s/team/content/attachments/{att.id}"
    assert att.content_type == "image/png" and att.size == len(PNG)
    assert att.target_type == "notes.note" and att.target_id == note.id
    assert KEY_RE.fullmatch(att.storage_key) and "photo" not in att.storage_key
    assert storage.exists(att.storage_key)
    r = download(client, r.json["url"])
    assert r.status_code == 200 and r.data == PNG
    assert r.mimetype == "image/png"
    assert r.headers["Content-Disposition"].startswith("inline")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Security-Policy"] == SANDBOX
    # ?download=1 forces a download even for images.
    r = download(client, f"/s/team/content/attachments/{att.id}?download=1")
    assert r.headers["Content-Disposition"].startswith("attachment")


def test_document_is_always_downloaded(client, team, bob):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = upload(client, note, "Compte-rendu réunion.pdf", b"%PDF-1.7\n...", "text/html")
    att = db.session.get(Attachment, r.json["id"])
    assert att.content_type == "application/pdf"
    assert att.display_name == "Compte-rendu réunion.pdf"
    assert att.filename == "Compte-rendu_reunion.pdf"
    r = download(client, f"/s/team/content/attachments/{att.id}")
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''Compte-rendu%20r%C3%A9union.pdf" in disposition
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Security-Policy"] == SANDBOX


def test_html_sent_as_png_is_not_served_inline(client, team, bob):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = upload(client, note, "cat.png", HTML, "image/png")
    att = db.session.get(Attachment, r.json["id"])
    assert att.content_type == "application/octet-stream" and not att.is_image
    r = download(client, f"/s/team/content/attachments/{att.id}")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.mimetype == "application/octet-stream"
    assert r.headers["Content-Security-Policy"] == SANDBOX
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert "<img" not in page.split('class="attachments"')[1].split("</ul>")[0]


@pytest.mark.parametrize(
    ("name", "data", "mimetype"),
    [
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
        ("page.html", HTML, "text/html"),
        ("page.htm", HTML, "image/jpeg"),
    ],
)
def test_active_content_is_never_inline(client, team, bob, name, data, mimetype):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = upload(client, note, name, data, mimetype)
    att = db.session.get(Attachment, r.json["id"])
    assert att.content_type == "application/octet-stream"
    r = download(client, f"/s/team/content/attachments/{att.id}")
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert "svg" not in r.mimetype and "html" not in r.mimetype


@pytest.mark.config(ATTACHMENT_MAX_BYTES=1000, EXTRA_PLUGINS=[*TEST_PLUGINS, "plugins.notes_module"])
def test_oversize_refused_with_clear_error(client, team, bob, storage):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = upload(client, note, "big.bin", b"x" * 1001)
    assert r.status_code == 400
    assert r.json["error"]["fields"]["file"].startswith("This file is too large: the limit is")
    r = upload(client, note, "big.bin", b"x" * 5000, json=False)
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "This file is too large" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
    assert stored_files(storage) == []
    assert upload(client, note, "ok.bin", b"x" * 1000).status_code == 201


@pytest.mark.config(MAX_CONTENT_LENGTH=2000, EXTRA_PLUGINS=[*TEST_PLUGINS, "plugins.notes_module"])
def test_request_over_the_server_limit_gets_a_clear_error(client, team, bob):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = upload(client, note, "big.bin", b"x" * 5000)
    assert r.status_code == 413 and "too large" in r.json["error"]["message"]


def test_path_traversal_names_are_harmless(client, team, bob, storage, tmp_path):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    before = {p for p in tmp_path.rglob("*")}
    for name in ("../../../etc/passwd", "..\\..\\boot.ini", "/abs/path/.bashrc", "....//x.txt"):
        r = upload(client, note, name, b"content")
        assert r.status_code == 201, name
        att = db.session.get(Attachment, r.json["id"])
        assert "/" not in att.filename and "\\" not in att.filename and not att.filename.startswith(".")
        assert "/" not in att.display_name and ".." not in att.display_name
        assert KEY_RE.fullmatch(att.storage_key)
        assert (storage.root / att.storage_key).read_bytes() == b"content"
    assert db.session.scalar(db.select(Attachment.filename).filter_by(display_name="passwd")) == "etc_passwd"
    created = {p for p in tmp_path.rglob("*")} - before
    assert all(storage.root in p.parents or p == storage.root for p in created)
    names = {p.name for p in stored_files(storage)}
    assert not names & {"passwd", "boot.ini", ".bashrc", "x.txt"}


def test_empty_or_missing_file_refused(client, team, bob):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = upload(client, note, "empty.txt", b"")
    assert r.status_code == 400 and r.json["error"]["message"] == "This file is empty."
    r = client.post("/s/team/content/attachments", data={"next": "/s/team/"})
    assert r.status_code == 302
    assert "Choose a file to upload." in client.get(r.headers["Location"]).get_data(as_text=True)


def test_several_files_through_the_form(client, team, bob):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = client.post(
        "/s/team/content/attachments",
        data={
            "file": [(io.BytesIO(b"one"), "one.txt"), (io.BytesIO(PNG), "two.png")],
            "target_type": "notes.note", "target_id": str(note.id), "next": f"/s/team/notes/{note.id}",
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302 and r.headers["Location"] == f"/s/team/notes/{note.id}"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "2 file(s) uploaded." in page
    assert "one.txt" in page and "two.png" in page
    assert 'type="file"' in page
    found = attachment_service.attachments_for("notes.note", [note.id, 12345])
    assert [a.label for a in found[note.id]] == ["one.txt", "two.png"] and found[12345] == []


def test_who_may_upload(client, team, carol, alice, bob):  # noqa: ANN001
    space, note = team
    sign_in(client, carol)
    assert upload(client, note, "a.txt", b"a").status_code == 403
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert 'type="file"' not in page
    private_note = make_note(space, alice, "Draft", private=True)
    sign_in(client, bob)
    assert upload(client, private_note, "a.txt", b"a").status_code == 404
    inner = make_space(alice, "inner", visibility="private")
    assert upload(client, make_note(inner, alice), "a.txt", b"a", slug="inner").status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_who_may_download(client, team, alice, bob, carol):  # noqa: ANN001
    space, note = team
    private_note = make_note(space, bob, "Bob's draft", private=True)
    sign_in(client, bob)
    on_note = upload(client, note, "a.txt", b"a").json["id"]
    on_draft = upload(client, private_note, "b.txt", b"b").json["id"]
    loose = upload(client, None, "c.txt", b"c").json["id"]
    assert download(client, f"/s/team/content/attachments/{loose}").status_code == 200
    sign_in(client, carol)  # guest: reads the note, not Bob's draft nor his loose upload
    assert download(client, f"/s/team/content/attachments/{on_note}").status_code == 200
    assert download(client, f"/s/team/content/attachments/{on_draft}").status_code == 404
    assert download(client, f"/s/team/content/attachments/{loose}").status_code == 404
    assert download(client, "/s/team/content/attachments/999999").status_code == 404
    make_space(carol, "mine", visibility="public")
    assert download(client, f"/s/mine/content/attachments/{on_note}").status_code == 404
    sign_in(client, alice)  # the owner moderates: sees the loose upload
    assert download(client, f"/s/team/content/attachments/{loose}").status_code == 200


def test_non_member_of_private_space_cannot_download(client, alice, bob, storage):  # noqa: ANN001
    inner = make_space(alice, "inner", visibility="private")
    note = make_note(inner, alice)
    sign_in(client, alice)
    att_id = upload(client, note, "a.txt", b"a", slug="inner").json["id"]
    sign_in(client, bob)
    assert download(client, f"/s/inner/content/attachments/{att_id}").status_code == 403


def test_attach_only_own_unattached_uploads(client, team, alice, bob):  # noqa: ANN001
    space, note = team
    sign_in(client, bob)
    mine = upload(client, None, "mine.txt", b"m").json["id"]
    sign_in(client, alice)
    hers = upload(client, None, "hers.txt", b"h").json["id"]
    already = upload(client, note, "already.txt", b"a").json["id"]
    other_note = make_note(space, bob, "Bob's note")
    attached = attachment_service.attach(
        [mine, hers, already, "junk"], space=space, uploader=bob,
        target_type="notes.note", target_id=other_note.id,
    )
    db.session.commit()
    assert [a.id for a in attached] == [mine]
    found = attachment_service.attachments_for("notes.note", [note.id, other_note.id])
    assert [a.id for a in found[other_note.id]] == [mine]
    assert [a.id for a in found[note.id]] == [already]
    assert db.session.get(Attachment, hers).target_type is None


def test_delete_attachment(client, team, alice, bob, carol, storage):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    att_id = upload(client, note, "a.txt", b"a").json["id"]
    key = db.session.get(Attachment, att_id).storage_key
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert f"/content/attachments/{att_id}/delete" in page
    sign_in(client, carol)
    assert client.post(f"/s/team/content/attachments/{att_id}/delete").status_code == 403
    sign_in(client, bob)
    r = client.post(f"/s/team/content/attachments/{att_id}/delete", data={"next": f"/s/team/notes/{note.id}"})
    assert r.status_code == 302 and r.headers["Location"] == f"/s/team/notes/{note.id}"
    assert db.session.get(Attachment, att_id) is None
    assert not storage.exists(key)


def test_missing_stored_file_is_404_not_500(client, team, bob, storage):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    att_id = upload(client, note, "a.txt", b"a").json["id"]
    storage.delete(db.session.get(Attachment, att_id).storage_key)
    assert download(client, f"/s/team/content/attachments/{att_id}").status_code == 404


def test_content_type_detection():
    detect = attachment_service.detect_content_type
    assert detect(PNG, "x.bin") == "image/png"
    assert detect(b"\xff\xd8\xff\xe0rest", "x") == "image/jpeg"
    assert detect(b"GIF89a....", "x.gif") == "image/gif"
    assert detect(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "x") == "image/webp"
    assert detect(b"hello", "notes.txt") == "text/plain"
    assert detect(b"a,b", "data.csv") == "text/csv"
    assert detect(b"PK\x03\x04", "doc.docx").startswith("application/vnd.openxmlformats")
    assert detect(b"hello", "fake.jpg") == "application/octet-stream"
    assert detect(b"hello", "noext") == "application/octet-stream"


@pytest.mark.config(MAX_CONTENT_LENGTH=2000, EXTRA_PLUGINS=[*TEST_PLUGINS, "plugins.notes_module"])
def test_request_over_the_server_limit_without_js(client, team, bob):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = upload(client, note, "big.bin", b"x" * 5000, json=False)
    assert r.status_code == 302 and r.headers["Location"] == "/s/team/"
    assert "This file is too large" in client.get("/s/team/").get_data(as_text=True)


def test_content_type_may_restrict_who_attaches(client, team, alice, bob):  # noqa: ANN001
    space, _note = team
    locked = make_note(space, alice, "Locked", locked=True)
    sign_in(client, bob)
    assert upload(client, locked, "a.txt", b"a").status_code == 403
    sign_in(client, alice)
    assert upload(client, locked, "a.txt", b"a").status_code == 201


def test_json_clients_get_json_errors(client, team, carol):  # noqa: ANN001
    _space, note = team
    sign_in(client, carol)
    r = upload(client, note, "a.txt", b"a")
    assert r.status_code == 403 and r.json["error"]["code"] == 403
    r = client.get("/s/team/content/attachments/424242", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json["error"]["code"] == 404
    r = client.get("/s/team/content/attachments/424242")
    assert r.status_code == 404 and "Page not found." in r.get_data(as_text=True)
