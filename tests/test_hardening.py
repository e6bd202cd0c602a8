"""Fixes from the security review: each test reproduces a finding and checks it stays fixed."""

from __future__ import annotations

import io

from conftest import add_member, login, make_space
from test_posts_helpers import make_post, set_settings, sign_in, team

from parvis.auth_session import revoke_api_tokens  # noqa: F401  (public helper)
from parvis.extensions import db
from parvis.models import ApiToken, Attachment, Comment, Membership, Notification
from parvis.services.membership import invite


def test_invitation_cannot_be_used_by_another_signed_in_user(client, alice, bob, carol):
    space = make_space(alice, "secret-club", "secret")
    _invitation, token = invite(space, bob.email, alice, role="admin")
    db.session.commit()
    sign_in(client, carol)
    r = client.get(f"/invitations/{token}")
    assert r.status_code == 403
    assert bob.email in r.get_data(as_text=True)
    assert client.post(f"/invitations/{token}").status_code == 403
    assert db.session.scalar(db.select(Membership).filter_by(space_id=space.id, user_id=carol.id)) is None
    sign_in(client, bob)
    assert client.post(f"/invitations/{token}").status_code == 302
    role = db.session.scalar(db.select(Membership.role).filter_by(space_id=space.id, user_id=bob.id))
    assert role == "admin"


def test_no_comment_or_reaction_on_a_draft(client, alice, bob, carol):
    space, _mod, _guest = team(alice, bob, carol, slug="drafts")
    draft = make_post(space, alice, "SECRET DRAFT TITLE", status="draft", published_at=None)
    sign_in(client, alice)
    r = client.post(
        "/s/drafts/content/comments",
        data={"target_type": "posts.post", "target_id": draft.id, "body": "hi @carol"},
    )
    assert r.status_code == 403
    r = client.post(
        "/s/drafts/content/reactions",
        data={"target_type": "posts.post", "target_id": draft.id, "emoji": "like"},
    )
    assert r.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 0
    assert not db.session.scalars(db.select(Notification).filter_by(user_id=carol.id)).all()
    sign_in(client, bob)
    assert "SECRET DRAFT TITLE" not in client.get("/s/drafts/").get_data(as_text=True)


def test_comments_switched_off_are_refused_by_the_server(client, alice, bob, carol):
    space, _mod, _guest = team(alice, bob, carol, slug="quiet")
    post = make_post(space, alice, "Quiet post")
    set_settings(space, allow_comments=False)
    sign_in(client, bob)
    r = client.post(
        "/s/quiet/content/comments",
        data={"target_type": "posts.post", "target_id": post.id, "body": "hello"},
    )
    assert r.status_code == 403


def test_member_cannot_attach_files_to_someone_elses_post(client, alice, bob, carol):
    space, _mod, _guest = team(alice, bob, carol, slug="files")
    post = make_post(space, alice, "Alice's announcement")
    sign_in(client, bob)
    r = client.post(
        "/s/files/content/attachments",
        data={
            "target_type": "posts.post",
            "target_id": str(post.id),
            "file": (io.BytesIO(b"%PDF-1.4 fake"), "invoice.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_absurd_ids_are_404_not_500(client, alice):
    make_space(alice, "ids", "public")
    login(client, alice)
    assert client.get("/people/99999999999999999999").status_code == 404
    assert client.get("/s/ids/posts/99999999999999999999").status_code == 404
    r = client.post("/notifications/read", data={"id": "99999999999999999999"})
    assert r.status_code < 500


def test_nul_bytes_are_refused(client, alice):
    make_space(alice, "nul", "public")
    login(client, alice)
    assert client.get("/spaces?q=%00").status_code == 400
    assert client.get("/s/nul/posts/?tag=a%00b").status_code == 400
    assert client.post("/s/nul/settings", data={"name": "x\x00y"}).status_code == 400


def test_nul_in_json_bodies_is_refused_naming_the_field(client, alice):
    """Every declared API endpoint: a NUL anywhere in the JSON body (values, nested
    values, keys) is a 422 naming the field, never a database error."""
    make_space(alice, "nuljson", "public")
    login(client, alice)
    r = client.patch("/api/v1/spaces/nuljson", json={"name": "Clu\x00b", "description": "fine"})
    assert r.status_code == 422
    assert list(r.get_json()["error"]["fields"]) == ["name"]
    r = client.post("/api/v1/spaces/nuljson/faq/entries", json={"question": "Pourquoi\x00 ?"})
    assert r.status_code == 422 and "question" in r.get_json()["error"]["fields"]


def test_form_encoded_bodies_on_the_json_api_are_a_clear_400(client, alice):
    make_space(alice, "formapi", "public")
    login(client, alice)
    r = client.post("/api/v1/spaces/formapi/faq/entries", data={"question": "Une question ?"})
    assert r.status_code == 400
    assert "application/json" in r.get_json()["error"]["message"]


def test_accent_colour_with_trailing_newline_is_refused(client, alice):
    make_space(alice, "colours", "public")
    login(client, alice)
    r = client.patch("/api/v1/spaces/colours", json={"accent_color": "#000000\n"})
    assert r.status_code == 422
    assert "accent_color" in r.get_json()["error"]["fields"]


def test_password_change_revokes_api_tokens(client, alice):
    _row, clear = ApiToken.issue(alice, "script")
    db.session.commit()
    headers = {"Authorization": f"Bearer {clear}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    login(client, alice)
    r = client.post(
        "/account/password",
        data={"current": "correct horse battery", "password": "a brand new passphrase", "confirm": "a brand new passphrase"},
    )
    assert r.status_code == 302
    client.post("/logout")
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_secret_space_member_list_unchanged_by_probe(client, alice, carol):
    space = make_space(alice, "probe", "secret")
    add_member(space, alice, "owner") if False else None
    login(client, carol)
    assert client.get("/s/probe/members").status_code == 404


def test_guests_stay_read_only_whatever_the_overrides(app, alice, bob):
    from parvis.models import SpacePermission
    from parvis.services.permissions import can

    space = make_space(alice, "guests", "private")
    add_member(space, bob, "guest")
    db.session.add(SpacePermission(space_id=space.id, action="posts.create", min_role="guest"))
    db.session.add(SpacePermission(space_id=space.id, action="space.invite", min_role="guest"))
    db.session.commit()
    assert can(bob, "space.read", space)
    assert not can(bob, "posts.create", space)
    assert not can(bob, "space.invite", space)
