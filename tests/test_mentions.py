"""@mentions: who is notified when a comment (or any text) names them."""

from __future__ import annotations

import pytest
from conftest import TEST_PLUGINS, add_member, login, logout, make_space, make_user
from plugins.notes_module import make_note

from parvis.extensions import db
from parvis.models import Comment, Notification
from parvis.services import comments as comment_service
from parvis.services.mentions import notify_mentions

pytestmark = pytest.mark.config(EXTRA_PLUGINS=[*TEST_PLUGINS, "plugins.notes_module"])


def sign_in(client, user) -> None:  # noqa: ANN001
    logout(client)
    assert login(client, user).status_code == 302


def notified(kind: str = "mention") -> set[int]:
    return set(db.session.scalars(db.select(Notification.user_id).filter_by(kind=kind)))


def test_mention_notifies_member_but_not_outsider_of_private_space(client, alice, bob, carol):  # noqa: ANN001
    space = make_space(alice, "inner", visibility="private")
    add_member(space, bob)
    note = make_note(space, alice, "Budget")
    sign_in(client, alice)
    r = client.post(
        "/s/inner/content/comments",
        data={
            "target_type": "notes.note",
            "target_id": note.id,
            "body": f"@{bob.username} and @{carol.username}, and me @{alice.username}: look",
        },
    )
    assert r.status_code == 302
    assert notified() == {bob.id}
    mention = db.session.scalar(db.select(Notification).filter_by(kind="mention"))
    assert "Budget" in mention.title and mention.actor_id == alice.id
    comment = db.session.scalar(db.select(Comment))
    assert mention.url.endswith(f"#comment-{comment.id}")
    # The mention is rendered as a link to the profile in the page.
    page = client.get(f"/s/inner/notes/{note.id}").get_data(as_text=True)
    assert f'href="/people/{bob.id}"' in page


def test_mention_in_public_space_reaches_any_reader(app, alice, bob):  # noqa: ANN001
    space = make_space(alice, "open", visibility="public")
    users = notify_mentions(
        text=f"Ping @{bob.username}.", space=space, actor=alice, title="Hello", url="/s/open/"
    )
    db.session.commit()
    assert users == [bob]
    assert notified() == {bob.id}


def test_secret_space_mentions_only_members(app, alice, bob, carol):  # noqa: ANN001
    space = make_space(alice, "vault", visibility="secret")
    add_member(space, carol, "guest")
    users = notify_mentions(
        text=f"@{bob.username} @{carol.username}", space=space, actor=alice, title="t", url="/"
    )
    assert users == [carol]


def test_unknown_and_inactive_handles_are_ignored(app, alice, bob):  # noqa: ANN001
    space = make_space(alice, "open", visibility="public")
    bob.active = False
    db.session.commit()
    users = notify_mentions(
        text=f"@nobody.here @{bob.username} email@{alice.username}.org `code`",
        space=space, actor=alice, title="t", url="/",
    )
    assert users == []
    assert notified() == set()


def test_editing_a_comment_notifies_only_new_mentions(app, alice, bob, carol):  # noqa: ANN001
    space = make_space(alice, "team", visibility="public")
    add_member(space, bob)
    add_member(space, carol)
    note = make_note(space, alice)
    dave = make_user("dave@example.org", "Dave Stone")
    comment = comment_service.add_comment(
        space=space, target_type="notes.note", target_id=note.id, author=alice,
        body=f"Hi @{bob.username}",
    )
    db.session.commit()
    assert notified() == {bob.id}
    comment_service.edit_comment(comment, f"Hi @{bob.username} and @{carol.username}", alice)
    db.session.commit()
    rows = db.session.scalars(db.select(Notification.user_id).filter_by(kind="mention")).all()
    assert sorted(rows) == sorted([bob.id, carol.id])
    # A public space's content is readable by any signed-in user: Dave is notified too.
    comment_service.edit_comment(comment, f"@{dave.username}", alice)
    db.session.commit()
    assert dave.id in notified()
