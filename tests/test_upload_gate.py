"""Security gate, uploads: the hostile-file set through EVERY upload entry point.

Each file of :data:`parvis.testing.hostile_uploads.HOSTILE_FILES` (active content,
polyglots, disguised executables, a zip bomb, path tricks, NUL, right-to-left override
and markup in names) is sent to every place that accepts a file: the documents upload
form and API, the generic attachments route (editors, comments), post attachments and
covers, discussion messages, profile photos and space images, the calendar's .ics
import and the builder's space file import. Whatever is stored must download safely
(attachment or raster image, ``nosniff``, a sandboxing CSP, never an active type), names
are shown escaped, nothing answers 500, and an oversized file is refused with a message
that names the limit.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from conftest import login, make_space, make_user
from documents_support import post_files

from parvis.extensions import db
from parvis.models import ApiToken, Attachment
from parvis.plugins.manager import current_platform
from parvis.storage import LocalStorage
from parvis.testing.hostile_uploads import (
    HOSTILE_FILES,
    HostileFile,
    download_problems,
    page_problems,
)

SLUG = "gate"
MARKUP = next(f for f in HOSTILE_FILES if f.markup_name)


@pytest.fixture
def gate(app, tmp_path):  # noqa: ANN001, ANN201
    """A public space with every module, its owner signed in, and an API token."""
    app.extensions["parvis_storage"] = LocalStorage(tmp_path / "files")
    owner = make_user("owner-gate@example.org", "Gate Owner")
    modules = [m.id for m in current_platform().ordered_modules()]
    space = make_space(owner, SLUG, visibility="public", modules=modules)
    _token, clear = ApiToken.issue(owner, name="gate")
    db.session.commit()
    return {"owner": owner, "space": space, "token": clear}


def _file(item: HostileFile) -> tuple[io.BytesIO, str, str]:
    return (io.BytesIO(item.content), item.name, "application/octet-stream")


def _status(response: Any, where: str, item: HostileFile) -> list[str]:
    response.get_data()
    response.close()
    return [f"{where} {item.id}: answered {response.status_code}"] if response.status_code >= 500 else []


def _download(client: Any, url: str, item: HostileFile, where: str, **kwargs: Any) -> list[str]:
    response = client.get(url, buffered=True, **kwargs)
    return [f"{where} {p}" for p in download_problems(response, item)]


def _new_attachments(seen: set[int]) -> list[Attachment]:
    rows = [a for a in db.session.scalars(db.select(Attachment)) if a.id not in seen]
    seen.update(a.id for a in rows)
    return rows


def _documents_since(seen: set[int]) -> list[int]:
    from parvis_modules.documents.models import Document

    ids = [i for i in db.session.scalars(db.select(Document.id)) if i not in seen]
    seen.update(ids)
    return ids


def test_documents_form_and_api(client, gate) -> None:  # noqa: ANN001
    login(client, gate["owner"])
    bearer = {"Authorization": f"Bearer {gate['token']}"}
    api = f"/api/v1/spaces/{SLUG}/documents/documents"
    seen: set[int] = set()
    problems: list[str] = []
    for item in HOSTILE_FILES:
        for where, response in (
            ("documents form", client.post(f"/s/{SLUG}/documents/upload", data={"files": _file(item)},
                                           content_type="multipart/form-data")),
            ("documents API", client.post(api, data={"files": _file(item)}, headers=bearer,
                                          content_type="multipart/form-data")),
        ):
            problems += _status(response, where, item)
            for doc_id in _documents_since(seen):
                problems += _download(client, f"/s/{SLUG}/documents/d/{doc_id}/download", item, where)
                problems += _download(client, f"{api}/{doc_id}/download", item, where + " (API download)",
                                      headers=bearer)
                page = client.get(f"/s/{SLUG}/documents/d/{doc_id}").get_data(as_text=True)
                problems += page_problems(page, item)
    problems += page_problems(client.get(f"/s/{SLUG}/documents/").get_data(as_text=True), MARKUP)
    assert len(seen) >= len(HOSTILE_FILES) - 2, "the documents entry points stored too few files to check"
    assert not problems, "\n".join(problems)


def test_generic_attachments_route(client, gate) -> None:  # noqa: ANN001
    login(client, gate["owner"])
    problems: list[str] = []
    stored = 0
    for item in HOSTILE_FILES:
        response = client.post(f"/s/{SLUG}/content/attachments", data={"file": _file(item), "next": f"/s/{SLUG}/"},
                               headers={"Accept": "application/json"}, content_type="multipart/form-data")
        problems += _status(response, "attachments", item)
        if response.status_code == 201:
            stored += 1
            problems += _download(client, response.json["url"], item, "attachments")
            if item.markup_name and "<img" in response.json["filename"] and response.mimetype == "text/html":
                problems.append("attachments: the name came back as HTML")
    assert stored >= len(HOSTILE_FILES) - 2
    assert not problems, "\n".join(problems)


def test_post_attachments_and_cover(client, gate) -> None:  # noqa: ANN001
    from parvis_modules.posts.models import Post

    login(client, gate["owner"])
    problems: list[str] = []
    seen: set[int] = set()
    for item in HOSTILE_FILES:
        for field in ("attachments", "cover"):
            response = client.post(f"/s/{SLUG}/posts/new", content_type="multipart/form-data",
                                   data={"title": f"{item.id} {field}", "body": "Voir le fichier", field: _file(item)})
            problems += _status(response, f"post {field}", item)
            for att in _new_attachments(seen):
                problems += _download(client, f"/s/{SLUG}/content/attachments/{att.id}", item, f"post {field}")
    for post in db.session.scalars(db.select(Post)):
        page = client.get(f"/s/{SLUG}/posts/{post.id}").get_data(as_text=True)
        problems += page_problems(page, MARKUP)
    assert seen, "no post attachment was stored"
    assert not problems, "\n".join(problems)


def test_discussion_message_files(client, gate) -> None:  # noqa: ANN001
    from parvis_modules.discussions.service import ensure_default_channel

    channel = ensure_default_channel(gate["space"], gate["owner"])
    db.session.commit()
    login(client, gate["owner"])
    url = f"/s/{SLUG}/discussions/c/{channel.id}"
    problems: list[str] = []
    seen: set[int] = set()
    for item in HOSTILE_FILES:
        response = client.post(url, data={"body": f"Fichier {item.id}", "files": _file(item)},
                               content_type="multipart/form-data")
        problems += _status(response, "discussion message", item)
        for att in _new_attachments(seen):
            problems += _download(client, f"/s/{SLUG}/content/attachments/{att.id}", item, "discussion message")
    problems += page_problems(client.get(url).get_data(as_text=True), MARKUP)
    assert seen, "no message attachment was stored"
    assert not problems, "\n".join(problems)


def test_images_and_imports_never_fail(client, gate) -> None:  # noqa: ANN001
    """Photos, space images, .ics and space files: refused clearly or stored as an image."""
    owner = gate["owner"]
    login(client, owner)
    problems: list[str] = []
    for item in HOSTILE_FILES:
        for where, url, field in (
            ("profile photo", "/account/photo", "image"),
            ("space icon", f"/s/{SLUG}/image/icon", "image"),
            ("space banner", f"/s/{SLUG}/image/banner", "image"),
            ("calendar import", f"/s/{SLUG}/calendar/import", "file"),
            ("space file import", f"/s/{SLUG}/builder/import", "file"),
        ):
            response = client.post(url, data={field: _file(item)}, content_type="multipart/form-data")
            problems += _status(response, where, item)
        for where, url in (("profile photo", f"/people/{owner.id}/photo"), ("space icon", f"/s/{SLUG}/image/icon")):
            response = client.get(url, buffered=True)
            if response.status_code == 200 and not response.mimetype.startswith("image/") or "svg" in response.mimetype:
                problems.append(f"{where} {item.id}: served as {response.mimetype}")
            if response.status_code == 200 and response.headers.get("X-Content-Type-Options") != "nosniff":
                problems.append(f"{where} {item.id}: no nosniff")
    assert not problems, "\n".join(problems)


OVERSIZE_ENTRY_POINTS = {
    "documents form": (f"/s/{SLUG}/documents/upload", "files", {}),
    "documents API": (f"/api/v1/spaces/{SLUG}/documents/documents", "files", {}),
    "attachments": (f"/s/{SLUG}/content/attachments", "file", {}),
    "post attachments": (f"/s/{SLUG}/posts/new", "attachments", {"title": "Gros", "body": "x"}),
    "discussion message": (None, "files", {"body": "Gros fichier"}),
}


@pytest.mark.config(ATTACHMENT_MAX_BYTES=256 * 1024, DOCUMENTS_MAX_FILE_MB=1)
@pytest.mark.parametrize("where", list(OVERSIZE_ENTRY_POINTS))
def test_oversize_is_refused_with_the_limit_named(client, gate, where: str) -> None:  # noqa: ANN001
    from parvis_modules.discussions.service import ensure_default_channel
    from parvis_modules.documents.models import Document

    url, field, extra = OVERSIZE_ENTRY_POINTS[where]
    if url is None:
        channel = ensure_default_channel(gate["space"], gate["owner"])
        db.session.commit()
        url = f"/s/{SLUG}/discussions/c/{channel.id}"
    login(client, gate["owner"])
    headers = {"Accept": "application/json", "Authorization": f"Bearer {gate['token']}"} \
        if "API" in where or where == "attachments" else {}
    big = b"\x00" * (2 * 1024 * 1024 + 1)
    response = post_files(client, url, {**extra, field: (io.BytesIO(big), "big.bin")}, headers=headers)
    text = response.get_data(as_text=True)
    if response.status_code in (302, 303):  # a form that redirects shows the refusal as a message
        text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert response.status_code < 500
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0
    assert any(unit in text for unit in ("KB", "MB", "Ko", "Mo")), f"the refusal does not name the limit: {text[:300]}"
