"""The discussions module's pages without JavaScript: channels, messages, threads,
edit/delete/pin/lock/reactions, unread counts, permalinks, search, files, roles."""

from __future__ import annotations

import io
import re

import pytest
from conftest import add_member, login, logout, make_space, make_user

from parvis.extensions import db
from parvis.models import Activity, Attachment, Notification, SpaceModule
from parvis_modules.discussions import service
from parvis_modules.discussions.models import Channel, ChannelRead, Message

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ROLES = ("owner", "admin", "moderator", "member", "guest")


class Team:
    """A space with people in every role, and its default channel."""

    def __init__(self, space, people):  # noqa: ANN001
        self.space = space
        self.people = people
        self.slug = space.slug
        self.url = f"/s/{space.slug}/discussions"
        self.channel = db.session.scalar(db.select(Channel).filter_by(space_id=space.id))

    def __getattr__(self, name: str):  # noqa: ANN204
        try:
            return self.people[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def channel_url(self, channel: Channel | None = None) -> str:
        return f"{self.url}/c/{(channel or self.channel).id}"


def build_team(slug: str = "team", visibility: str = "public") -> Team:
    owner = make_user(f"owner-{slug}@example.org", "Olga Owner")
    space = make_space(owner, slug, visibility=visibility)
    people = {"owner": owner}
    for role in ("admin", "moderator", "member", "guest"):
        user = make_user(f"{role}-{slug}@example.org", f"{role.title()} Person")
        add_member(space, user, role)
        people[role] = user
    people["outsider"] = make_user(f"outsider-{slug}@example.org", "Oscar Outsider")
    people["other"] = make_user(f"other-{slug}@example.org", "Otto Member")
    add_member(space, people["other"], "member")
    return Team(space, people)


@pytest.fixture
def team(app, admin):  # noqa: ANN001, ANN201
    data = build_team()
    data.people["platform_admin"] = admin
    return data


def sign_in(client, user) -> None:  # noqa: ANN001
    logout(client)
    assert login(client, user).status_code == 302


def post(team: Team, author, body: str, thread: Message | None = None, channel=None) -> Message:  # noqa: ANN001
    return service.post_message(
        space=team.space, channel=channel or team.channel, author=author, body=body, thread=thread
    )


# -- the module in a new space --------------------------------------------------------


def test_a_new_space_has_a_general_channel(team):
    assert team.channel is not None
    assert team.channel.is_default
    assert team.channel.name == "general"


def test_index_lists_channels_with_topics(client, team):
    sign_in(client, team.member)
    page = client.get(team.url + "/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "# general" in text
    assert "Conversations of the whole space." in text


# -- posting without JavaScript --------------------------------------------------------


def test_member_posts_then_is_redirected_to_the_message(client, team):
    sign_in(client, team.member)
    response = client.post(team.channel_url(), data={"body": "Bonjour **tous**"})
    assert response.status_code == 302
    message = db.session.scalar(db.select(Message))
    assert response.headers["Location"].endswith(f"/c/{team.channel.id}#msg-{message.id}")
    assert message.seq == 1 and message.author_id == team.member.id
    page = client.get(team.channel_url()).get_data(as_text=True)
    assert "<strong>tous</strong>" in page


@pytest.mark.parametrize("body", ["", "   ", "x" * 8001])
def test_bad_messages_are_refused_with_the_form_again(client, team, body):
    sign_in(client, team.member)
    response = client.post(team.channel_url(), data={"body": body})
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0
    if body.strip():
        assert body[:50] in response.get_data(as_text=True)


def test_script_in_a_message_is_escaped(client, team):
    sign_in(client, team.member)
    client.post(team.channel_url(), data={"body": XSS})
    page = client.get(team.channel_url()).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")


def test_guests_read_but_cannot_post(client, team):
    post(team, team.member, "Hello guests")
    sign_in(client, team.guest)
    page = client.get(team.channel_url())
    assert page.status_code == 200
    assert "Hello guests" in page.get_data(as_text=True)
    assert "not post" in page.get_data(as_text=True)
    assert client.post(team.channel_url(), data={"body": "Hi"}).status_code == 403


def test_private_space_is_closed_to_outsiders_and_secret_is_invisible(client, app):
    private = build_team("priv", visibility="private")
    secret = build_team("secr", visibility="secret")
    sign_in(client, private.outsider)
    assert client.get(private.channel_url()).status_code == 403
    assert client.post(private.channel_url(), data={"body": "x"}).status_code == 403
    sign_in(client, secret.outsider)
    assert client.get(secret.channel_url()).status_code == 404
    assert client.get(f"{secret.url}/m/1").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, team):
    assert client.get(team.channel_url()).status_code == 302


def test_unknown_or_other_spaces_channel_is_404(client, team):
    other = build_team("other")
    sign_in(client, team.member)
    assert client.get(f"{team.url}/c/{other.channel.id}").status_code == 404
    assert client.get(f"{team.url}/c/999999").status_code == 404
    assert client.get(f"{team.url}/c/99999999999999").status_code == 404


# -- threads, locks ----------------------------------------------------------------------


def test_reply_in_a_thread_updates_the_count_and_notifies(client, team):
    root = post(team, team.member, "Question?")
    sign_in(client, team.other)
    response = client.post(f"{team.url}/t/{root.id}", data={"body": "Answer."})
    assert response.status_code == 302
    db.session.refresh(root)
    assert root.reply_count == 1
    reply = db.session.scalar(db.select(Message).filter_by(thread_id=root.id))
    assert reply.seq == 2
    notes = db.session.scalars(db.select(Notification).filter_by(user_id=team.member.id)).all()
    assert [n.kind for n in notes] == ["reply"]
    assert db.session.scalar(db.select(Activity).filter_by(verb="discussions.thread_started"))
    page = client.get(team.channel_url()).get_data(as_text=True)
    assert "1 reply" in page
    thread = client.get(f"{team.url}/t/{root.id}").get_data(as_text=True)
    assert "Answer." in thread


def test_locked_thread_refuses_members_but_not_moderators(client, team):
    root = post(team, team.member, "Question?")
    sign_in(client, team.member)
    assert client.post(f"{team.url}/messages/{root.id}/lock", data={"value": "1"}).status_code == 403
    sign_in(client, team.moderator)
    assert client.post(f"{team.url}/messages/{root.id}/lock", data={"value": "1"}).status_code == 302
    sign_in(client, team.other)
    page = client.get(f"{team.url}/t/{root.id}").get_data(as_text=True)
    assert "This thread is locked" in page
    response = client.post(f"{team.url}/t/{root.id}", data={"body": "Still?"})
    assert response.status_code == 422
    assert "locked" in response.get_data(as_text=True)
    sign_in(client, team.moderator)
    assert client.post(f"{team.url}/t/{root.id}", data={"body": "Closing."}).status_code == 302


# -- edit, delete, pin, reactions --------------------------------------------------------


def test_author_edits_and_message_is_marked_edited(client, team):
    message = post(team, team.member, "Typo")
    sign_in(client, team.member)
    assert client.get(f"{team.url}/messages/{message.id}/edit").status_code == 200
    response = client.post(f"{team.url}/messages/{message.id}/edit", data={"body": "Fixed"})
    assert response.status_code == 302
    db.session.refresh(message)
    assert message.body == "Fixed" and message.edited_at is not None
    assert "(edited)" in client.get(team.channel_url()).get_data(as_text=True)


def test_others_cannot_edit_or_delete_moderators_can(client, team):
    message = post(team, team.member, "Mine")
    sign_in(client, team.other)
    assert client.post(f"{team.url}/messages/{message.id}/edit", data={"body": "Hacked"}).status_code == 403
    assert client.post(f"{team.url}/messages/{message.id}/delete").status_code == 403
    sign_in(client, team.moderator)
    assert client.post(f"{team.url}/messages/{message.id}/delete").status_code == 302
    db.session.refresh(message)
    assert message.is_deleted and message.body == ""
    assert "This message was deleted." in client.get(team.channel_url()).get_data(as_text=True)


def test_pin_is_for_moderators(client, team):
    message = post(team, team.member, "Important")
    sign_in(client, team.member)
    assert client.post(f"{team.url}/messages/{message.id}/pin").status_code == 403
    sign_in(client, team.moderator)
    client.post(f"{team.url}/messages/{message.id}/pin", data={"value": "1"})
    db.session.refresh(message)
    assert message.pinned
    assert "1 pinned message" in client.get(team.channel_url()).get_data(as_text=True)


def test_reactions_toggle(client, team):
    message = post(team, team.member, "Nice")
    sign_in(client, team.other)
    client.post(f"{team.url}/messages/{message.id}/react", data={"emoji": "like"})
    page = client.get(team.channel_url()).get_data(as_text=True)
    assert 'aria-pressed="true"' in page
    client.post(f"{team.url}/messages/{message.id}/react", data={"emoji": "like"})
    assert 'aria-pressed="true"' not in client.get(team.channel_url()).get_data(as_text=True)
    response = client.post(f"{team.url}/messages/{message.id}/react", data={"emoji": "nope"})
    assert response.status_code == 302  # refused with a flash message, not a 500


# -- mentions, unread, pagination, permalinks ------------------------------------------


def test_mention_notifies_readers_only(client, app):
    team = build_team("ment", visibility="private")
    outsider = team.outsider
    post(team, team.member, f"@{team.other.username} and @{outsider.username}, look")
    kinds = {
        n.user_id: n.kind for n in db.session.scalars(db.select(Notification))
    }
    assert kinds == {team.other.id: "mention"}


def test_unread_counts_and_first_unread_marker(client, team):
    for n in range(3):
        post(team, team.member, f"m{n}")
    sign_in(client, team.other)
    index = client.get(team.url + "/").get_data(as_text=True)
    assert re.search(r'dm-unread-count"\s*>3<', index)
    page = client.get(team.channel_url()).get_data(as_text=True)
    assert "New messages" in page and "Jump to the first unread message" in page
    read = db.session.get(ChannelRead, (team.channel.id, team.other.id))
    assert read.last_seq == 3
    again = client.get(team.url + "/").get_data(as_text=True)
    assert not re.search(r'dm-unread-count"\s*>3<', again)


def test_history_pages_backwards_with_a_stable_cursor(client, team):
    ids = [post(team, team.member, f"message {n}").id for n in range(60)]
    sign_in(client, team.member)
    latest = client.get(team.channel_url()).get_data(as_text=True)
    assert "message 59" in latest and "message 9<" not in latest
    match = re.search(r'before=(\d+)"', latest)
    assert match and int(match.group(1)) == ids[10]
    for n in range(5):  # new messages do not shift the older page
        post(team, team.other, f"later {n}")
    older = client.get(f"{team.channel_url()}?before={ids[10]}").get_data(as_text=True)
    assert "message 0<" in older and "message 9<" in older and "message 10<" not in older
    assert "Newer messages" in older
    assert client.get(f"{team.channel_url()}?before=abc").status_code == 400


def test_permalink_leads_to_the_message(client, team):
    root = post(team, team.member, "Root")
    reply = post(team, team.other, "Reply", thread=root)
    sign_in(client, team.member)
    response = client.get(f"{team.url}/m/{root.id}")
    assert response.status_code == 302 and f"before={root.id + 1}" in response.headers["Location"]
    assert response.headers["Location"].endswith(f"#msg-{root.id}")
    response = client.get(f"{team.url}/m/{reply.id}")
    assert response.headers["Location"].endswith(f"/t/{root.id}#msg-{reply.id}")


def test_search_finds_messages_but_not_deleted_ones(client, team):
    post(team, team.member, "Le budget 2027 est validé")
    gone = post(team, team.member, "Le budget secret")
    service.delete_message(gone, team.space, team.member)
    sign_in(client, team.other)
    page = client.get(f"{team.url}/search?q=budget").get_data(as_text=True)
    assert "validé" in page and "secret" not in page
    assert "1 message found" in page


# -- channels ----------------------------------------------------------------------------


def test_admins_add_rename_and_delete_channels(client, team):
    sign_in(client, team.member)
    assert client.get(f"{team.url}/channels/new").status_code == 403
    sign_in(client, team.admin)
    response = client.post(f"{team.url}/channels/new", data={"name": "projets", "topic": "Nos projets"})
    assert response.status_code == 302
    channel = db.session.scalar(db.select(Channel).filter_by(name="projets"))
    assert channel.topic == "Nos projets"
    dup = client.post(f"{team.url}/channels/new", data={"name": "Projets"})
    assert dup.status_code == 422 and "already has this name" in dup.get_data(as_text=True)
    xss = client.post(f"{team.url}/channels/new", data={"name": XSS})
    assert xss.status_code in (302, 422)
    assert "<script>alert" not in client.get(team.url + "/").get_data(as_text=True)
    client.post(f"{team.url}/c/{channel.id}/settings", data={"name": "projets-2027", "topic": ""})
    db.session.refresh(channel)
    assert channel.name == "projets-2027"
    assert client.post(f"{team.url}/c/{team.channel.id}/delete").status_code == 302
    assert db.session.get(Channel, team.channel.id) is not None  # default stays
    client.post(f"{team.url}/c/{channel.id}/delete")
    assert db.session.get(Channel, channel.id) is None


# -- files ---------------------------------------------------------------------------------


def test_message_with_an_attachment(client, team):
    sign_in(client, team.member)
    data = {"body": "Le compte rendu", "files": (io.BytesIO(b"hello"), "cr.txt")}
    response = client.post(team.channel_url(), data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    att = db.session.scalar(db.select(Attachment))
    message = db.session.scalar(db.select(Message))
    assert att.target_type == "discussions.message" and att.target_id == message.id
    assert "cr.txt" in client.get(team.channel_url()).get_data(as_text=True)


def test_module_switched_off_is_404(client, team):
    row = db.session.scalar(
        db.select(SpaceModule).filter_by(space_id=team.space.id, module_id="discussions")
    )
    row.enabled = False
    db.session.commit()
    sign_in(client, team.member)
    assert client.get(team.channel_url()).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_channel(client, team, role):
    post(team, team.member, "Hello")
    sign_in(client, getattr(team, role))
    assert client.get(team.channel_url()).status_code == 200
    assert client.get(team.url + "/").status_code == 200


def test_platform_admin_reads_a_secret_space(client, app, admin):
    secret = build_team("sec2", visibility="secret")
    post(secret, secret.member, "hidden")
    sign_in(client, admin)
    assert "hidden" in client.get(secret.channel_url()).get_data(as_text=True)
