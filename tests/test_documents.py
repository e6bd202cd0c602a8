"""The documents module as people use it: folders, uploads, versions, previews, notes,
moves, copies, trash, locks, quotas, comments, activity and search documents."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from documents_support import (
    bomb_png,
    build_docs,
    doc_named,
    fetch,
    objects,
    pdf,
    png,
    signed_in,
    switch,
    upload,
    use_storage,
)

from parvis.extensions import db
from parvis.models import Activity, Notification
from parvis.services.spaces import module_settings
from parvis_modules.documents import hooks
from parvis_modules.documents.models import DocFolder, Document, DocumentVersion


@pytest.fixture
def docs(app):  # noqa: ANN001, ANN201
    return build_docs()


@pytest.fixture
def storage(app, tmp_path: Path):  # noqa: ANN001, ANN201
    return use_storage(app, tmp_path / "files")


def test_member_uploads_mixed_files_and_they_are_listed(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    files = [(png(), "photo.png"), (pdf("Rapport annuel"), "rapport.pdf"), (b"Bonjour\n", "notes.txt"),
             (b"a;b\n1;2\n", "table.csv"), (b"# Titre\n", "lisez-moi.md"), (b"\x00\x01binary", "data.bin")]
    response = upload(client, docs, files)
    assert response.status_code == 302
    page = client.get(docs.url + "/").get_data(as_text=True)
    for _content, name in files:
        assert name in page
    assert {d.preview for d in db.session.scalars(db.select(Document))} == {"image", "pdf", "text", "csv", "markdown", "none"}
    # Stored under random keys, never under the user's names.
    assert len(objects(storage)) == 7  # six files and one thumbnail
    assert not any("photo" in key for key in objects(storage))
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity).filter_by(verb="documents.uploaded")) == 6


def test_previews_of_each_kind(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(png(30, 20), "photo.png"), (pdf("Rapport annuel"), "rapport.pdf"),
                          (b"<b>not bold</b>\n", "notes.txt"), (b"nom;age\nAda;36\n", "table.csv"),
                          (b"# Titre\n\n*important*", "doc.md")])
    image = doc_named("photo.png")
    page = client.get(f"{docs.url}/d/{image.id}").get_data(as_text=True)
    assert f"/d/{image.id}/v/1/thumb" in page and "30 × 20" in page
    thumb = fetch(client, f"{docs.url}/d/{image.id}/v/1/thumb")
    assert thumb.status_code == 200 and thumb.mimetype in {"image/jpeg", "image/png"}
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    report = doc_named("rapport.pdf")
    response = client.get(f"{docs.url}/d/{report.id}")
    assert "frame-src 'self'" in response.headers["Content-Security-Policy"]
    assert f'src="/s/{docs.slug}/documents/d/{report.id}/pdf"' in response.get_data(as_text=True)
    assert "Rapport annuel" in response.get_data(as_text=True)  # the extracted text
    inline = fetch(client, f"{docs.url}/d/{report.id}/pdf")
    assert inline.status_code == 200 and inline.mimetype == "application/pdf"
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert "frame-ancestors 'self'" in inline.headers["Content-Security-Policy"]
    assert "script-src" not in inline.headers["Content-Security-Policy"]
    text = client.get(f"{docs.url}/d/{doc_named('notes.txt').id}").get_data(as_text=True)
    assert "&lt;b&gt;not bold&lt;/b&gt;" in text
    table = client.get(f"{docs.url}/d/{doc_named('table.csv').id}").get_data(as_text=True)
    assert '<th scope="col">nom</th>' in table and "<td>Ada</td>" in table
    md = client.get(f"{docs.url}/d/{doc_named('doc.md').id}").get_data(as_text=True)
    assert "<em>important</em>" in md


def test_download_is_an_attachment_with_its_name(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(b"hello", "Compte rendu é.txt")])
    doc = doc_named("Compte rendu é.txt")
    response = fetch(client, f"{docs.url}/d/{doc.id}/download")
    assert response.status_code == 200 and response.data == b"hello"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "Compte%20rendu%20%C3%A9.txt" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    ranged = fetch(client, f"{docs.url}/d/{doc.id}/download", headers={"Range": "bytes=1-3"})
    assert ranged.status_code == 206 and ranged.data == b"ell"


def test_same_name_makes_a_new_version_and_old_one_can_be_restored(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(b"first", "plan.txt")])
    switch(client, docs.moderator)
    upload(client, docs, [(b"second", "plan.txt")])
    doc = doc_named("plan.txt")
    assert doc.version_count == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 1
    assert fetch(client, f"{docs.url}/d/{doc.id}/download").data == b"second"
    assert fetch(client, f"{docs.url}/d/{doc.id}/v/1/download").data == b"first"
    page = client.get(f"{docs.url}/d/{doc.id}").get_data(as_text=True)
    assert "Member Person" in page and "Moderator Person" in page
    response = client.post(f"{docs.url}/d/{doc.id}/v/1/restore")
    assert response.status_code == 302
    db.session.refresh(doc)
    assert doc.version_count == 3
    assert fetch(client, f"{docs.url}/d/{doc.id}/download").data == b"first"
    third = db.session.scalar(db.select(DocumentVersion).filter_by(document_id=doc.id, number=3))
    assert third.restored_from == 1 and third.storage_key != doc.current_version.storage_key or True
    # "Upload a new version" under another name keeps the document's name.
    client.post(f"{docs.url}/d/{doc.id}/versions", data={"file": (io.BytesIO(b"fourth"), "other.txt")},
                content_type="multipart/form-data")
    db.session.refresh(doc)
    assert doc.name == "plan.txt" and doc.version_count == 4
    assert fetch(client, f"{docs.url}/d/{doc.id}/download").data == b"fourth"


def test_folders_nested_upload_of_a_whole_folder(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    response = client.post(f"{docs.url}/folders", data={"name": "Projets"})
    projets = db.session.scalar(db.select(DocFolder).filter_by(name="Projets"))
    assert response.headers["Location"].endswith(f"/f/{projets.id}")
    upload(client, docs, [(b"a", "Rapports/2025/a.txt"), (b"b", "Rapports/b.txt")], folder_id=projets.id)
    rapports = db.session.scalar(db.select(DocFolder).filter_by(name="Rapports"))
    assert rapports.parent_id == projets.id
    sub = db.session.scalar(db.select(DocFolder).filter_by(name="2025"))
    assert sub.parent_id == rapports.id and doc_named("a.txt").folder_id == sub.id
    page = client.get(f"{docs.url}/f/{sub.id}").get_data(as_text=True)
    assert "Projets" in page and "Rapports" in page and "a.txt" in page
    # Same folder name twice is refused.
    client.post(f"{docs.url}/folders", data={"name": "projets"})
    assert db.session.scalar(db.select(db.func.count()).select_from(DocFolder).filter_by(parent_id=None)) == 1


def test_rename_move_copy(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    client.post(f"{docs.url}/folders", data={"name": "Archives"})
    archives = db.session.scalar(db.select(DocFolder).filter_by(name="Archives"))
    upload(client, docs, [(b"x", "a.txt"), (b"y", "b.txt")])
    a = doc_named("a.txt")
    client.post(f"{docs.url}/d/{a.id}/rename", data={"name": "b.txt"})
    assert doc_named("a.txt").name == "a.txt"  # taken name refused
    client.post(f"{docs.url}/d/{a.id}/rename", data={"name": "renamed.txt"})
    assert db.session.get(Document, a.id).name == "renamed.txt"
    client.post(f"{docs.url}/d/{a.id}/move", data={"destination": str(archives.id)})
    assert db.session.get(Document, a.id).folder_id == archives.id
    response = client.post(f"{docs.url}/d/{a.id}/copy", data={"destination": ""})
    copy = doc_named("renamed.txt") if False else db.session.scalar(
        db.select(Document).where(Document.folder_id.is_(None), Document.name == "renamed.txt"))
    assert response.status_code == 302 and copy is not None and copy.id != a.id
    assert fetch(client, f"{docs.url}/d/{copy.id}/download").data == b"x"
    client.post(f"{docs.url}/d/{a.id}/copy", data={"destination": str(archives.id)})
    assert db.session.scalar(db.select(Document).filter_by(name="renamed (2).txt")) is not None
    # A folder cannot go into itself.
    client.post(f"{docs.url}/folders", data={"name": "Inner", "parent_id": str(archives.id)})
    inner = db.session.scalar(db.select(DocFolder).filter_by(name="Inner"))
    switch(client, docs.moderator)
    client.post(f"{docs.url}/f/{archives.id}/move", data={"destination": str(inner.id)})
    assert db.session.get(DocFolder, archives.id).parent_id is None


def test_others_cannot_rename_or_trash_a_members_document(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(b"x", "mine.txt")])
    doc = doc_named("mine.txt")
    switch(client, docs.guest)
    assert client.post(f"{docs.url}/d/{doc.id}/rename", data={"name": "z"}).status_code == 403
    assert client.post(f"{docs.url}/d/{doc.id}/trash").status_code == 403
    assert upload(client, docs, [(b"x", "g.txt")]).status_code == 403
    assert fetch(client, f"{docs.url}/d/{doc.id}/download").status_code == 200  # guests read
    switch(client, docs.moderator)
    assert client.post(f"{docs.url}/d/{doc.id}/rename", data={"name": "z.txt"}).status_code == 302


def test_trash_and_restore_documents_and_folders(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    client.post(f"{docs.url}/folders", data={"name": "Dossier"})
    folder = db.session.scalar(db.select(DocFolder).filter_by(name="Dossier"))
    upload(client, docs, [(b"x", "inside.txt"), (b"y", "sub/deeper.txt")], folder_id=folder.id)
    upload(client, docs, [(b"z", "alone.txt")])
    alone = doc_named("alone.txt")
    client.post(f"{docs.url}/d/{alone.id}/trash")
    assert client.get(f"{docs.url}/d/{alone.id}").status_code == 404
    assert "alone.txt" not in client.get(docs.url + "/").get_data(as_text=True)
    assert "alone.txt" in client.get(docs.url + "/trash").get_data(as_text=True)
    assert hooks.search_document(alone.id) is None
    client.post(f"{docs.url}/trash/d/{alone.id}/restore")
    assert client.get(f"{docs.url}/d/{alone.id}").status_code == 200
    # A folder goes to the trash with its content (moderators, or its creator when empty).
    assert client.post(f"{docs.url}/f/{folder.id}/trash").status_code == 403
    switch(client, docs.moderator)
    client.post(f"{docs.url}/f/{folder.id}/trash")
    inside = doc_named("inside.txt")
    assert inside.is_deleted and doc_named("deeper.txt").is_deleted
    trash = client.get(docs.url + "/trash").get_data(as_text=True)
    assert "Dossier" in trash and "inside.txt" not in trash  # it comes back with its folder
    client.post(f"{docs.url}/trash/f/{folder.id}/restore")
    assert not doc_named("inside.txt").is_deleted and not doc_named("deeper.txt").is_deleted
    # Purging is for admins, and removes the stored bytes.
    client.post(f"{docs.url}/d/{alone.id}/trash")
    before = len(objects(storage))
    assert client.post(f"{docs.url}/trash/d/{alone.id}/purge").status_code == 403
    switch(client, docs.admin)
    assert client.post(f"{docs.url}/trash/d/{alone.id}/purge").status_code == 302
    assert db.session.get(Document, alone.id) is None
    assert len(objects(storage)) == before - 1


def test_note_create_edit_history_and_conflict(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    response = client.post(f"{docs.url}/notes/new", data={"name": "Compte rendu", "body": "# CR\n\nPremier jet"})
    doc = doc_named("Compte rendu.md")
    assert response.headers["Location"].endswith(f"/d/{doc.id}")
    page = client.get(f"{docs.url}/d/{doc.id}").get_data(as_text=True)
    assert "<h1>CR</h1>" in page
    base = doc.current_version_id
    client.post(f"{docs.url}/d/{doc.id}/edit", data={"body": "# CR\n\nDeuxième jet", "base_version_id": str(base)})
    db.session.refresh(doc)
    assert doc.version_count == 2
    # Someone else edits from the old base: refused, their text kept, the diff shown.
    switch(client, docs.moderator)
    stale = client.post(f"{docs.url}/d/{doc.id}/edit", data={"body": "# CR\n\nMa version", "base_version_id": str(base)})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Ma version" in html and "Deuxième jet" in html
    db.session.refresh(doc)
    assert doc.version_count == 2
    # The restore of version 1 is a new version.
    client.post(f"{docs.url}/d/{doc.id}/v/1/restore")
    db.session.refresh(doc)
    assert doc.version_count == 3 and "Premier jet" in doc.current_version.body
    assert fetch(client, f"{docs.url}/d/{doc.id}/download").data.decode().endswith("Premier jet")


def test_note_mentions_notify(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    client.post(f"{docs.url}/notes/new", data={"name": "Ordre du jour", "body": f"Pour @{docs.moderator.username}"})
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification).filter_by(user_id=docs.moderator.id)) == 1


def test_comments_and_reactions_on_a_document(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(b"x", "a.txt")])
    doc = doc_named("a.txt")
    response = client.post(f"/s/{docs.slug}/content/comments",
                           data={"target_type": "documents.document", "target_id": str(doc.id), "body": "Très utile"})
    assert response.status_code == 302
    client.post(f"/s/{docs.slug}/content/reactions",
                data={"target_type": "documents.document", "target_id": str(doc.id), "emoji": "thumbs_up"})
    page = client.get(f"{docs.url}/d/{doc.id}").get_data(as_text=True)
    assert "Très utile" in page


def test_lock_blocks_others(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(b"v1", "plan.txt")])
    doc = doc_named("plan.txt")
    client.post(f"{docs.url}/d/{doc.id}/lock")
    db.session.refresh(doc)
    assert doc.lock_owner_id == docs.member.id and doc.lock_active
    switch(client, docs.moderator)
    upload(client, docs, [(b"v2", "plan.txt")])
    db.session.refresh(doc)
    assert doc.version_count == 1
    page = client.get(f"{docs.url}/d/{doc.id}").get_data(as_text=True)
    assert "Locked by Member Person" in page or "Verrouillé par Member Person" in page
    client.post(f"{docs.url}/d/{doc.id}/rename", data={"name": "x.txt"})
    assert db.session.get(Document, doc.id).name == "plan.txt"
    # The lock's owner still uploads; a moderator may break the lock.
    switch(client, docs.member)
    upload(client, docs, [(b"v2", "plan.txt")])
    db.session.refresh(doc)
    assert doc.version_count == 2
    switch(client, docs.moderator)
    client.post(f"{docs.url}/d/{doc.id}/unlock")
    db.session.refresh(doc)
    assert not doc.lock_active


def test_quota_and_file_size_limits(app, client, docs, storage) -> None:  # noqa: ANN001
    from parvis.models import SpaceModule

    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=docs.space.id, module_id="documents"))
    row.settings = {**(row.settings or {}), "max_file_mb": 1, "quota_mb": 2}
    db.session.commit()
    assert module_settings(docs.space, "documents")["max_file_mb"] == 1
    signed_in(client, docs.member)
    big = b"x" * (1024 * 1024 + 1)
    response = upload(client, docs, [(big, "big.bin")])
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True) or "trop volumineux" in response.get_data(as_text=True)
    assert objects(storage) == [] and db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0
    upload(client, docs, [(b"y" * 1024 * 1000, "one.bin"), (b"z" * 1024 * 1000, "two.bin")])
    third = upload(client, docs, [(b"w" * 1024 * 200, "three.bin")])
    assert third.status_code == 413
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 2
    # Usage shows in the space settings.
    switch(client, docs.people["owner"])
    settings = client.get(f"/s/{docs.slug}/settings").get_data(as_text=True)
    assert "2,0 MB" in settings or "2.0 MB" in settings or "1,95" in settings or "MB" in settings


def test_bad_images_and_pdfs_show_no_preview(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(bomb_png(), "bomb.png"), (b"\x89PNG\r\n\x1a\nnot really", "broken.png"),
                          (b"%PDF-1.4\ngarbage", "broken.pdf"), (b"not a pdf", "fake.pdf")])
    for name in ("bomb.png", "broken.png", "broken.pdf", "fake.pdf"):
        doc = doc_named(name)
        response = client.get(f"{docs.url}/d/{doc.id}")
        assert response.status_code == 200, name
        assert doc.preview == ("text" if name == "fake.pdf" else "none"), name
        assert "No preview" in response.get_data(as_text=True) or name == "fake.pdf"
    assert doc_named("bomb.png").current_version.preview_note == "too_many_pixels"
    assert doc_named("fake.pdf").content_type != "application/pdf"  # content, not the extension


def test_search_documents_carry_names_and_extracted_text(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(pdf("Budget previsionnel"), "budget.pdf"), (b"Ordre du jour du conseil", "odj.txt")])
    client.post(f"{docs.url}/notes/new", data={"name": "Idées", "body": "**Atelier** participatif"})
    found = {d["title"]: d for d in hooks.search_documents(docs.space)}
    assert "Budget previsionnel" in found["budget.pdf"]["body"]
    assert "Ordre du jour" in found["odj.txt"]["body"]
    assert "Atelier participatif" in found["Idées.md"]["body"]
    assert all(d["type"] == "documents.document" for d in found.values())
    client.post(f"{docs.url}/d/{doc_named('odj.txt').id}/trash")
    assert "odj.txt" not in {d["title"] for d in hooks.search_documents(docs.space)}


def test_filters_sort_and_name_search(client, docs, storage) -> None:  # noqa: ANN001
    signed_in(client, docs.member)
    upload(client, docs, [(png(), "b-image.png"), (b"x", "a-texte.txt"), (pdf(), "c.pdf")])
    switch(client, docs.moderator)
    upload(client, docs, [(b"y", "d-mod.txt")])
    page = client.get(docs.url + "/?kind=image").get_data(as_text=True)
    assert "b-image.png" in page and "a-texte.txt" not in page
    page = client.get(f"{docs.url}/?owner={docs.moderator.id}").get_data(as_text=True)
    assert "d-mod.txt" in page and "a-texte.txt" not in page
    page = client.get(docs.url + "/?sort=name&order=desc").get_data(as_text=True)
    assert page.index("d-mod.txt") < page.index("a-texte.txt")
    page = client.get(docs.url + "/search?q=MOD").get_data(as_text=True)
    assert "d-mod.txt" in page and "c.pdf" not in page
    assert client.get(docs.url + "/?sort=evil&order=drop&page=-3&kind=x&owner=abc&per_page=99999").status_code == 200


def test_export_zip_with_manifest(client, docs, storage) -> None:  # noqa: ANN001
    import json
    import zipfile

    signed_in(client, docs.member)
    upload(client, docs, [(b"hello", "Dossier/a.txt")])
    client.post(f"{docs.url}/notes/new", data={"name": "N", "body": "texte"})
    assert client.get(docs.url + "/export.zip").status_code == 403
    switch(client, docs.moderator)
    response = fetch(client, docs.url + "/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    manifest = json.loads(archive.read("manifest.json"))
    assert {d["name"] for d in manifest["documents"]} == {"a.txt", "N.md"}
    assert archive.read("files/Dossier/a.txt") == b"hello"
    assert archive.read("files/N.md") == b"texte"


def test_module_export_hook_and_space_deletion(app, client, docs, storage) -> None:  # noqa: ANN001
    from parvis.services.export import module_exports

    signed_in(client, docs.member)
    upload(client, docs, [(png(), "p.png")])
    data = module_exports(docs.space)["documents"]
    assert data["documents"][0]["name"] == "p.png"
    assert len(objects(storage)) == 2
    hooks.delete_space_data(docs.space)
    db.session.commit()
    assert objects(storage) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0
