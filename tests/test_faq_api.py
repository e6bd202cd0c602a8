"""The FAQ module's JSON API: same permissions as the pages."""

from __future__ import annotations

import pytest
from test_faq import build_faq, category, entry, notifications_of, sign_in

from parvis.extensions import db
from parvis_modules.faq.models import FaqEntry, FaqVote


@pytest.fixture
def faq(app, admin):  # noqa: ANN001, ANN201
    data = build_faq()
    data.people["platform_admin"] = admin
    data.api = f"/api/v1/spaces/{data.slug}/faq"
    return data


def test_anonymous_gets_401(client, faq):  # noqa: ANN001
    assert client.get(f"{faq.api}/entries").status_code == 401
    assert client.post(f"{faq.api}/entries", json={"question": "?"}).status_code == 401


def test_list_categories_and_published_entries(client, faq):  # noqa: ANN001
    cat = category(faq, "Tools")
    item = entry(faq, "Published?", "**Yes**", cat=cat, yes=2)
    entry(faq, "Hidden?", "", status="proposed", author=faq.other)
    sign_in(client, faq.guest)
    data = client.get(f"{faq.api}/categories").get_json()
    assert data == {"data": [{"id": cat.id, "name": "Tools", "position": 0, "entries": 1}]}
    data = client.get(f"{faq.api}/entries").get_json()
    assert data["meta"]["total"] == 1
    [got] = data["data"]
    assert got["id"] == item.id and got["question"] == "Published?"
    assert got["answer_html"] == "<p><strong>Yes</strong></p>\n"
    assert got["category"] == "Tools" and got["helpful_yes"] == 2 and got["your_vote"] is None
    assert got["anchor_url"].endswith(f"/s/team/faq/#q-{item.id}")
    assert got["details"] == "" and got["decline_reason"] == ""
    assert client.get(f"{faq.api}/entries/{item.id}").get_json()["id"] == item.id
    # Other statuses are for moderators.
    assert client.get(f"{faq.api}/entries?status=proposed").status_code == 403
    assert client.get(f"{faq.api}/entries?status=all").status_code == 403
    assert client.get(f"{faq.api}/entries?status=bogus").status_code == 422


def test_moderator_lists_every_status(client, faq):  # noqa: ANN001
    entry(faq, "Published?")
    proposed = entry(faq, "Proposed?", "", status="proposed", author=faq.other)
    sign_in(client, faq.moderator)
    data = client.get(f"{faq.api}/entries?status=proposed").get_json()
    assert [e["id"] for e in data["data"]] == [proposed.id]
    assert client.get(f"{faq.api}/entries?status=all").get_json()["meta"]["total"] == 2
    assert client.get(f"{faq.api}/entries/{proposed.id}").status_code == 200


def test_member_sees_own_proposals_only(client, faq):  # noqa: ANN001
    mine = entry(faq, "Mine?", "", status="declined", author=faq.member)
    mine.decline_reason = "Duplicate."
    theirs = entry(faq, "Theirs?", "", status="proposed", author=faq.other)
    db.session.commit()
    sign_in(client, faq.member)
    data = client.get(f"{faq.api}/entries?mine=true").get_json()
    assert [(e["id"], e["status"], e["decline_reason"]) for e in data["data"]] == [
        (mine.id, "declined", "Duplicate.")
    ]
    assert client.get(f"{faq.api}/entries/{mine.id}").status_code == 200
    assert client.get(f"{faq.api}/entries/{theirs.id}").status_code == 404
    assert client.get(f"{faq.api}/entries/99999999999").status_code == 404


def test_workflow_through_the_api(client, faq):  # noqa: ANN001
    cat = category(faq, "Access")
    sign_in(client, faq.member)
    response = client.post(f"{faq.api}/entries", json={"question": "  How to log in?  ",
                                                        "details": "From home."})
    assert response.status_code == 201
    created = response.get_json()
    assert created["status"] == "proposed" and created["question"] == "How to log in?"
    assert created["details"] == "From home."
    entry_id = created["id"]
    # Members may not answer.
    assert client.post(f"{faq.api}/entries/{entry_id}/answer", json={"answer": "x"}).status_code == 403
    assert client.post(f"{faq.api}/entries/{entry_id}/publish").status_code == 403
    assert client.post(f"{faq.api}/entries/{entry_id}/decline", json={"reason": "x"}).status_code == 403

    sign_in(client, faq.moderator)
    response = client.post(f"{faq.api}/entries/{entry_id}/answer",
                           json={"answer": "With your e-mail.", "category_id": cat.id})
    assert response.status_code == 200
    assert response.get_json()["status"] == "answered"
    assert response.get_json()["category_id"] == cat.id
    response = client.post(f"{faq.api}/entries/{entry_id}/publish")
    assert response.status_code == 200 and response.get_json()["status"] == "published"
    assert [n.kind for n in notifications_of(faq.member)] == ["faq.answered", "faq.published"]

    sign_in(client, faq.other)
    response = client.post(f"{faq.api}/entries/{entry_id}/vote", json={"helpful": True})
    assert response.status_code == 200
    assert response.get_json()["helpful_yes"] == 1 and response.get_json()["your_vote"] is True
    response = client.post(f"{faq.api}/entries/{entry_id}/vote", json={"helpful": False})
    body = response.get_json()
    assert (body["helpful_yes"], body["helpful_no"], body["your_vote"]) == (0, 1, False)


def test_decline_through_the_api(client, faq):  # noqa: ANN001
    item = entry(faq, "Pony?", "", status="proposed", author=faq.member)
    sign_in(client, faq.moderator)
    response = client.post(f"{faq.api}/entries/{item.id}/decline", json={"reason": ""})
    assert response.status_code == 422
    assert "reason" in response.get_json()["error"]["fields"]
    response = client.post(f"{faq.api}/entries/{item.id}/decline", json={"reason": "No ponies."})
    assert response.status_code == 200
    assert response.get_json()["decline_reason"] == "No ponies."
    [note] = notifications_of(faq.member)
    assert note.kind == "faq.declined"


def test_api_bad_input(client, faq):  # noqa: ANN001
    sign_in(client, faq.member)
    response = client.post(f"{faq.api}/entries", json={"question": ""})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["question"]
    response = client.post(f"{faq.api}/entries", json={"question": "x" * 301})
    assert response.status_code == 422
    response = client.post(f"{faq.api}/entries", json={})
    assert response.status_code == 422
    response = client.post(f"{faq.api}/entries", json=["not", "an", "object"])
    assert response.status_code == 400
    response = client.post(f"{faq.api}/entries", json={"question": "Ok?", "category_id": 987})
    assert response.status_code == 422 and "category_id" in response.get_json()["error"]["fields"]
    response = client.post(f"{faq.api}/entries", json={"question": "Ok?", "evil": 1})
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqEntry)) == 0

    item = entry(faq, "Big?", "", status="proposed", author=faq.member)
    sign_in(client, faq.moderator)
    response = client.post(f"{faq.api}/entries/{item.id}/answer", json={"answer": "a" * 50_001})
    assert response.status_code == 422
    assert "answer" in response.get_json()["error"]["fields"]
    response = client.post(f"{faq.api}/entries/{item.id}/answer", json={"answer": "", "publish": True})
    assert response.status_code == 422
    response = client.post(f"{faq.api}/entries/{item.id}/publish")
    assert response.status_code == 422
    response = client.post(f"{faq.api}/entries/{item.id}/vote", json={"helpful": True})
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqVote)) == 0


@pytest.mark.parametrize("visibility,status", [("private", 403), ("secret", 404)])
def test_api_outsider_of_closed_space(client, app, visibility, status):  # noqa: ANN001
    data = build_faq("closed", visibility)
    item = entry(data)
    sign_in(client, data.outsider)
    api = f"/api/v1/spaces/{data.slug}/faq"
    assert client.get(f"{api}/entries").status_code == status
    assert client.get(f"{api}/entries/{item.id}").status_code == status
    assert client.post(f"{api}/entries", json={"question": "In?"}).status_code == status


def test_api_guest_is_read_only(client, faq):  # noqa: ANN001
    item = entry(faq)
    sign_in(client, faq.guest)
    assert client.post(f"{faq.api}/entries", json={"question": "Me?"}).status_code == 403
    assert client.post(f"{faq.api}/entries/{item.id}/vote", json={"helpful": True}).status_code == 403


def test_api_search_order_and_pagination(client, faq):  # noqa: ANN001
    entry(faq, "Alpha password?", yes=1)
    beta = entry(faq, "Beta password?", yes=5)
    entry(faq, "Gamma?", yes=3)
    sign_in(client, faq.member)
    data = client.get(f"{faq.api}/entries?q=password&order=helpful").get_json()
    assert [e["question"] for e in data["data"]] == ["Beta password?", "Alpha password?"]
    data = client.get(f"{faq.api}/entries?per_page=1&order=helpful").get_json()
    assert data["meta"] == {"page": 1, "per_page": 1, "total": 3, "pages": 3}
    assert data["data"][0]["id"] == beta.id
    for bad in ("category_id=99999999999999999999", "per_page=1000", "order=random"):
        assert client.get(f"{faq.api}/entries?{bad}").status_code == 422, bad
    assert client.get(f"{faq.api}/entries?page=99999999999999999999").status_code < 500


def test_api_endpoints_are_in_the_openapi_document(client, faq):  # noqa: ANN001
    sign_in(client, faq.member)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.get_json()["paths"]
    assert "/api/v1/spaces/{space_slug}/faq/entries" in paths or "/spaces/{space_slug}/faq/entries" in paths
    text = response.get_data(as_text=True)
    assert "Propose a question" in text and "FaqEntry" in text
