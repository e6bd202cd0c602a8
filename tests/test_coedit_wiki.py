"""Live co-editing of a wiki page, end to end on the server: members join the page's
live document over Socket.IO with pycrdt as their CRDT (as the browser does with Yjs),
type, see each other's text, and the edit form's ``coedit=1`` post cuts one revision
listing both authors; readers follow but cannot write; the plain (no-JavaScript) form
never overwrites live changes; a plain save reaches the live editors."""

from __future__ import annotations

import base64
from typing import Any

import pycrdt
import pytest
from conftest import login
from test_wiki_support import as_user, page, people, url, wiki_space

from parvis.extensions import db
from parvis.realtime import get_hub
from parvis_modules.wiki.models import WikiPage, WikiRevision


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class LiveClient:
    """One person's connection to one live document, with a pycrdt copy of its text."""

    def __init__(self, app: Any, user: Any, key: str) -> None:
        self.http = app.test_client()
        assert login(self.http, user).status_code == 302
        self.sio = get_hub(app).socketio.test_client(app, flask_test_client=self.http)
        assert self.sio.is_connected()
        self.key = key
        self.doc = pycrdt.Doc()
        self.text = self.doc.get("content", type=pycrdt.Text)

    def join(self) -> dict:
        ack = self.sio.emit("coedit:join", {"doc": self.key, "sv": b64(self.doc.get_state())}, callback=True)
        if ack.get("ok"):
            self.doc.apply_update(base64.b64decode(ack["update"]))
        return ack

    def type(self, index: int, text: str) -> dict:
        """Insert ``text`` at ``index`` locally and send the update (returns the ack)."""
        before = self.doc.get_state()
        self.text.insert(index, text)
        return self.send(self.doc.get_update(before))

    def send(self, update: bytes) -> dict:
        return self.sio.emit("coedit:update", {"doc": self.key, "update": b64(update)}, callback=True)

    def receive(self) -> list[dict]:
        """Apply the updates the server pushed; return every event received."""
        events = self.sio.get_received()
        for event in events:
            if event["name"] == "coedit:update" and event["args"][0]["doc"] == self.key:
                self.doc.apply_update(base64.b64decode(event["args"][0]["update"]))
        return events

    @property
    def value(self) -> str:
        return str(self.text)


def live(app: Any, user: Any, key: str) -> LiveClient:
    client = LiveClient(app, user, key)
    ack = client.join()
    assert ack["ok"], ack
    client.sio.get_received()
    return client


@pytest.fixture
def crew(app):  # noqa: ANN001, ANN201
    return people()


@pytest.fixture
def space(crew):  # noqa: ANN001, ANN201
    return wiki_space(crew)


@pytest.fixture
def home(space, crew):  # noqa: ANN001, ANN201
    return page(space, crew.owner, "Home", "Hello")


def key_of(wiki_page: WikiPage) -> str:
    return f"wiki.page:{wiki_page.id}"


def revisions(wiki_page: WikiPage) -> list[WikiRevision]:
    db.session.expire_all()
    return list(db.session.scalars(
        db.select(WikiRevision).filter_by(page_id=wiki_page.id).order_by(WikiRevision.number)
    ))


def test_the_edit_page_offers_the_live_editor_and_keeps_the_plain_form(client, crew, space, home):
    as_user(client, crew.member)
    html = client.get(url(space, "p/home/edit")).get_data(as_text=True)
    assert f'data-coedit-doc="{key_of(home)}"' in html
    assert 'name="coedit" value="0"' in html  # stays "0" until the browser is live
    assert '<textarea' in html and "Hello</textarea>" in html  # the plain form underneath
    assert "coedit/coedit.min.js" in html
    # The new-page form is not live (there is no page yet).
    assert "data-coedit-doc" not in client.get(url(space, "new")).get_data(as_text=True)


def test_two_members_type_live_and_the_form_cuts_one_revision_with_both(app, client, crew, space, home):
    alice = live(app, crew.member, key_of(home))
    bob = live(app, crew.moderator, key_of(home))
    assert alice.value == bob.value == "Hello"

    assert alice.type(5, " world")["ok"]
    bob.receive()
    assert bob.value == "Hello world"
    assert bob.type(0, "# ")["ok"]
    alice.receive()
    assert alice.value == bob.value == "# Hello world"

    # The live text shows on the page before any revision is cut.
    as_user(client, crew.guest)
    html = client.get(url(space, "p/home")).get_data(as_text=True)
    assert "Hello world" in html and "Being edited live" in html
    assert len(revisions(home)) == 1

    # Alice's browser posts the edit form with coedit=1: the revision is the live text
    # (the textarea's copy is ignored), authored by both.
    r = alice.http.post(url(space, "p/home/edit"), data={
        "title": "Home", "body": "stale copy", "summary": "together",
        "base_revision_id": str(home.current_revision_id), "coedit": "1",
    })
    assert r.status_code == 302
    revs = revisions(home)
    assert [r.number for r in revs] == [1, 2]
    assert revs[-1].body == "# Hello world" and revs[-1].summary == "together"
    assert revs[-1].author_id == crew.member.id
    bob_events = [e["name"] for e in bob.receive()]
    assert "coedit:revision" in bob_events

    as_user(client, crew.guest)
    history = client.get(url(space, "p/home/history")).get_data(as_text=True)
    assert "Member Person" in history and "with Moderator Person" in history
    page_html = client.get(url(space, "p/home")).get_data(as_text=True)
    assert "Being edited live" not in page_html

    # The revision, the comparison and the API name both authors too.
    assert "with Moderator Person" in client.get(url(space, "p/home/r/2")).get_data(as_text=True)
    assert "with Moderator Person" not in client.get(url(space, "p/home/r/1")).get_data(as_text=True)
    compare = client.get(url(space, "p/home/compare?from=1&to=2")).get_data(as_text=True)
    assert compare.count("with Moderator Person") == 1
    api = f"/api/v1/spaces/{space.slug}/wiki/pages/home/revisions"
    listed = client.get(api).get_json()["data"]
    assert [(r["number"], r["coauthors"]) for r in listed] == [
        (2, [{"id": crew.moderator.id, "name": "Moderator Person"}]), (1, [])]
    one = client.get(f"{api}/2").get_json()
    assert one["coauthors"] == [{"id": crew.moderator.id, "name": "Moderator Person"}]
    assert one["author"]["id"] == crew.member.id


def test_a_title_change_with_the_live_form_is_kept(app, crew, space, home):
    alice = live(app, crew.member, key_of(home))
    alice.type(5, "!")
    r = alice.http.post(url(space, "p/home/edit"), data={
        "title": "Accueil", "body": "", "base_revision_id": str(home.current_revision_id), "coedit": "1",
    })
    assert r.status_code == 302
    db.session.expire_all()
    page_row = db.session.get(WikiPage, home.id)
    assert page_row.title == "Accueil" and page_row.current_revision.body == "Hello!"


def test_a_reader_follows_live_but_the_server_drops_their_writes(app, crew, space, home):
    guest = live(app, crew.guest, key_of(home))
    member = live(app, crew.member, key_of(home))
    ack = guest.sio.emit("coedit:join", {"doc": key_of(home)}, callback=True)
    assert ack["ok"] and ack["can_edit"] is False

    refused = guest.type(0, "vandal ")
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    member.receive()
    assert member.value == "Hello"
    # The reader still receives the editors' changes.
    member.type(5, " there")
    guest.receive()
    assert guest.value.endswith("Hello there")
    # and cannot save a version.
    saved = guest.sio.emit("coedit:save", {"doc": key_of(home)}, callback=True)
    assert saved["ok"] is False


def test_unknown_and_trashed_pages_are_not_found(app, crew, space, home):
    from parvis_modules.wiki import services

    outsider = LiveClient(app, crew.member, "wiki.page:999999")
    assert outsider.join()["error"]["code"] == "not_found"
    services.delete_page(home, space, crew.admin)
    db.session.commit()
    gone = LiveClient(app, crew.member, key_of(home))
    assert gone.join()["error"]["code"] == "not_found"


def test_a_plain_form_over_live_changes_gets_the_merge_view(app, client, crew, space, home):
    base = str(home.current_revision_id)
    alice = live(app, crew.member, key_of(home))
    alice.type(5, " from Alice, live")
    # Bob has no JavaScript: his form started from revision 1 and knows nothing of Alice.
    as_user(client, crew.moderator)
    r = client.post(url(space, "p/home/edit"), data={
        "title": "Home", "body": "Bob's own text", "base_revision_id": base,
    })
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "Someone else changed this page" in html
    assert "Hello from Alice, live" in html  # their version, current text
    assert "Bob&#39;s own text" in html or "Bob's own text" in html  # his text is kept in the form
    revs = revisions(home)
    assert revs[-1].body == "Hello from Alice, live"  # cut before the form was refused
    assert "Bob" not in revs[-1].body
    assert 'data-coedit-doc' not in html  # the merge view stays a plain form


def test_a_plain_save_reaches_the_live_editors(app, client, crew, space, home):
    alice = live(app, crew.member, key_of(home))
    as_user(client, crew.moderator)
    r = client.post(url(space, "p/home/edit"), data={
        "title": "Home", "body": "Rewritten without JavaScript", "base_revision_id": str(home.current_revision_id),
    })
    assert r.status_code == 302
    alice.receive()
    assert alice.value == "Rewritten without JavaScript"
    # Restoring revision 1 from the history also reaches her.
    r = client.post(url(space, "p/home/r/1/restore"))
    assert r.status_code == 302
    alice.receive()
    assert alice.value == "Hello"


def test_bad_updates_are_refused_and_change_nothing(app, crew, space, home):
    alice = live(app, crew.member, key_of(home))
    bad = alice.sio.emit("coedit:update", {"doc": key_of(home), "update": "not base64!!"}, callback=True)
    assert bad["ok"] is False
    junk = alice.send(b"\x00\xff\x13garbage")
    assert junk["ok"] is False and junk["error"]["code"] == "invalid"
    other = LiveClient(app, crew.member, key_of(home))
    assert other.join()["ok"] and other.value == "Hello"


def test_history_and_page_queries_do_not_grow_with_co_edited_revisions(app, client, crew, space, home, count_queries):
    from parvis import coedit

    alice = live(app, crew.member, key_of(home))
    bob = live(app, crew.moderator, key_of(home))

    def co_edit_once(n: int) -> None:
        alice.type(0, f"a{n} ")
        bob.receive()
        bob.type(0, f"b{n} ")
        alice.receive()
        assert coedit.cut_revision("wiki.page", home.id, crew.member) is not None

    as_user(client, crew.guest)
    co_edit_once(1)
    alice.type(0, "pending ")  # the page shows live text: one more query, whatever its size
    with count_queries() as few_history:
        assert "with Moderator Person" in client.get(url(space, "p/home/history")).get_data(as_text=True)
    with count_queries() as few_page:
        assert "Being edited live" in client.get(url(space, "p/home")).get_data(as_text=True)
    for n in range(2, 6):
        co_edit_once(n)
    alice.type(0, "pending ")
    with count_queries() as many_history:
        html = client.get(url(space, "p/home/history")).get_data(as_text=True)
    assert html.count("with Moderator Person") == 5
    with count_queries() as many_page:
        client.get(url(space, "p/home"))
    assert many_history.count == few_history.count, many_history.report()
    assert many_page.count == few_page.count, many_page.report()
    assert len(many_history.matching("coedit_coauthors")) == 1
