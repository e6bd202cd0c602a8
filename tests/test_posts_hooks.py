"""The posts module's hooks and widgets: contract, search, export, deletion, demo seed."""

from __future__ import annotations

import json
from datetime import timedelta

from test_posts_helpers import make_post, sign_in, team

from parvis import WidgetContext, current_platform
from parvis.extensions import db
from parvis.models import Comment, Reaction, utcnow
from parvis.services import comments, reactions
from parvis_modules.posts.models import Post, Tag


def test_module_keeps_the_contract(app, module_contract):  # noqa: ANN001
    assert module_contract(app, "posts") == []
    spec = current_platform().module("posts")
    assert {p.action: p.default_role for p in spec.permissions}["posts.create"] == "member"
    assert "posts.published" in spec.activity_types
    assert {w.id for w in spec.widgets} == {"posts.latest", "posts.announcement"}


def test_search_documents_only_live_posts(app, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    live = make_post(space, bob, "Visible", body="Du **texte** riche", tags=["Santé"])
    make_post(space, bob, "Brouillon", status="draft")
    make_post(space, bob, "En attente", status="pending")
    make_post(space, bob, "Caché", hidden=True)
    make_post(space, bob, "Futur", published_at=utcnow() + timedelta(days=1))
    with app.test_request_context():
        docs = [d for batch in current_platform().hook.parvis_search_documents(space=space) for d in batch or ()]
    docs = [d for d in docs if d["type"].startswith("posts.")]
    assert len(docs) == 1
    doc = docs[0]
    assert doc["object_id"] == live.id
    assert doc["type"] == "posts.post" and doc["space_id"] == space.id
    assert doc["title"] == "Visible" and doc["body"] == "Du texte riche"
    assert doc["tags"] == ["Santé"] and doc["author_id"] == bob.id
    assert doc["url"] == f"/s/club/posts/{live.id}"


def test_export_holds_every_post(app, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    make_post(space, bob, "Publié", tags=["Un"])
    make_post(space, carol, "Brouillon", status="draft")
    results = current_platform().hook.parvis_export_space(space=space, module_id="posts")
    export = next(r for r in results if r)
    json.dumps(export)
    assert export["module"] == "posts"
    assert [(p["title"], p["status"]) for p in export["posts"]] == [("Publié", "published"), ("Brouillon", "draft")]
    assert export["posts"][0]["tags"] == ["Un"] and export["posts"][0]["author_id"] == bob.id
    others = current_platform().hook.parvis_export_space(space=space, module_id="other")
    assert not any(r and r.get("module") == "posts" for r in others)


def test_space_deleted_removes_posts_and_their_content(app, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    other, _m2, _g2 = team(alice, bob, carol, slug="other")
    post = make_post(space, bob, "À supprimer", tags=["x"])
    kept = make_post(other, bob, "Gardé", tags=["x"])
    with app.test_request_context():
        for target in (post, kept):
            comments.add_comment(space=db.session.get(type(space), target.space_id), target_type="posts.post",
                                 target_id=target.id, author=alice, body="Commentaire")
            reactions.toggle_reaction(user=alice, target_type="posts.post", target_id=target.id, emoji="like")
        db.session.commit()
        current_platform().hook.parvis_space_deleted(space=space)
        db.session.commit()
    assert db.session.scalars(db.select(Post.title)).all() == ["Gardé"]
    assert db.session.scalars(db.select(Comment.target_id)).all() == [kept.id]
    assert db.session.scalars(db.select(Reaction.target_id)).all() == [kept.id]
    assert db.session.scalars(db.select(Tag.space_id)).all() == [other.id]


def test_demo_seed(app, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    with app.test_request_context():
        current_platform().hook.parvis_demo_seed(space=space, module_id="posts", users=[alice, bob, carol])
        db.session.commit()
    posts = db.session.scalars(db.select(Post).filter_by(space_id=space.id)).all()
    assert 3 <= len(posts) <= 4 and all(p.is_live for p in posts)
    assert sum(p.pinned for p in posts) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) >= 1
    assert any("atelier" in p.title.lower() for p in posts)


def test_widgets(client, app, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    make_post(space, bob, "Vieux", tags=["Santé"], published_at=utcnow() - timedelta(days=2))
    make_post(space, bob, "Neuf", published_at=utcnow() - timedelta(hours=1))
    make_post(space, bob, "Brouillon", status="draft")
    make_post(space, bob, "Futur", published_at=utcnow() + timedelta(days=1), pinned=True)
    widgets = current_platform().widgets
    sign_in(client, carol)
    with app.test_request_context("/s/club/"):
        html = str(widgets["posts.latest"].render(WidgetContext(space, {"n": 5, "tag": ""}, carol)))
        assert "Neuf" in html and "Vieux" in html and "Brouillon" not in html and "Futur" not in html
        assert html.index("Neuf") < html.index("Vieux")
        html = str(widgets["posts.latest"].render(WidgetContext(space, {"n": 5, "tag": "Santé"}, carol)))
        assert "Vieux" in html and "Neuf" not in html
        html = str(widgets["posts.latest"].render(WidgetContext(space, {"n": "junk"}, carol)))
        assert "Neuf" in html
        assert str(widgets["posts.announcement"].render(WidgetContext(space, {}, carol))) == ""
    make_post(space, alice, "<b>Annonce</b>", pinned=True, announcement=True, body="Lisez **ceci**")
    with app.test_request_context("/s/club/"):
        html = str(widgets["posts.announcement"].render(WidgetContext(space, {}, carol)))
        assert "&lt;b&gt;Annonce&lt;/b&gt;" in html and "Lisez ceci" in html
    form_class = widgets["posts.latest"].form
    assert not form_class(data={"n": 0}).validate()
    assert form_class(data={"n": 3, "tag": "santé"}).validate()


def test_settings_form(app):  # noqa: ANN001
    spec = current_platform().module("posts")
    with app.test_request_context():
        assert spec.settings_form(data={"posts_per_page": 20, "allow_comments": True}).validate()
        assert not spec.settings_form(data={"posts_per_page": 500}).validate()


def test_settings_through_the_space_settings_page(client, alice, bob, carol):  # noqa: ANN001
    from parvis_modules.posts import service

    space, _mod, _guest = team(alice, bob, carol)
    sign_in(client, alice)
    url = "/s/club/settings/modules/posts"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"posts_per_page": "0"}).status_code == 422
    r = client.post(url, data={"require_approval": "y", "posts_per_page": "5"})
    assert r.status_code == 302
    assert service.settings(space) == {"require_approval": True, "allow_comments": False, "posts_per_page": 5}
    sign_in(client, bob)
    client.post("/s/club/posts/new", data={"title": "En attente", "body": "x"})
    assert db.session.scalar(db.select(Post)).status == "pending"
