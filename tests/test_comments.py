"""Comments through the content routes and the comments service, on test notes."""

from __future__ import annotations

import re

import pytest
from conftest import TEST_PLUGINS, add_member, login, logout, make_space, make_user
from plugins.notes_module import Note, make_note
from sqlalchemy import event

from parvis.extensions import db
from parvis.models import Activity, AuditLog, Comment, Notification, SpaceModule
from parvis.services import comments as comment_service
from parvis.services.content_errors import ContentError

pytestmark = pytest.mark.config(EXTRA_PLUGINS=[*TEST_PLUGINS, "plugins.notes_module"])


@pytest.fixture
def team(alice, bob, carol):  # noqa: ANN001, ANN201
    """A public space owned by Alice; Bob member, Carol guest, Dan moderator; a note of Alice."""
    space = make_space(alice, "team", visibility="public")
    add_member(space, bob)
    add_member(space, carol, "guest")
    dan = make_user("dan@example.org", "Dan Moderator")
    add_member(space, dan, "moderator")
    note = make_note(space, alice, "Weekly plan")
    return space, note, dan


def sign_in(client, user) -> None:  # noqa: ANN001
    """Sign ``user`` in, signing out whoever was signed in."""
    logout(client)
    assert login(client, user).status_code == 302


def post_comment(client, note: Note, body: str, slug: str = "team", **extra):  # noqa: ANN001, ANN003, ANN201
    data = {"target_type": "notes.note", "target_id": note.id, "body": body, **extra}
    return client.post(f"/s/{slug}/content/comments", data=data)


def test_member_comments_and_sees_it(client, team, bob, alice):  # noqa: ANN001
    space, note, _dan = team
    sign_in(client, bob)
    r = post_comment(client, note, "Looks **good** to me")
    assert r.status_code == 302
    comment = db.session.scalar(db.select(Comment))
    assert r.headers["Location"].endswith(f"/s/team/notes/{note.id}#comment-{comment.id}")
    assert comment.author_id == bob.id and comment.space_id == space.id
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert "<strong>good</strong>" in page
    assert "Bob Durand" in page
    assert f'id="comment-{comment.id}"' in page
    activity = db.session.scalar(db.select(Activity).filter_by(verb="comment.created"))
    assert activity.actor_id == bob.id and activity.target_id == note.id
    assert "Weekly plan" in activity.title
    notified = db.session.scalars(db.select(Notification).filter_by(kind="comment")).all()
    assert [n.user_id for n in notified] == [alice.id]
    assert notified[0].url.endswith(f"#comment-{comment.id}")


def test_author_comment_on_own_note_notifies_nobody(client, team, alice):  # noqa: ANN001
    _space, note, _dan = team
    sign_in(client, alice)
    assert post_comment(client, note, "Note to self").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0


def test_reply_is_one_level_only(client, team, bob, alice):  # noqa: ANN001
    _space, note, _dan = team
    sign_in(client, alice)
    post_comment(client, note, "First")
    top = db.session.scalar(db.select(Comment))
    sign_in(client, bob)
    r = post_comment(client, note, "A reply", parent_id=top.id)
    assert r.status_code == 302
    reply = db.session.scalar(db.select(Comment).filter_by(parent_id=top.id))
    assert reply is not None
    # Alice is notified once (parent author and note author are the same person).
    assert db.session.scalar(
        db.select(db.func.count()).select_from(Notification).filter_by(user_id=alice.id)
    ) == 1
    r = post_comment(client, note, "Reply to a reply", parent_id=reply.id)
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "You can only reply to a top-level comment." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 2
    r = client.post(
        "/s/team/content/comments",
        data={"target_type": "notes.note", "target_id": note.id, "body": "x", "parent_id": reply.id},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 400
    assert r.json["error"]["fields"] == {"parent_id": "You can only reply to a top-level comment."}
    # The page shows the reply under its parent, with one reply form per top-level comment.
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert 'class="comment__replies"' in page
    assert page.count('name="parent_id"') == 1


def test_reply_to_comment_of_another_target_refused(client, team, bob, alice):  # noqa: ANN001
    space, note, _dan = team
    other = make_note(space, alice, "Other")
    sign_in(client, bob)
    post_comment(client, other, "On the other note")
    top = db.session.scalar(db.select(Comment))
    post_comment(client, note, "Sneaky", parent_id=top.id)
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 1


def test_edit_own_comment(client, team, bob):  # noqa: ANN001
    _space, note, _dan = team
    sign_in(client, bob)
    post_comment(client, note, "Tpyo")
    comment = db.session.scalar(db.select(Comment))
    r = client.post(f"/s/team/content/comments/{comment.id}/edit", data={"body": "Typo fixed"})
    assert r.status_code == 302
    db.session.expire_all()
    comment = db.session.get(Comment, comment.id)
    assert comment.body == "Typo fixed" and comment.edited_at is not None
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert "Typo fixed" in page and "(edited" in page


def test_cannot_edit_or_delete_others_comment(client, team, bob, alice):  # noqa: ANN001
    space, note, _dan = team
    erin = make_user("erin@example.org", "Erin Member")
    add_member(space, erin)
    sign_in(client, bob)
    post_comment(client, note, "Mine")
    comment = db.session.scalar(db.select(Comment))
    sign_in(client, erin)
    assert client.post(f"/s/team/content/comments/{comment.id}/edit", data={"body": "Hacked"}).status_code == 403
    assert client.post(f"/s/team/content/comments/{comment.id}/delete").status_code == 403
    assert client.post(f"/s/team/content/comments/{comment.id}/hide").status_code == 403
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert f"/content/comments/{comment.id}/edit" not in page
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Mine"
    # Unknown comment ids are 404.
    assert client.post("/s/team/content/comments/999999/edit", data={"body": "x"}).status_code == 404


def test_author_deletes_comment_with_its_replies(client, team, bob, alice):  # noqa: ANN001
    _space, note, _dan = team
    sign_in(client, bob)
    post_comment(client, note, "Top")
    top = db.session.scalar(db.select(Comment))
    sign_in(client, alice)
    post_comment(client, note, "Reply", parent_id=top.id)
    sign_in(client, bob)
    r = client.post(f"/s/team/content/comments/{top.id}/delete", data={"next": f"/s/team/notes/{note.id}"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/s/team/notes/{note.id}")
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 0


def test_moderator_hides_and_shows_comment(client, team, bob, carol):  # noqa: ANN001
    _space, note, dan = team
    sign_in(client, bob)
    post_comment(client, note, "Something rude")
    comment = db.session.scalar(db.select(Comment))
    sign_in(client, dan)
    r = client.post(f"/s/team/content/comments/{comment.id}/hide", data={"hidden": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden is True
    assert db.session.scalar(db.select(AuditLog).filter_by(action="comment.hidden")).actor_id == dan.id
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert "Something rude" in page and "Hidden" in page and "Show again" in page
    sign_in(client, carol)
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert "Something rude" not in page
    assert "This comment was hidden by a moderator." in page
    assert comment_service.comment_counts("notes.note", [note.id]) == {note.id: 0}
    sign_in(client, dan)
    client.post(f"/s/team/content/comments/{comment.id}/hide", data={"hidden": "0"})
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden is False


def test_moderator_may_delete_others_comment(client, team, bob):  # noqa: ANN001
    _space, note, dan = team
    sign_in(client, bob)
    post_comment(client, note, "Spam")
    comment = db.session.scalar(db.select(Comment))
    sign_in(client, dan)
    assert client.post(f"/s/team/content/comments/{comment.id}/delete").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 0
    assert db.session.scalar(db.select(AuditLog).filter_by(action="comment.deleted")) is not None


def test_guest_reads_but_cannot_comment(client, team, carol, alice):  # noqa: ANN001
    _space, note, _dan = team
    sign_in(client, alice)
    post_comment(client, note, "Visible to guests")
    sign_in(client, carol)
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert "Visible to guests" in page
    assert 'name="body"' not in page
    assert post_comment(client, note, "Guest talk").status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 1


def test_non_member_of_private_space(client, alice, bob):  # noqa: ANN001
    space = make_space(alice, "inner", visibility="private")
    note = make_note(space, alice)
    sign_in(client, bob)
    assert post_comment(client, note, "Hello", slug="inner").status_code == 403
    secret = make_space(alice, "hidden", visibility="secret")
    note2 = make_note(secret, alice)
    assert post_comment(client, note2, "Hello", slug="hidden").status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 0


def test_signed_out_visitor_is_sent_to_login(client, team):  # noqa: ANN001
    _space, note, _dan = team
    r = post_comment(client, note, "Anonymous")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_invisible_or_foreign_targets_are_404(client, team, alice, bob):  # noqa: ANN001
    space, note, _dan = team
    private_note = make_note(space, alice, "Draft", private=True)
    sign_in(client, bob)
    assert post_comment(client, private_note, "Peek").status_code == 404
    other = make_space(bob, "elsewhere", visibility="public")
    assert post_comment(client, note, "Wrong space", slug="elsewhere").status_code == 404
    assert client.post(
        "/s/team/content/comments", data={"target_type": "nope.thing", "target_id": 1, "body": "x"}
    ).status_code == 404
    assert client.post(
        "/s/team/content/comments", data={"target_type": "notes.note", "target_id": "abc", "body": "x"}
    ).status_code == 404
    assert client.post("/s/team/content/comments", data={"body": "x"}).status_code == 404
    assert client.post(
        "/s/team/content/comments", data={"target_type": "notes.note", "target_id": 10**30, "body": "x"}
    ).status_code == 404
    assert post_comment(client, note, "Huge parent", parent_id=2**40).status_code == 302
    assert client.post(f"/s/team/content/comments/{2**40}/edit", data={"body": "x"}).status_code == 404
    assert client.post(
        "/s/team/content/comments", data={"target_type": "notes.note", "target_id": 2**40, "body": "x"}
    ).status_code == 404
    assert client.get(f"/s/team/content/attachments/{2**40}").status_code == 404
    assert other.id and db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 0


def test_module_switched_off_in_space_hides_its_targets(client, team, bob):  # noqa: ANN001
    space, note, _dan = team
    db.session.execute(
        db.update(SpaceModule).filter_by(space_id=space.id, module_id="notes").values(enabled=False)
    )
    db.session.commit()
    sign_in(client, bob)
    assert post_comment(client, note, "Hello").status_code == 404


def test_bad_bodies_are_refused_with_a_message(client, team, bob):  # noqa: ANN001
    _space, note, _dan = team
    sign_in(client, bob)
    r = post_comment(client, note, "   ")
    assert r.status_code == 302
    assert "Write a comment first." in client.get(r.headers["Location"]).get_data(as_text=True)
    r = post_comment(client, note, "x" * 10_001)
    assert "at most 10000 characters" in client.get(r.headers["Location"]).get_data(as_text=True)
    r = client.post(
        "/s/team/content/comments",
        data={"target_type": "notes.note", "target_id": note.id, "body": ""},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 400 and r.json["error"]["fields"]["body"] == "Write a comment first."
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 0


def test_unsafe_next_is_ignored(client, team, bob):  # noqa: ANN001
    _space, note, _dan = team
    sign_in(client, bob)
    r = post_comment(client, note, "Hi", next="https://evil.example/phish")
    assert r.headers["Location"].startswith(f"/s/team/notes/{note.id}")
    r = post_comment(client, note, "Hi", next="//evil.example")
    assert "evil" not in r.headers["Location"]
    r = post_comment(client, note, "Hi", next="/s/team/")
    assert r.headers["Location"].startswith("/s/team/#comment-")


@pytest.mark.config(WTF_CSRF_ENABLED=True, EXTRA_PLUGINS=[*TEST_PLUGINS, "plugins.notes_module"])
def test_comment_needs_csrf_token(client, team, bob):  # noqa: ANN001
    from conftest import PASSWORD, csrf_token_from
    from flask import g

    _space, note, _dan = team
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": bob.email, "password": PASSWORD, "csrf_token": csrf_token_from(page)})
    # The fixture's app context outlives requests, so flask.g keeps the pre-login token.
    g.pop("csrf_token", None)
    assert post_comment(client, note, "No token").status_code == 400
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    r = post_comment(client, note, "With token", csrf_token=csrf_token_from(page))
    assert r.status_code == 302
    assert db.session.scalar(db.select(Comment.body)) == "With token"


def test_comments_for_uses_a_fixed_number_of_queries(app, team, alice, bob):  # noqa: ANN001
    space, note, dan = team
    extra = [make_user(f"u{i}@example.org") for i in range(4)]
    for user in extra:
        add_member(space, user)
    for author in [alice, bob, dan, *extra]:
        top = comment_service.add_comment(
            space=space, target_type="notes.note", target_id=note.id, author=author, body="top"
        )
        comment_service.add_comment(
            space=space, target_type="notes.note", target_id=note.id, author=alice, body="re",
            parent_id=top.id,
        )
    db.session.commit()
    note_id = note.id
    db.session.expunge_all()
    statements: list[str] = []

    def count(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result, top_total, total = comment_service.comments_for("notes.note", note_id)
        names = [c.author.name for c in result] + [r.author.name for c in result for r in c.replies]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(result) == 7 and all(len(c.replies) == 1 for c in result)
    assert len(names) == 14 and (top_total, total) == (7, 14)
    assert len(statements) == 2  # comments with their counts, their authors


def test_service_validation_and_counts(app, team, bob):  # noqa: ANN001
    space, note, _dan = team
    with pytest.raises(ContentError) as exc:
        comment_service.add_comment(
            space=space, target_type="notes.note", target_id=note.id, author=bob, body=""
        )
    assert exc.value.field == "body"
    with pytest.raises(ContentError) as exc:
        comment_service.add_comment(
            space=space, target_type="notes.note", target_id=note.id, author=bob, body="x", parent_id=424242
        )
    assert exc.value.field == "parent_id"
    with pytest.raises(ContentError):
        comment_service.add_comment(
            space=space, target_type="notes.note", target_id=999999, author=bob, body="x"
        )
    other = make_note(space, bob, "Other")
    for target in (note, note, other):
        comment_service.add_comment(
            space=space, target_type="notes.note", target_id=target.id, author=bob, body="x"
        )
    db.session.commit()
    assert comment_service.comment_counts("notes.note", [note.id, other.id, 999]) == {
        note.id: 2, other.id: 1, 999: 0,
    }
    assert comment_service.comment_counts("notes.note", []) == {}


def test_closed_comments_macro_hides_the_forms(app, team, bob):  # noqa: ANN001
    from flask import g, render_template_string
    from flask_login import login_user

    space, note, _dan = team
    comment_service.add_comment(
        space=space, target_type="notes.note", target_id=note.id, author=bob, body="Earlier"
    )
    db.session.commit()
    template = '{% from "content/macros.html" import comments %}{{ comments("notes.note", id, "/x", closed=closed) }}'
    with app.test_request_context("/s/team/"):
        g.space = space
        bob.current_session_id = "x"
        login_user(bob)
        open_html = render_template_string(template, id=note.id, closed=False)
        closed_html = render_template_string(template, id=note.id, closed=True)
    assert 'name="body"' in open_html
    assert "Earlier" in closed_html and "Comments are closed." in closed_html
    assert 'name="parent_id"' not in closed_html and "content/comments\"" not in closed_html


def test_delete_for_removes_everything_on_targets(app, team, alice, bob, tmp_path):  # noqa: ANN001
    import io

    from werkzeug.datastructures import FileStorage

    from parvis.models import Attachment, Reaction
    from parvis.services import attachments, reactions
    from parvis.storage import LocalStorage

    app.extensions["parvis_storage"] = storage = LocalStorage(tmp_path)
    space, note, _dan = team
    keep = make_note(space, alice, "Keep")
    for target in (note, keep):
        top = comment_service.add_comment(
            space=space, target_type="notes.note", target_id=target.id, author=bob, body="x"
        )
        comment_service.add_comment(
            space=space, target_type="notes.note", target_id=target.id, author=alice, body="y",
            parent_id=top.id,
        )
        reactions.toggle_reaction(user=bob, target_type="notes.note", target_id=target.id, emoji="like")
        attachments.save_upload(
            FileStorage(io.BytesIO(b"data"), "f.txt"), space=space, uploader=bob,
            target_type="notes.note", target_id=target.id,
        )
    db.session.commit()
    key = db.session.scalar(db.select(Attachment.storage_key).filter_by(target_id=note.id))
    assert comment_service.delete_for("notes.note", [note.id]) == 2
    assert reactions.delete_for("notes.note", [note.id]) == 1
    assert attachments.delete_for("notes.note", [note.id]) == 1
    db.session.commit()
    assert db.session.scalars(db.select(Comment.target_id)).all() == [keep.id, keep.id]
    assert db.session.scalars(db.select(Reaction.target_id)).all() == [keep.id]
    assert db.session.scalars(db.select(Attachment.target_id)).all() == [keep.id]
    assert not storage.exists(key)


def test_long_threads_show_the_latest_comments_first_page(client, team, alice, bob):  # noqa: ANN001
    """120 comments: the page shows the 50 latest (and their replies) with a link to the
    earlier ones; ``?comments=all`` shows everything; the count covers every comment."""
    from parvis.views.content import COMMENTS_SHOWN

    space, note, _dan = team
    first = None
    for i in range(120):
        c = comment_service.add_comment(
            space=space, target_type="notes.note", target_id=note.id, author=alice, body=f"Avis numéro {i:03d}"
        )
        first = first or c
    comment_service.add_comment(space=space, target_type="notes.note", target_id=note.id, author=bob,
                                body="Réponse au dernier", parent_id=c.id)
    db.session.commit()
    sign_in(client, bob)
    html = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    shown = re.findall(r"Avis numéro (\d{3})", html)
    assert len(shown) == COMMENTS_SHOWN and shown[0] == "070" and shown[-1] == "119"
    assert "Réponse au dernier" in html and "(121)" in html
    assert "70 earlier comments" in html and "?comments=all#comments-notes-note-" in html
    everything = client.get(f"/s/team/notes/{note.id}?comments=all").get_data(as_text=True)
    assert len(re.findall(r"Avis numéro (\d{3})", everything)) == 120
