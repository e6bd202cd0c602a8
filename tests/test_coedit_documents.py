"""Live co-editing of a markdown note: members type together over Socket.IO (pycrdt
clients), the note form's ``coedit=1`` post saves one version listing both authors,
readers follow without writing, the plain form never overwrites live changes and a
plain save or a restore reaches the live editors."""

from __future__ import annotations

import pytest
from documents_support import build_docs, signed_in
from test_coedit_wiki import LiveClient, live

from parvis.extensions import db
from parvis_modules.documents import services
from parvis_modules.documents.models import Document, DocumentVersion


@pytest.fixture
def docs(app):  # noqa: ANN001, ANN201
    return build_docs("notes-team")


@pytest.fixture
def note(docs):  # noqa: ANN001, ANN201
    created = services.create_note(docs.space, None, "Compte rendu", "Ordre du jour", docs.owner)
    db.session.commit()
    return created


def key_of(doc: Document) -> str:
    return f"documents.note:{doc.id}"


def versions(doc: Document) -> list[DocumentVersion]:
    db.session.expire_all()
    return list(db.session.scalars(
        db.select(DocumentVersion).filter_by(document_id=doc.id).order_by(DocumentVersion.number)
    ))


def test_the_note_editor_is_live_for_members(client, docs, note):
    signed_in(client, docs.member)
    html = client.get(f"{docs.url}/d/{note.id}/edit").get_data(as_text=True)
    assert f'data-coedit-doc="{key_of(note)}"' in html
    assert 'name="coedit" value="0"' in html and "Ordre du jour</textarea>" in html


def test_two_members_type_and_the_form_saves_one_version_with_both(app, client, docs, note):
    alice = live(app, docs.member, key_of(note))
    bob = live(app, docs.moderator, key_of(note))
    assert alice.value == bob.value == "Ordre du jour"
    assert alice.type(0, "# ")["ok"]
    bob.receive()
    assert bob.type(len(bob.value), "\n\n- budget")["ok"]
    alice.receive()
    assert alice.value == bob.value == "# Ordre du jour\n\n- budget"

    signed_in(client, docs.guest)
    shown = client.get(f"{docs.url}/d/{note.id}").get_data(as_text=True)
    assert "budget" in shown and "Being edited live" in shown

    r = alice.http.post(f"{docs.url}/d/{note.id}/edit", data={
        "body": "stale", "base_version_id": str(note.current_version_id), "coedit": "1",
    })
    assert r.status_code == 302
    rows = versions(note)
    assert [v.number for v in rows] == [1, 2]
    assert rows[-1].body == "# Ordre du jour\n\n- budget" and rows[-1].author_id == docs.member.id
    assert any(e["name"] == "coedit:revision" for e in bob.receive())

    shown = client.get(f"{docs.url}/d/{note.id}").get_data(as_text=True)
    assert "with Moderator Person" in shown and "Being edited live" not in shown
    api = client.get(f"/api/v1/spaces/{note.space.slug}/documents/documents/{note.id}/versions").get_json()
    assert [(v["number"], v["coauthors"]) for v in api["data"]] == [
        (2, [{"id": docs.moderator.id, "name": "Moderator Person"}]), (1, [])]


def test_a_guest_follows_but_cannot_write(app, docs, note):
    guest = live(app, docs.guest, key_of(note))
    member = live(app, docs.member, key_of(note))
    refused = guest.type(0, "spam ")
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    member.receive()
    assert member.value == "Ordre du jour"
    member.type(0, "Nouvel ")
    guest.receive()
    assert "Nouvel " in guest.value  # (his own refused text stays only in his copy)
    assert member.value == "Nouvel Ordre du jour"


def test_files_and_other_spaces_are_not_found(app, docs, note):
    other = build_docs("elsewhere", visibility="private")
    secret = services.create_note(other.space, None, "Secret", "hidden", other.owner)
    db.session.commit()
    stranger = LiveClient(app, docs.member, key_of(secret))
    assert stranger.join()["error"]["code"] == "not_found"


def test_a_plain_form_over_live_changes_gets_the_conflict_page(app, client, docs, note):
    base = str(note.current_version_id)
    alice = live(app, docs.member, key_of(note))
    alice.type(0, "Live: ")
    signed_in(client, docs.moderator)
    r = client.post(f"{docs.url}/d/{note.id}/edit", data={"body": "Plain text of Bob", "base_version_id": base})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "Plain text of Bob" in html and "Live: Ordre du jour" in html
    assert versions(note)[-1].body == "Live: Ordre du jour"


def test_a_plain_save_and_a_restore_reach_the_live_editors(app, client, docs, note):
    alice = live(app, docs.member, key_of(note))
    signed_in(client, docs.moderator)
    r = client.post(f"{docs.url}/d/{note.id}/edit", data={
        "body": "Saved without JavaScript", "base_version_id": str(note.current_version_id),
    })
    assert r.status_code == 302
    alice.receive()
    assert alice.value == "Saved without JavaScript"
    r = client.post(f"{docs.url}/d/{note.id}/v/1/restore")
    assert r.status_code == 302
    alice.receive()
    assert alice.value == "Ordre du jour"
