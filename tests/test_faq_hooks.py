"""The FAQ module through the core: hooks, widgets, content services, the contract."""

from __future__ import annotations

import json

import pytest
from flask import g
from test_faq import XSS, build_faq, category, entry, sign_in

from parvis import WidgetContext
from parvis.extensions import db
from parvis.models import Comment, Notification, Reaction
from parvis.plugins.manager import current_platform
from parvis_modules.faq.models import FaqCategory, FaqEntry, FaqVote


@pytest.fixture
def faq(app):  # noqa: ANN001, ANN201
    return build_faq()


def test_module_keeps_the_contract(app, module_contract):  # noqa: ANN001
    assert module_contract(app, "faq") == []
    spec = current_platform().module("faq")
    assert {p.action: p.default_role for p in spec.permissions} == {
        "faq.propose": "member", "faq.vote": "member", "faq.manage": "moderator"}
    assert [n.endpoint for n in spec.nav] == ["faq.index"]
    assert {w.id for w in spec.widgets} == {"faq.top", "faq.category", "faq.ask"}


def test_nav_entry_in_the_space(client, faq):  # noqa: ANN001
    sign_in(client, faq.member)
    html = client.get(f"{faq.url}/").get_data(as_text=True)
    assert 'href="/s/team/faq/" aria-current="page"' in html


# -- search documents ----------------------------------------------------------------


def test_search_documents_hold_published_entries_only(app, faq):  # noqa: ANN001
    cat = category(faq, "Access")
    item = entry(faq, "How to log in?", "Use **SSO**.", cat=cat)
    entry(faq, "Proposed?", "", status="proposed", author=faq.member)
    entry(faq, "Answered?", "Draft", status="answered")
    entry(faq, "Declined?", "", status="declined")
    docs = [d for batch in current_platform().hook.parvis_search_documents(space=faq.space)
            for d in (batch or []) if d["type"].startswith("faq.")]
    assert len(docs) == 1
    doc = docs[0]
    assert doc["space_id"] == faq.space.id and doc["type"] == "faq.entry" and doc["object_id"] == item.id
    assert doc["title"] == "How to log in?" and doc["body"] == "Use SSO."
    assert doc["tags"] == ["Access"] and doc["author_id"] == faq.moderator.id
    assert doc["url"] == f"/s/team/faq/entries/{item.id}"
    assert doc["created_at"] and doc["updated_at"]


# -- export and deletion ---------------------------------------------------------------


def test_export_holds_categories_and_entries(app, faq):  # noqa: ANN001
    cat = category(faq, "Rules")
    published = entry(faq, "Published?", "Yes.", cat=cat, yes=2)
    proposed = entry(faq, "Proposed?", "", status="proposed", author=faq.member)
    results = current_platform().hook.parvis_export_space(space=faq.space, module_id="faq")
    [data] = [r for r in results if r is not None]
    json.dumps(data)  # serialisable
    assert data["module"] == "faq"
    assert data["categories"] == [{"id": cat.id, "name": "Rules", "position": 0}]
    by_id = {e["id"]: e for e in data["entries"]}
    assert by_id[published.id]["question"] == "Published?" and by_id[published.id]["answer"] == "Yes."
    assert by_id[published.id]["category_id"] == cat.id and by_id[published.id]["helpful_yes"] == 2
    assert by_id[proposed.id]["status"] == "proposed"
    assert by_id[proposed.id]["author"]["id"] == faq.member.id
    others = current_platform().hook.parvis_export_space(space=faq.space, module_id="posts")
    assert not any(r and r.get("module") == "faq" for r in others)


def test_space_deleted_removes_the_faq(app, faq):  # noqa: ANN001
    cat = category(faq)
    item = entry(faq, cat=cat)
    db.session.add(FaqVote(entry_id=item.id, user_id=faq.member.id, helpful=True))
    other = build_faq("other")
    kept = entry(other, "Kept?")
    db.session.commit()
    current_platform().hook.parvis_space_deleted(space=faq.space)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqEntry)) == 1
    assert db.session.get(FaqEntry, kept.id) is not None
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqCategory)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqVote)) == 0


def test_demo_seed(app, faq):  # noqa: ANN001
    users = [faq.owner, faq.moderator, faq.member, faq.other]
    current_platform().hook.parvis_demo_seed(space=faq.space, module_id="faq", users=users)
    current_platform().hook.parvis_demo_seed(space=faq.space, module_id="faq", users=users)  # once
    db.session.commit()
    cats = db.session.scalars(db.select(FaqCategory).order_by(FaqCategory.position)).all()
    assert len(cats) == 2
    entries = db.session.scalars(db.select(FaqEntry)).all()
    statuses = sorted(e.status for e in entries)
    assert statuses.count("proposed") == 1 and statuses.count("published") >= 3
    assert any("?" in e.question and "é" in (e.question + e.answer) for e in entries)
    current_platform().hook.parvis_demo_seed(space=build_faq("x").space, module_id="posts", users=users)
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqEntry)) == len(entries)


# -- widgets -------------------------------------------------------------------------


def render_widget(app, faq, widget_id: str, settings: dict, user) -> str:  # noqa: ANN001
    widget = current_platform().widgets[widget_id]
    with app.test_request_context(f"/s/{faq.slug}/"):
        g.space = faq.space
        return str(widget.render(WidgetContext(space=faq.space, settings=settings, user=user)))


def test_top_questions_widget(app, faq):  # noqa: ANN001
    entry(faq, "Low?", yes=1)
    top = entry(faq, "Top?", yes=7)
    entry(faq, "Secret proposal?", "", status="proposed", author=faq.member)
    entry(faq, XSS, yes=0)
    html = render_widget(app, faq, "faq.top", {"limit": 2}, faq.member)
    assert html.index("Top?") < html.index("Low?")
    assert f"/s/team/faq/#q-{top.id}" in html
    assert "Secret proposal?" not in html and XSS not in html
    html = render_widget(app, faq, "faq.top", {"limit": "junk"}, faq.member)
    assert "&lt;script&gt;" in html


def test_category_widget(app, faq):  # noqa: ANN001
    cat = category(faq, "Tools")
    other = category(faq, "Other", 1)
    entry(faq, "In tools?", cat=cat)
    entry(faq, "Elsewhere?", cat=other)
    entry(faq, "Tools draft?", "", status="answered", cat=cat)
    html = render_widget(app, faq, "faq.category", {"category_id": cat.id, "limit": 10}, faq.member)
    assert "Tools" in html and "In tools?" in html
    assert "Elsewhere?" not in html and "Tools draft?" not in html
    html = render_widget(app, faq, "faq.category", {"category_id": 9999}, faq.member)
    assert "This category no longer exists." in html


def test_ask_widget_posts_to_propose(client, app, faq):  # noqa: ANN001
    html = render_widget(app, faq, "faq.ask", {}, faq.member)
    assert 'action="/s/team/faq/propose"' in html and 'name="question"' in html
    assert "csrf_token" in html
    html = render_widget(app, faq, "faq.ask", {}, faq.guest)
    assert 'name="question"' not in html
    sign_in(client, faq.member)
    response = client.post(f"{faq.url}/propose", data={"question": "From the widget?"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(FaqEntry.status)) == "proposed"


def test_widgets_of_a_disabled_module_render_nothing(app, faq):  # noqa: ANN001
    from parvis.models import SpaceModule

    entry(faq, "Visible?")
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=faq.space.id, module_id="faq"))
    row.enabled = False
    db.session.commit()
    for widget_id in ("faq.top", "faq.category", "faq.ask"):
        assert render_widget(app, faq, widget_id, {}, faq.member) == ""


# -- content services: comments, reactions ---------------------------------------------


def test_comments_and_reactions_on_published_entries(client, faq):  # noqa: ANN001
    item = entry(faq, "Commentable?", author=faq.moderator)
    sign_in(client, faq.member)
    html = client.get(f"{faq.url}/entries/{item.id}").get_data(as_text=True)
    assert 'name="target_type" value="faq.entry"' in html
    response = client.post(f"/s/{faq.slug}/content/comments", data={
        "target_type": "faq.entry", "target_id": item.id, "body": "Thanks @otto.member!",
        "next": f"{faq.url}/entries/{item.id}"})
    assert response.status_code == 302
    comment = db.session.scalar(db.select(Comment))
    assert comment.target_type == "faq.entry" and comment.target_id == item.id
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(db.select(Notification))}
    assert (faq.other.id, "mention") in kinds
    assert (faq.moderator.id, "comment") in kinds
    html = client.get(f"{faq.url}/entries/{item.id}").get_data(as_text=True)
    assert "Thanks" in html
    assert "1 comment" in client.get(f"{faq.url}/").get_data(as_text=True)
    response = client.post(f"/s/{faq.slug}/content/reactions", data={
        "target_type": "faq.entry", "target_id": item.id, "emoji": "like"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Reaction)) == 1


def test_no_comments_on_entries_others_may_not_see(client, faq):  # noqa: ANN001
    proposal = entry(faq, "Private?", "", status="proposed", author=faq.member)
    sign_in(client, faq.other)
    response = client.post(f"/s/{faq.slug}/content/comments", data={
        "target_type": "faq.entry", "target_id": proposal.id, "body": "Peek"})
    assert response.status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 0


def test_content_type_resolves_by_visibility(app, faq):  # noqa: ANN001
    content_type = current_platform().content_type("faq.entry")
    published = entry(faq, "Open?")
    proposal = entry(faq, "Mine?", "", status="proposed", author=faq.member)
    with app.test_request_context("/"):
        assert content_type.resolve(published.id, faq.outsider) is published
        assert content_type.resolve(proposal.id, faq.member) is proposal
        assert content_type.resolve(proposal.id, faq.moderator) is proposal
        assert content_type.resolve(proposal.id, faq.other) is None
        assert content_type.resolve(12345, faq.member) is None
        assert content_type.title(published) == "Open?"
        assert content_type.url(published) == f"/s/team/faq/entries/{published.id}"
    closed = build_faq("closed", "private")
    hidden = entry(closed, "Closed?")
    with app.test_request_context("/"):
        assert content_type.resolve(hidden.id, faq.outsider) is None


# -- settings and the space home ---------------------------------------------------------


def test_module_settings_through_the_space_settings(client, faq):  # noqa: ANN001
    from parvis_modules.faq.queries import settings as faq_settings

    sign_in(client, faq.owner)
    url = f"/s/{faq.slug}/settings/modules/faq"
    html = client.get(url).get_data(as_text=True)
    assert 'name="who_may_propose"' in html and 'name="default_order"' in html
    response = client.post(url, data={"who_may_propose": "everyone", "default_order": "helpful"})
    assert response.status_code == 422
    response = client.post(url, data={"who_may_propose": "nobody", "default_order": "helpful"})
    assert response.status_code == 302
    assert faq_settings(faq.space) == {"who_may_propose": "nobody", "default_order": "helpful"}
    sign_in(client, faq.member)
    assert client.get(f"{faq.url}/propose").status_code == 403


def test_space_home_shows_the_top_questions_widget(client, faq):  # noqa: ANN001
    item = entry(faq, "On the home page?")
    entry(faq, "Not there?", "", status="proposed", author=faq.member)
    sign_in(client, faq.member)
    html = client.get(f"/s/{faq.slug}/").get_data(as_text=True)
    assert "Top questions" in html
    assert f"/s/team/faq/#q-{item.id}" in html and "Not there?" not in html
