"""The posts module's web pages: writing, visibility, moderation, feed and filters."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from conftest import PASSWORD, add_member, csrf_token_from, make_space, make_user
from test_posts_helpers import make_post, posts_enabled, set_settings, sign_in, team

from parvis.extensions import db
from parvis.models import Activity, AuditLog, Notification, utcnow
from parvis_modules.posts.models import Post, Tag

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def notifications_of(user, kind=None):  # noqa: ANN001, ANN201
    stmt = db.select(Notification).filter_by(user_id=user.id)
    if kind:
        stmt = stmt.filter_by(kind=kind)
    return db.session.scalars(stmt).all()


# -- writing -------------------------------------------------------------------------


def test_author_creates_edits_and_deletes(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    sign_in(client, bob)
    assert client.get("/s/club/posts/new").status_code == 200
    r = client.post(
        "/s/club/posts/new",
        data={"title": "Atelier de mars", "body": "Un **compte rendu**", "tags": "Ateliers, santé, ateliers"},
    )
    assert r.status_code == 302
    post = db.session.scalar(db.select(Post))
    assert r.headers["Location"].endswith(f"/s/club/posts/{post.id}")
    assert post.status == "published" and post.author_id == bob.id
    assert sorted(t.name for t in post.tags) == ["Ateliers", "santé"]
    page = client.get(f"/s/club/posts/{post.id}").get_data(as_text=True)
    assert "Atelier de mars" in page and "<strong>compte rendu</strong>" in page
    activity = db.session.scalar(db.select(Activity).filter_by(verb="posts.published"))
    assert activity.target_id == post.id and activity.actor_id == bob.id

    r = client.post(
        f"/s/club/posts/{post.id}/edit",
        data={"title": "Atelier d'avril", "body": "Nouveau texte", "tags": "santé"},
    )
    assert r.status_code == 302
    db.session.refresh(post)
    assert post.title == "Atelier d'avril" and [t.name for t in post.tags] == ["santé"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == 1

    assert client.get(f"/s/club/posts/{post.id}/delete").status_code == 200
    r = client.post(f"/s/club/posts/{post.id}/delete")
    assert r.status_code == 302
    assert db.session.scalar(db.select(Post)) is None
    assert client.get(f"/s/club/posts/{post.id}").status_code == 404


def test_invalid_form_shows_errors(client, alice, bob, carol):  # noqa: ANN001
    team(alice, bob, carol)
    sign_in(client, bob)
    tags = ", ".join(f"tag{i}" for i in range(12))
    r = client.post("/s/club/posts/new", data={"title": "", "body": "x", "tags": tags})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert "10" in page  # too many tags
    assert db.session.scalar(db.select(Post)) is None


def test_cover_and_attachments(client, alice, bob, carol):  # noqa: ANN001
    team(alice, bob, carol)
    sign_in(client, bob)
    r = client.post(
        "/s/club/posts/new",
        data={
            "title": "Avec image",
            "body": "Voir la pièce jointe",
            "cover": (io.BytesIO(PNG), "cover.png"),
            "attachments": [(io.BytesIO(b"hello"), "notes.txt")],
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    post = db.session.scalar(db.select(Post))
    assert post.cover_id is not None
    page = client.get(f"/s/club/posts/{post.id}").get_data(as_text=True)
    assert f"/s/club/content/attachments/{post.cover_id}" in page
    assert "notes.txt" in page
    image = client.get(f"/s/club/content/attachments/{post.cover_id}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    image.close()


def test_cover_must_be_an_image(client, alice, bob, carol):  # noqa: ANN001
    team(alice, bob, carol)
    sign_in(client, bob)
    r = client.post(
        "/s/club/posts/new",
        data={"title": "Fausse image", "body": "x", "cover": (io.BytesIO(b"not an image"), "cover.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert db.session.scalar(db.select(Post)) is None


def test_member_cannot_edit_others_but_moderator_can_and_hides(client, alice, bob, carol):  # noqa: ANN001
    space, mod, _guest = team(alice, bob, carol)
    post = make_post(space, bob, "Bob's news")
    sign_in(client, carol)
    assert client.get(f"/s/club/posts/{post.id}/edit").status_code == 403
    assert client.post(f"/s/club/posts/{post.id}/edit", data={"title": "x", "body": "y"}).status_code == 403
    assert client.post(f"/s/club/posts/{post.id}/delete").status_code == 403
    assert client.post(f"/s/club/posts/{post.id}/hide", data={"hidden": "1"}).status_code == 403

    sign_in(client, mod)
    r = client.post(f"/s/club/posts/{post.id}/edit", data={"title": "Bob's news (fixed)", "body": "ok"})
    assert r.status_code == 302
    db.session.refresh(post)
    assert post.title == "Bob's news (fixed)" and post.author_id == bob.id
    assert client.post(f"/s/club/posts/{post.id}/hide", data={"hidden": "1"}).status_code == 302
    assert db.session.scalar(db.select(AuditLog).filter_by(action="posts.hidden")) is not None
    # Moderators still see it, flagged; members no longer do; the author does.
    assert "Hidden" in client.get(f"/s/club/posts/{post.id}").get_data(as_text=True)
    sign_in(client, carol)
    assert client.get(f"/s/club/posts/{post.id}").status_code == 404
    assert "Bob&#39;s news" not in client.get("/s/club/posts/").get_data(as_text=True)
    sign_in(client, bob)
    assert client.get(f"/s/club/posts/{post.id}").status_code == 200


def test_guest_cannot_create(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, guest = team(alice, bob, carol)
    make_post(space, bob, "Readable")
    sign_in(client, guest)
    assert client.get("/s/club/posts/").status_code == 200
    assert "New post" not in client.get("/s/club/posts/").get_data(as_text=True)
    assert client.get("/s/club/posts/new").status_code == 403
    assert client.post("/s/club/posts/new", data={"title": "x", "body": "y"}).status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 1


def test_private_space_403_and_secret_space_404(client, alice, bob, carol):  # noqa: ANN001
    private = make_space(alice, "private-club", visibility="private")
    secret = make_space(alice, "secret-club", visibility="secret")
    p1 = make_post(private, alice, "Private news")
    p2 = make_post(secret, alice, "Secret news")
    sign_in(client, bob)
    for url in ("/s/private-club/posts/", f"/s/private-club/posts/{p1.id}", "/api/v1/spaces/private-club/posts/"):
        assert client.get(url).status_code == 403, url
    for url in ("/s/secret-club/posts/", f"/s/secret-club/posts/{p2.id}", "/api/v1/spaces/secret-club/posts/"):
        assert client.get(url).status_code == 404, url
    # A post id of another space is not found through this one.
    add_member(private, bob)
    assert client.get(f"/s/private-club/posts/{p2.id}").status_code == 404


# -- visibility of drafts and scheduled posts ----------------------------------------


def test_drafts_and_scheduled_posts_are_invisible_to_others(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    sign_in(client, bob)
    client.post("/s/club/posts/new", data={"title": "Mon brouillon", "body": "x", "save_draft": "1"})
    future = (utcnow() + timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    client.post("/s/club/posts/new", data={"title": "Plus tard", "body": "x", "publish_at": future})
    draft = db.session.scalar(db.select(Post).filter_by(title="Mon brouillon"))
    scheduled = db.session.scalar(db.select(Post).filter_by(title="Plus tard"))
    assert draft.status == "draft"
    assert scheduled.status == "published" and scheduled.is_scheduled
    assert db.session.scalar(db.select(Activity)) is None  # nothing announced yet
    mine = client.get("/s/club/posts/mine").get_data(as_text=True)
    assert "Mon brouillon" in mine and "Plus tard" in mine
    assert client.get(f"/s/club/posts/{draft.id}").status_code == 200

    sign_in(client, carol)
    feed = client.get("/s/club/posts/").get_data(as_text=True)
    assert "Mon brouillon" not in feed and "Plus tard" not in feed
    assert client.get(f"/s/club/posts/{draft.id}").status_code == 404
    assert client.get(f"/s/club/posts/{scheduled.id}").status_code == 404
    api = client.get("/api/v1/spaces/club/posts/").get_json()
    assert api["items"] == []
    assert client.get(f"/api/v1/spaces/club/posts/{scheduled.id}").status_code == 404

    # Once its time has come, the scheduled post shows up and is announced once.
    scheduled.published_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert "Plus tard" in client.get("/s/club/posts/").get_data(as_text=True)
    assert client.get(f"/s/club/posts/{scheduled.id}").status_code == 200
    client.get("/s/club/posts/")
    activities = db.session.scalars(db.select(Activity).filter_by(verb="posts.published")).all()
    assert [a.target_id for a in activities] == [scheduled.id]


# -- approval ---------------------------------------------------------------------------


def test_approval_workflow(client, alice, bob, carol):  # noqa: ANN001
    space, mod, _guest = team(alice, bob, carol)
    set_settings(space, require_approval=True)
    sign_in(client, bob)
    r = client.post("/s/club/posts/new", data={"title": "À valider", "body": "x"})
    assert r.status_code == 302
    post = db.session.scalar(db.select(Post))
    assert post.status == "pending"
    page = client.get(f"/s/club/posts/{post.id}").get_data(as_text=True)
    assert "Pending approval" in page
    assert [n.kind for n in notifications_of(mod)] == ["posts.pending"]
    assert "posts.pending" in {n.kind for n in notifications_of(alice)}  # owner moderates too

    sign_in(client, carol)
    assert client.get(f"/s/club/posts/{post.id}").status_code == 404
    assert "À valider" not in client.get("/s/club/posts/").get_data(as_text=True)
    assert client.get("/s/club/posts/queue").status_code == 403
    assert client.post(f"/s/club/posts/{post.id}/approve").status_code == 404

    sign_in(client, mod)
    assert "À valider" in client.get("/s/club/posts/queue").get_data(as_text=True)
    assert client.post(f"/s/club/posts/{post.id}/approve").status_code == 302
    db.session.refresh(post)
    assert post.status == "published" and post.is_live
    assert "posts.approved" in {n.kind for n in notifications_of(bob)}
    assert db.session.scalar(db.select(Activity).filter_by(verb="posts.published")) is not None

    sign_in(client, carol)
    assert "À valider" in client.get("/s/club/posts/").get_data(as_text=True)


def test_moderators_publish_without_approval_and_rejection(client, alice, bob, carol):  # noqa: ANN001
    space, mod, _guest = team(alice, bob, carol)
    set_settings(space, require_approval=True)
    sign_in(client, mod)
    client.post("/s/club/posts/new", data={"title": "Direct", "body": "x"})
    assert db.session.scalar(db.select(Post).filter_by(title="Direct")).status == "published"
    sign_in(client, bob)
    client.post("/s/club/posts/new", data={"title": "Refusé", "body": "x"})
    post = db.session.scalar(db.select(Post).filter_by(title="Refusé"))
    sign_in(client, mod)
    assert client.post(f"/s/club/posts/{post.id}/reject").status_code == 302
    db.session.refresh(post)
    assert post.status == "draft"
    assert "posts.rejected" in {n.kind for n in notifications_of(bob)}
    assert client.get(f"/s/club/posts/{post.id}").status_code == 404  # back to a private draft


# -- pinning, announcements, mentions ------------------------------------------------------


def test_pinned_posts_come_first(client, alice, bob, carol):  # noqa: ANN001
    space, mod, _guest = team(alice, bob, carol)
    old = make_post(space, bob, "Ancien", published_at=utcnow() - timedelta(days=3))
    make_post(space, bob, "Récent", published_at=utcnow() - timedelta(hours=1))
    sign_in(client, carol)
    assert client.post(f"/s/club/posts/{old.id}/pin", data={"pinned": "1"}).status_code == 403
    sign_in(client, mod)
    assert client.post(f"/s/club/posts/{old.id}/pin", data={"pinned": "1"}).status_code == 302
    feed = client.get("/s/club/posts/").get_data(as_text=True)
    assert feed.index("Ancien") < feed.index("Récent")
    items = client.get("/api/v1/spaces/club/posts/").get_json()["items"]
    assert [p["title"] for p in items] == ["Ancien", "Récent"]


def test_announcement_notifies_every_member_but_the_author(client, alice, bob, carol):  # noqa: ANN001
    space, mod, guest = team(alice, bob, carol)
    # Members may not announce: the flag is ignored.
    sign_in(client, bob)
    client.post("/s/club/posts/new", data={"title": "Pas une annonce", "body": "x", "announcement": "y"})
    assert db.session.scalar(db.select(Post)).announcement is False
    assert db.session.scalar(db.select(Notification).filter_by(kind="posts.announcement")) is None

    sign_in(client, alice)  # owner
    r = client.post("/s/club/posts/new", data={"title": "Grande annonce", "body": "x", "announcement": "y"})
    assert r.status_code == 302
    notified = {n.user_id for n in db.session.scalars(db.select(Notification).filter_by(kind="posts.announcement"))}
    assert notified == {bob.id, carol.id, mod.id, guest.id}


def test_mention_notifies(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    outsider = make_user("zoe@example.org", "Zoe Outsider")
    private = make_space(alice, "private-club", visibility="private")
    sign_in(client, bob)
    client.post(
        "/s/club/posts/new",
        data={"title": "Merci", "body": f"Merci @{carol.username} et @{outsider.username} !"},
    )
    assert [n.kind for n in notifications_of(carol)] == ["mention"]
    # A public space is readable by every signed-in user: the outsider is told too.
    assert [n.kind for n in notifications_of(outsider)] == ["mention"]
    # Editing does not notify again; a newly mentioned user is notified.
    post = db.session.scalar(db.select(Post))
    client.post(
        f"/s/club/posts/{post.id}/edit",
        data={"title": "Merci", "body": f"Merci @{carol.username}, @{outsider.username} et @{alice.username}"},
    )
    assert len(notifications_of(carol, "mention")) == 1
    assert len(notifications_of(alice, "mention")) == 1
    # In a private space, only members are told.
    sign_in(client, alice)
    client.post("/s/private-club/posts/new", data={"title": "Privé", "body": f"@{outsider.username} ?"})
    assert len(notifications_of(outsider, "mention")) == 1
    assert private.id


def test_comment_mention_notifies_and_comments_can_be_turned_off(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    post = make_post(space, alice, "Discussion")
    sign_in(client, bob)
    r = client.post(
        "/s/club/content/comments",
        data={"target_type": "posts.post", "target_id": post.id, "body": f"Avis de @{carol.username} ?"},
    )
    assert r.status_code == 302
    assert [n.kind for n in notifications_of(carol)] == ["mention"]
    page = client.get(f"/s/club/posts/{post.id}").get_data(as_text=True)
    assert "Avis de" in page
    assert "1 comment" in client.get("/s/club/posts/").get_data(as_text=True)

    set_settings(space, allow_comments=False)
    page = client.get(f"/s/club/posts/{post.id}").get_data(as_text=True)
    assert "Avis de" not in page
    r = client.post(
        "/s/club/content/comments",
        data={"target_type": "posts.post", "target_id": post.id, "body": "Encore"},
    )
    assert r.status_code == 403


# -- feed -----------------------------------------------------------------------------------


def test_tag_and_author_filters(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    make_post(space, bob, "Santé de Bob", tags=["Santé"])
    make_post(space, carol, "Santé de Carol", tags=["Santé", "Numérique"])
    make_post(space, carol, "Numérique de Carol", tags=["Numérique"])
    sign_in(client, bob)
    feed = client.get("/s/club/posts/?tag=sante").get_data(as_text=True)
    assert "Santé de Bob" in feed and "Santé de Carol" in feed and "Numérique de Carol" not in feed
    feed = client.get(f"/s/club/posts/?author={carol.id}").get_data(as_text=True)
    assert "Santé de Bob" not in feed and "Santé de Carol" in feed and "Numérique de Carol" in feed
    feed = client.get(f"/s/club/posts/?author={carol.id}&tag=numerique").get_data(as_text=True)
    assert "Santé de Bob" not in feed and "Santé de Carol" in feed
    feed = client.get("/s/club/posts/?tag=unknown&author=abc&page=-3").get_data(as_text=True)
    assert "No posts yet." in feed


def test_pagination_is_stable(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    when = utcnow() - timedelta(hours=1)
    for i in range(5):
        make_post(space, bob, f"Post numéro {i}", published_at=when)  # same date: id breaks ties
    set_settings(space, posts_per_page=2)
    sign_in(client, carol)
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/s/club/posts/?page={page}").get_data(as_text=True)
        found = [i for i in range(5) if f"Post numéro {i}" in html]
        seen += sorted(found, key=lambda i: html.index(f"Post numéro {i}"))
    assert seen == [4, 3, 2, 1, 0]
    assert "Older posts" not in client.get("/s/club/posts/?page=3").get_data(as_text=True)


def test_feed_issues_a_fixed_number_of_queries(client, alice, bob, carol, count_queries):  # noqa: ANN001
    from parvis.services import comments, reactions

    space, _mod, _guest = team(alice, bob, carol)

    def add_posts(n: int) -> None:
        for i in range(n):
            post = make_post(space, bob if i % 2 else carol, f"P{i}", tags=[f"t{i % 4}", "commun"],
                             body=f"Salut @{alice.username}")
            comments.add_comment(space=space, target_type="posts.post", target_id=post.id, author=alice, body="Bien")
            reactions.toggle_reaction(user=alice, target_type="posts.post", target_id=post.id, emoji="like")
        db.session.commit()

    def measure() -> tuple[int, int]:
        with count_queries() as feed:
            assert client.get("/s/club/posts/").status_code == 200
        with count_queries() as api:
            assert client.get("/api/v1/spaces/club/posts/?per_page=30").status_code == 200
        return feed, api

    sign_in(client, carol)
    add_posts(3)
    few_feed, few_api = measure()
    add_posts(27)
    many_feed, many_api = measure()
    assert few_feed.count == many_feed.count, many_feed.report()
    assert few_api.count == many_api.count, many_api.report()


def test_xss_is_escaped(client, alice, bob, carol):  # noqa: ANN001
    team(alice, bob, carol)
    sign_in(client, bob)
    client.post(
        "/s/club/posts/new",
        data={
            "title": "<script>alert('t')</script>",
            "body": "<img src=x onerror=alert(1)> [clic](javascript:alert(2)) <script>alert(3)</script>",
            "tags": "<b>gras</b>, \"><svg onload=alert(4)>",
        },
    )
    post = db.session.scalar(db.select(Post))
    for url in (f"/s/club/posts/{post.id}", "/s/club/posts/", f"/s/club/posts/{post.id}/edit"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), url
        assert "<svg" not in html and "<b>gras" not in html, url
        assert 'href="javascript:' not in html, url
    assert "&lt;script&gt;alert(" in client.get(f"/s/club/posts/{post.id}").get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Tag)) == 2


def test_disabled_module_answers_404_and_keeps_data(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    post = make_post(space, bob, "Conservé")
    posts_enabled(space, False)
    sign_in(client, bob)
    for url in ("/s/club/posts/", f"/s/club/posts/{post.id}", "/s/club/posts/new", "/api/v1/spaces/club/posts/"):
        assert client.get(url).status_code == 404, url
    r = client.post(
        "/s/club/content/comments", data={"target_type": "posts.post", "target_id": post.id, "body": "x"}
    )
    assert r.status_code == 404
    assert db.session.get(Post, post.id) is not None
    posts_enabled(space, True)
    assert "Conservé" in client.get("/s/club/posts/").get_data(as_text=True)


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_forms_need_a_csrf_token(client, alice, bob, carol):  # noqa: ANN001
    space, _mod, _guest = team(alice, bob, carol)
    post = make_post(space, bob, "Protégé")
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": bob.email, "password": PASSWORD, "csrf_token": csrf_token_from(page)})
    assert client.post("/s/club/posts/new", data={"title": "x", "body": "y"}).status_code == 400
    assert client.post(f"/s/club/posts/{post.id}/delete").status_code == 400
    token = csrf_token_from(client.get("/s/club/posts/new").get_data(as_text=True))
    r = client.post("/s/club/posts/new", data={"title": "Avec jeton", "body": "y", "csrf_token": token})
    assert r.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 2
