"""Reactions: toggling through the route, counts, "mine", permissions, batching."""

from __future__ import annotations

import re

import pytest
from conftest import TEST_PLUGINS, add_member, login, logout, make_space
from plugins.notes_module import make_note
from sqlalchemy import event

from parvis.extensions import db
from parvis.models import Reaction
from parvis.services.content_errors import ContentError
from parvis.services.reactions import ALLOWED_REACTIONS, reaction_summary, toggle_reaction

pytestmark = pytest.mark.config(EXTRA_PLUGINS=[*TEST_PLUGINS, "plugins.notes_module"])


def sign_in(client, user) -> None:  # noqa: ANN001
    logout(client)
    assert login(client, user).status_code == 302


@pytest.fixture
def team(alice, bob, carol):  # noqa: ANN001, ANN201
    space = make_space(alice, "team", visibility="public")
    add_member(space, bob)
    add_member(space, carol, "guest")
    return space, make_note(space, alice, "Idea box")


def react(client, note, emoji: str, **kwargs):  # noqa: ANN001, ANN003, ANN201
    return client.post(
        "/s/team/content/reactions",
        data={"target_type": "notes.note", "target_id": note.id, "emoji": emoji,
              "next": f"/s/team/notes/{note.id}"},
        **kwargs,
    )


def pressed(page: str, emoji: str) -> str:
    match = re.search(
        rf'name="emoji" value="{emoji}">\s*<button type="submit" class="reaction" aria-pressed="(\w+)"', page
    )
    assert match, f"no {emoji} button"
    return match.group(1)


def test_palette_is_ordered_with_labels():
    assert list(ALLOWED_REACTIONS)[:5] == ["like", "love", "idea", "thanks", "laugh"]
    assert ALLOWED_REACTIONS["like"].char == "👍"
    char, label = ALLOWED_REACTIONS["idea"]
    assert char == "💡" and str(label)


def test_toggle_through_route_and_counts(client, team, alice, bob):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = react(client, note, "like")
    assert r.status_code == 302 and r.headers["Location"] == f"/s/team/notes/{note.id}"
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert pressed(page, "like") == "true"
    assert pressed(page, "love") == "false"
    assert '<span class="reaction__count">1</span>' in page
    sign_in(client, alice)
    react(client, note, "like")
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert '<span class="reaction__count">2</span>' in page
    assert reaction_summary("notes.note", [note.id], alice) == {note.id: [("like", 2, True)]}
    # Toggling again removes Alice's reaction only.
    react(client, note, "like")
    assert reaction_summary("notes.note", [note.id], alice) == {note.id: [("like", 1, False)]}
    assert reaction_summary("notes.note", [note.id], bob) == {note.id: [("like", 1, True)]}


def test_json_answer(client, team, bob):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = react(client, note, "idea", headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert r.json == {"added": True, "reactions": [{"emoji": "idea", "count": 1, "mine": True}]}
    r = react(client, note, "idea", headers={"Accept": "application/json"})
    assert r.json == {"added": False, "reactions": []}


def test_unknown_emoji_refused(client, team, bob):  # noqa: ANN001
    _space, note = team
    sign_in(client, bob)
    r = react(client, note, "<script>", headers={"Accept": "application/json"})
    assert r.status_code == 400 and "not available" in r.json["error"]["message"]
    r = react(client, note, "poop")
    assert r.status_code == 302
    assert "This reaction is not available." in client.get(r.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Reaction)) == 0


def test_guest_and_outsiders_cannot_react(client, team, carol, alice, bob):  # noqa: ANN001
    _space, note = team
    sign_in(client, carol)
    assert react(client, note, "like").status_code == 403
    page = client.get(f"/s/team/notes/{note.id}").get_data(as_text=True)
    assert 'name="emoji"' not in page
    private = make_space(alice, "inner", visibility="private")
    hidden_note = make_note(private, alice)
    sign_in(client, bob)
    r = client.post(
        "/s/inner/content/reactions",
        data={"target_type": "notes.note", "target_id": hidden_note.id, "emoji": "like"},
    )
    assert r.status_code == 403
    private_note = make_note(team[0], alice, "Draft", private=True)
    assert react(client, private_note, "like").status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Reaction)) == 0


def test_summary_is_one_query_for_many_targets(app, team, alice, bob):  # noqa: ANN001
    space, note = team
    notes = [note] + [make_note(space, alice, f"N{i}") for i in range(5)]
    for n in notes:
        toggle_reaction(user=alice, target_type="notes.note", target_id=n.id, emoji="thanks")
        toggle_reaction(user=bob, target_type="notes.note", target_id=n.id, emoji="like")
    db.session.commit()
    statements: list[str] = []

    def count(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        statements.append(args[2])

    ids = [n.id for n in notes] + [999999]
    assert bob.is_authenticated and bob.id  # loaded before counting
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        summary = reaction_summary("notes.note", ids, bob)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert summary[999999] == []
    assert summary[notes[3].id] == [("like", 1, True), ("thanks", 1, False)]
    with pytest.raises(ContentError):
        toggle_reaction(user=bob, target_type="notes.note", target_id=note.id, emoji="nope")
