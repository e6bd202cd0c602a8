"""Space export: a ZIP with the space, every module's data and the attached files."""

from __future__ import annotations

import io
import json
import zipfile

from conftest import add_member, login, make_space

from parvis_modules.posts.models import Post  # noqa: F401  (posts tables exist)


def _archive(client, slug):
    r = client.get(f"/s/{slug}/export.zip")
    assert r.status_code == 200, r.status_code
    assert r.mimetype == "application/zip"
    assert "attachment" in r.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(r.data))


def test_admin_exports_space_with_modules_and_files(client, alice, bob):
    space = make_space(alice, "export-me", "private")
    add_member(space, bob, "member")
    login(client, alice)
    r = client.post(
        "/s/export-me/posts/new",
        data={"title": "Exported post", "body": "Hello **export**", "tags": "a", "action": "publish"},
    )
    assert r.status_code in (302, 303), r.status_code
    upload = client.post(
        "/s/export-me/content/attachments",
        data={"file": (io.BytesIO(b"hello file"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert upload.status_code in (200, 302)
    archive = _archive(client, "export-me")
    names = archive.namelist()
    assert "space.json" in names and "attachments.json" in names
    space_json = json.loads(archive.read("space.json"))
    assert space_json["slug"] == "export-me"
    assert {m["email"] for m in space_json["members"]} == {alice.email, bob.email}
    posts = json.loads(archive.read("modules/posts.json"))
    assert "Exported post" in json.dumps(posts)
    index = json.loads(archive.read("attachments.json"))
    assert index and archive.read(index[0]["file"]) == b"hello file"


def test_export_is_for_space_admins_only(client, alice, bob, carol):
    space = make_space(alice, "export-guarded", "secret")
    add_member(space, bob, "member")
    login(client, bob)
    assert client.get("/s/export-guarded/export.zip").status_code == 403
    client.post("/logout")
    login(client, carol)
    assert client.get("/s/export-guarded/export.zip").status_code == 404
    client.post("/logout")
    assert client.get("/s/export-guarded/export.zip").status_code == 302
