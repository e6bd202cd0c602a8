"""Live co-editing, server side (parvis.coedit): pycrdt clients over Socket.IO, real database.

The test-only kind ``cotest.text`` (tests/coedit_support.py) stands for the wiki page and
the note: members edit, everybody who may read the space reads.
"""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from coedit_support import (
    KIND,
    CoClient,
    CoText,
    CoTextRevision,
    b64,
    doc_of,
    make_text,
    unb64,
)
from conftest import TEST_PLUGINS, add_member, login, make_space, make_user
from pycrdt import Doc, Text

import parvis.coedit as coedit
from parvis.coedit import service as coedit_service
from parvis.coedit.service import get_service
from parvis.extensions import db
from parvis.models import CoeditCoauthor, CoeditDocument, CoeditUpdate, Membership
from parvis.realtime import get_hub, space_room

pytestmark = pytest.mark.config(EXTRA_PLUGINS=[*TEST_PLUGINS, "coedit_support"])


def socket_for(app, user):  # noqa: ANN001, ANN201
    client = app.test_client()
    assert login(client, user).status_code == 302
    sio = get_hub(app).socketio.test_client(app, flask_test_client=client)
    sio.flask = client
    return sio


def editor(app, user, row) -> CoClient:  # noqa: ANN001
    return CoClient(socket_for(app, user), doc_of(row))


def stored_text(row: CoText) -> str:
    """The text the database holds now (a fresh process's view)."""
    doc = db.session.get(CoeditDocument, db.session.scalar(
        sa.select(CoeditDocument.id).filter_by(kind=KIND, object_id=row.id)))
    db.session.refresh(doc)
    fresh = Doc()
    text = fresh.get("content", type=Text)
    fresh.apply_update(doc.snapshot)
    for data in db.session.scalars(
        sa.select(CoeditUpdate.data).filter(CoeditUpdate.doc_id == doc.id, CoeditUpdate.id > doc.snapshot_upto)
        .order_by(CoeditUpdate.id)
    ):
        fresh.apply_update(data)
    return str(text)


def log_rows(row: CoText) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(CoeditUpdate.id)).join(CoeditDocument, CoeditDocument.id == CoeditUpdate.doc_id)
        .filter(CoeditDocument.kind == KIND, CoeditDocument.object_id == row.id)
    )


@pytest.fixture
def club(app, alice, bob):  # noqa: ANN001, ANN201
    space = make_space(alice, "atelier", visibility="private")
    add_member(space, bob)
    return space


# -- joining ------------------------------------------------------------------------


def test_join_answers_the_stored_text_created_once_by_the_server(app, club, alice, bob):
    row = make_text(club, "Bonjour à tous 😀\n")
    a, b = editor(app, alice, row), editor(app, bob, row)
    answer = a.join()
    assert answer["ok"] and answer["can_edit"] is True and answer["revision"] is None
    assert answer["doc"] == doc_of(row) and answer["sv"]
    assert a.value == "Bonjour à tous 😀\n"
    assert b.join()["ok"] and b.value == "Bonjour à tous 😀\n"  # not inserted twice
    assert db.session.scalar(sa.select(sa.func.count(CoeditDocument.id))) == 1


def test_join_with_a_state_vector_gets_only_the_missing_part(app, club, alice):
    row = make_text(club, "x" * 2000)
    a = editor(app, alice, row)
    a.join()
    again = a.sio.emit("coedit:join", {"doc": a.key, "sv": b64(a.doc.get_state())}, callback=True)
    assert again["ok"] and len(unb64(again["update"])) < 10


@pytest.mark.parametrize("doc", ["nope", "cotest.text:999999", "unknown.kind:1", "cotest.text:-1", "x" * 90])
def test_join_of_what_does_not_exist_is_not_found(app, club, alice, doc):
    sio = socket_for(app, alice)
    answer = sio.emit("coedit:join", {"doc": doc}, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] in {"not_found", "invalid"}


def test_join_needs_read_access_and_the_module_enabled(app, club, alice, carol):
    row = make_text(club, "secret")
    outsider = socket_for(app, carol)
    answer = outsider.emit("coedit:join", {"doc": doc_of(row)}, callback=True)
    assert answer == {"ok": False, "error": {"code": "not_found", "message": answer["error"]["message"]}}
    hidden = make_text(club, "hidden", hidden=True)
    answer = socket_for(app, alice).emit("coedit:join", {"doc": doc_of(hidden)}, callback=True)
    assert answer["error"]["code"] == "not_found"
    from parvis.services.spaces import set_module_enabled

    set_module_enabled(club, "cotest", False, alice)
    db.session.commit()
    answer = socket_for(app, alice).emit("coedit:join", {"doc": doc_of(row)}, callback=True)
    assert answer["error"]["code"] == "not_found"


def test_join_query_count_is_bounded(app, club, alice, bob):
    row = make_text(club, "hello")
    editor(app, bob, row).join()  # the document exists and is loaded
    a = editor(app, alice, row)
    statements = []

    def count(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert a.join()["ok"]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 8, len(statements)  # session, roles, modules, object, document, log


# -- editing ------------------------------------------------------------------------


def test_an_update_is_stored_before_the_ack_and_broadcast_to_the_others(app, club, alice, bob):
    row = make_text(club, "Hello")
    a, b = editor(app, alice, row), editor(app, bob, row)
    a.join()
    b.join()
    b.pump()
    assert a.edit(5, " world") == {"ok": True}
    assert stored_text(row) == "Hello world"  # committed: visible to another connection
    b.pump()
    assert b.value == "Hello world"
    assert not [e for e in a.pump() if e["name"] == "coedit:update"]  # sender skipped


def test_ten_clients_editing_concurrently_converge_everywhere(app, club, alice):
    rng = random.Random(9)
    users = [alice] + [make_user(f"editor{n}@example.org", f"Editor {n}") for n in range(9)]
    for user in users[1:]:
        add_member(club, user)
    row = make_text(club, "Start.\n")
    clients = [editor(app, user, row) for user in users]
    for client in clients:
        assert client.join()["ok"]
    for _round in range(6):
        # Everybody edits a stale copy (concurrently), then sends, then receives.
        for n, client in enumerate(clients):
            for _ in range(rng.randint(1, 3)):
                size = len(client.value)
                if size > 4 and rng.random() < 0.3:
                    start = rng.randrange(size - 2)
                    client.local(start, delete=rng.randint(1, 2))
                else:
                    client.local(rng.randint(0, size), insert=f"<{n}:{rng.randint(0, 99)}>")
        for client in clients:
            assert all(answer == {"ok": True} for answer in client.flush())
        for client in clients:
            client.pump()
    texts = {client.value for client in clients}
    assert len(texts) == 1, texts
    final = texts.pop()
    assert stored_text(row) == final
    assert coedit.live_text(KIND, row.id) == final
    assert "<" in final and "Start" in final or len(final) > 10


def test_concurrent_updates_are_stored_together_and_a_refused_one_alone_is_dropped(app, club, alice):
    import threading

    row = make_text(club, "")
    a = editor(app, alice, row)
    a.join()
    service = get_service(app)
    live = service.live.get(a.key)
    updates = []
    for n in range(12):
        doc = Doc()
        doc.get("content", type=Text).insert(0, "y" * 20_001 if n == 5 else f"<{n}>")
        updates.append(doc.get_update())
    outcomes: dict[int, object] = {}
    start = threading.Barrier(len(updates))

    def send(n: int) -> None:
        with app.app_context():
            start.wait()
            try:
                outcomes[n] = service.accept(live, alice.id, updates[n])
            except coedit_service.UpdateRefused as exc:
                outcomes[n] = exc.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(updates))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes[5] == "too_large"
    assert all(isinstance(outcomes[n], tuple) for n in range(12) if n != 5)
    final = stored_text(row)
    assert sorted(final.replace("><", "> <").split()) == sorted(f"<{n}>" for n in range(12) if n != 5)
    assert log_rows(row) == 11
    fresh = editor(app, alice, row)
    fresh.join()
    assert fresh.value == final


@pytest.mark.config(
    SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 2, "max_overflow": 0, "pool_timeout": 5},
    EXTRA_PLUGINS=[*TEST_PLUGINS, "coedit_support"],
)
def test_writers_waiting_for_the_group_commit_hold_no_database_connection(app, club, alice):
    """Issue 9's stall: the storing thread needs a pooled connection for its batch; the
    waiting writers kept theirs (taken when the event loaded the user), the pool was
    empty and every writer hung until the pool timeout. Pool of 2, 2 waiting writers."""
    import threading
    import time

    row = make_text(club, "")
    a = editor(app, alice, row)
    a.join()
    service = get_service(app)
    live = service.live.get(a.key)
    alice_id, row_id = alice.id, row.id
    db.session.remove()  # the test's own session holds no connection
    updates = []
    for n in range(3):
        doc = Doc()
        doc.get("content", type=Text).insert(0, f"<{n}>")
        updates.append(doc.get_update())
    outcomes: dict[int, object] = {}

    def send(n: int) -> None:
        with app.app_context():
            try:
                if n:
                    db.session.execute(sa.select(1))  # as an event's user loading: takes a connection
                outcomes[n] = service.accept(live, alice_id, updates[n])
            except Exception as exc:  # noqa: BLE001 - recorded, asserted below
                outcomes[n] = exc
            finally:
                db.session.remove()

    def until(condition) -> None:  # noqa: ANN001
        for _ in range(1000):
            if condition():
                return
            time.sleep(0.01)

    live.lock.acquire()  # the first writer leads and waits here with its batch
    threads = [threading.Thread(target=send, args=(n,)) for n in range(3)]
    try:
        threads[0].start()
        until(lambda: live.leading and not live.queue)
        threads[1].start()
        threads[2].start()
        until(lambda: len(live.queue) == 2)  # both wait for the leader
    finally:
        live.lock.release()
    for thread in threads:
        thread.join(30)
    assert all(isinstance(outcomes[n], tuple) for n in range(3)), outcomes
    final = stored_text(db.session.get(CoText, row_id))
    assert sorted(final.replace("><", "> <").split()) == ["<0>", "<1>", "<2>"]


def test_replayed_updates_are_harmless(app, club, alice, bob):
    row = make_text(club, "abc")
    a, b = editor(app, alice, row), editor(app, bob, row)
    a.join()
    b.join()
    update = a.local(3, "def")
    for _ in range(3):
        assert a.send(update) == {"ok": True}
    b.pump()
    assert b.value == "abcdef" and stored_text(row) == "abcdef"


def test_reconnecting_client_merges_offline_edits_both_ways(app, club, alice, bob):
    row = make_text(club, "one two")
    a, b = editor(app, alice, row), editor(app, bob, row)
    a.join()
    b.join()
    a.sio.disconnect()
    a.local(0, "OFFLINE ")  # typed while disconnected
    b.edit(7, " three")
    a.sio = socket_for(app, alice)
    answer = a.join()  # the server's missing part...
    server_sv = unb64(answer["sv"])
    assert a.send(a.doc.get_update(server_sv)) == {"ok": True}  # ...and ours
    a.pending.clear()
    b.pump()
    assert a.value == b.value == stored_text(row) == "OFFLINE one two three"


def test_sync_catches_up_without_rejoining(app, club, alice, bob):
    row = make_text(club, "abc")
    a, b = editor(app, alice, row), editor(app, bob, row)
    a.join()
    b.join()
    b.edit(0, "X")
    a.sio.get_received()  # lost
    answer = a.sio.emit("coedit:sync", {"doc": a.key, "sv": b64(a.doc.get_state())}, callback=True)
    assert answer["ok"]
    a.doc.apply_update(unb64(answer["update"]))
    assert a.value == "Xabc"


def test_awareness_is_relayed_not_stored_and_allowed_to_readers(app, alice, bob):
    space = make_space(alice, "ouvert", visibility="public")
    row = make_text(space, "public text")
    a, reader = editor(app, alice, row), editor(app, bob, row)  # bob is not a member
    a.join()
    joined = reader.join()
    assert joined["ok"] and joined["can_edit"] is False
    answer = reader.sio.emit("coedit:awareness", {"doc": reader.key, "update": b64(b"\x01cursor")}, callback=True)
    assert answer == {"ok": True}
    relayed = [e["args"][0] for e in a.pump() if e["name"] == "coedit:awareness"]
    assert relayed == [{"doc": reader.key, "update": b64(b"\x01cursor")}]
    too_big = reader.sio.emit("coedit:awareness", {"doc": reader.key, "update": b64(b"x" * 5000)}, callback=True)
    assert too_big["error"]["code"] == "too_large"
    assert log_rows(row) == 0


# -- bad input ----------------------------------------------------------------------


def test_writes_from_a_reader_are_refused_and_dropped(app, alice, bob):
    space = make_space(alice, "ouvert", visibility="public")
    row = make_text(space, "public text")
    a, reader = editor(app, alice, row), editor(app, bob, row)
    a.join()
    reader.join()
    answer = reader.edit(0, "vandal ")
    assert answer["ok"] is False and answer["error"]["code"] == "forbidden"
    assert not [e for e in a.pump() if e["name"] == "coedit:update"]
    assert stored_text(row) == "public text" and a.value == "public text"
    save = reader.sio.emit("coedit:save", {"doc": reader.key}, callback=True)
    assert save["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("update", "code"),
    [
        ("not base64!!", "invalid"),
        ("AAA", "invalid"),
        (b64(b"garbage bytes that are not an update"), "invalid"),
        (b64(b"\x01\x01\xff\xff\xff\xff\x0f\x00"), "invalid"),
        (b64(b"\x00" * 262145), "too_large"),
        (b64(b"\x00" * 400000), "too_large"),
        ("", "invalid"),
    ],
)
def test_bad_updates_are_refused_and_the_stored_document_is_intact(app, club, alice, bob, update, code):
    row = make_text(club, "intact")
    a, b = editor(app, alice, row), editor(app, bob, row)
    a.join()
    b.join()
    answer = a.sio.emit("coedit:update", {"doc": a.key, "update": update}, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == code
    assert not [e for e in b.pump() if e["name"] == "coedit:update"]
    assert stored_text(row) == "intact"
    assert a.edit(6, "!") == {"ok": True}  # the worker and the document live on
    assert stored_text(row) == "intact!"


def test_a_text_over_the_kind_limit_is_refused_and_the_sender_reset(app, club, alice):
    row = make_text(club, "short")
    a = editor(app, alice, row)
    a.join()
    answer = a.edit(0, "y" * 20_001)
    assert answer["ok"] is False and answer["error"]["code"] == "too_large"
    assert any(e["name"] == "coedit:reset" for e in a.pump())
    assert stored_text(row) == "short"
    fresh = editor(app, alice, row)
    fresh.join()
    assert fresh.value == "short"
    assert fresh.edit(0, "still ") == {"ok": True}


def test_updates_for_a_document_not_joined_or_of_another_space_are_not_found(app, club, alice, carol):
    row = make_text(club, "mine")
    other_space = make_space(carol, "ailleurs", visibility="private")
    theirs = make_text(other_space, "theirs")
    a = editor(app, alice, row)
    a.join()
    foreign = Doc()
    foreign.get("content", type=Text).insert(0, "intrusion")
    for doc in (doc_of(theirs), "cotest.text:424242"):
        answer = a.sio.emit("coedit:update", {"doc": doc, "update": b64(foreign.get_update())}, callback=True)
        assert answer["error"]["code"] == "not_found"
        for event in ("coedit:awareness", "coedit:sync", "coedit:save"):
            payload = {"doc": doc, "update": b64(b"\x00")} if event == "coedit:awareness" else {"doc": doc}
            if event == "coedit:sync":
                payload["sv"] = b64(b"\x00")
            assert a.sio.emit(event, payload, callback=True)["ok"] is False
    # Carol cannot push into Alice's document without joining (and cannot join).
    c = editor(app, carol, row)
    assert c.sio.emit("coedit:update", {"doc": c.key, "update": b64(foreign.get_update())},
                      callback=True)["error"]["code"] == "not_found"
    assert c.join()["error"]["code"] == "not_found"
    assert stored_text(row) == "mine" and log_rows(theirs) == 0


def test_after_leave_updates_are_refused(app, club, alice):
    row = make_text(club, "abc")
    a = editor(app, alice, row)
    a.join()
    assert a.sio.emit("coedit:leave", {"doc": a.key}, callback=True) == {"ok": True}
    assert a.edit(0, "x")["error"]["code"] == "not_found"


def test_a_removed_member_stops_receiving_and_cannot_send(app, club, alice, bob):
    row = make_text(club, "members only")
    a, b = editor(app, alice, row), editor(app, bob, row)
    a.join()
    b.join()
    membership = db.session.scalar(sa.select(Membership).filter_by(space_id=club.id, user_id=bob.id))
    response = a.sio.flask.post(f"/s/{club.slug}/members/{membership.id}/remove")
    assert response.status_code in (302, 303)
    assert any(e["name"] == "parvis:access_revoked" for e in b.pump())
    a.edit(0, "secret: ")
    assert not [e for e in b.pump() if e["name"] == "coedit:update"]
    assert b.value == "members only"
    assert b.edit(0, "still here? ")["error"]["code"] == "not_found"
    assert b.join()["error"]["code"] == "not_found"
    assert stored_text(row) == "secret: members only"


# -- persistence, compaction, restart ----------------------------------------------


def test_a_restart_mid_session_loses_nothing_acknowledged(app, club, alice, bob, database_url, instance_dir):
    from conftest import make_app

    row = make_text(club, "")
    a = editor(app, alice, row)
    a.join()
    acked = []
    for n in range(30):
        answer = a.edit(len(a.value), f"w{n} ")
        if answer == {"ok": True}:
            acked.append(f"w{n} ")
    get_service(app).live.clear()  # the process dies: its memory is gone
    second = make_app(database_url, instance_dir, EXTRA_PLUGINS=[*TEST_PLUGINS, "coedit_support"])
    with second.app_context():
        sio = get_hub(second).socketio.test_client(second, flask_test_client=_logged_in(second, bob))
        b = CoClient(sio, doc_of(row))
        assert b.join()["ok"]
        assert b.value == "".join(acked)
        sio.disconnect()
        db.session.remove()


def _logged_in(app, user):  # noqa: ANN001, ANN202
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


@pytest.mark.config(COEDIT_COMPACT_UPDATES=20, EXTRA_PLUGINS=[*TEST_PLUGINS, "coedit_support"])
def test_compaction_keeps_the_text_and_bounds_the_log(app, club, alice, bob):
    row = make_text(club, "Le début. ")
    a, b = editor(app, alice, row), editor(app, bob, row)
    a.join()
    b.join()
    rng = random.Random(3)
    for n in range(95):
        client = a if n % 2 else b
        client.pump()
        size = len(client.value)
        if size > 20 and rng.random() < 0.25:
            assert client.edit(rng.randrange(size - 5), delete=3) == {"ok": True}
        else:
            assert client.edit(rng.randint(0, size), insert=rng.choice(["é", "mot ", "😀", "\n"])) == {"ok": True}
    a.pump()
    b.pump()
    assert a.value == b.value == stored_text(row)
    assert log_rows(row) < 20  # compacted every 20 updates, not on each
    document = db.session.scalar(sa.select(CoeditDocument).filter_by(kind=KIND, object_id=row.id))
    assert document.snapshot_upto > 0
    # A process that had the document loaded before the compaction catches up from it.
    service = get_service(app)
    live = service.live.get(a.key)
    assert live is not None and live.applied >= document.snapshot_upto
    service.live.clear()
    fresh = editor(app, alice, row)
    fresh.join()
    assert fresh.value == a.value
    stored = coedit_service.store.stored_size(document.id)
    assert stored <= 2 * len(fresh.doc.get_update()) + 2048


@pytest.mark.config(COEDIT_COMPACT_UPDATES=5, EXTRA_PLUGINS=[*TEST_PLUGINS, "coedit_support"])
def test_a_large_document_is_compacted_once_its_log_is_worth_it(app, club, alice, bob):
    row = make_text(club, "x" * 10_000)  # a snapshot of about 10 KB
    a, b = editor(app, alice, row), editor(app, bob, row)
    a.join()
    b.join()
    for n in range(10):
        assert a.edit(n, "y") == {"ok": True}
    assert log_rows(row) == 10  # 10 rows of about 30 B do not repay re-encoding 10 KB
    for n in range(70):  # two editors: each stays under the per-user rate limit
        client = a if n % 2 else b
        client.pump()
        assert client.edit(n, "z") == {"ok": True}
    a.pump()
    assert log_rows(row) < 80  # once they reach 1/8 of the snapshot, they do
    document = db.session.scalar(sa.select(CoeditDocument).filter_by(kind=KIND, object_id=row.id))
    assert document.snapshot_upto > 0
    assert stored_text(row) == a.value
    assert coedit_service.store.stored_size(document.id) <= 2 * len(a.doc.get_update())


def test_a_lagging_process_catches_up_after_another_compacted(app, club, alice):
    row = make_text(club, "base ")
    a = editor(app, alice, row)
    a.join()
    service = get_service(app)
    live = service.live.get(a.key)
    stale = coedit_service.store.load(live.kind, row.id)  # a second process's copy
    for n in range(5):
        a.edit(len(a.value), f"{n}")
    assert service.compact(service.live.get(a.key))
    assert log_rows(row) == 0
    a.edit(0, ">")
    coedit_service.store.catch_up(stale)
    assert str(stale.text) == a.value == ">base 01234"


# -- revisions ----------------------------------------------------------------------


@pytest.mark.config(COEDIT_IDLE_SECONDS=0, EXTRA_PLUGINS=[*TEST_PLUGINS, "coedit_support"])
def test_idle_cut_makes_one_revision_with_every_coauthor(app, club, alice, bob):
    row = make_text(club, "Draft")
    a, b = editor(app, alice, row), editor(app, bob, row)
    a.join()
    b.join()
    a.edit(5, " by Alice")
    b.pump()
    b.edit(0, "Bob: ")
    a.pump()
    assert coedit.live_text(KIND, row.id) == "Bob: Draft by Alice"
    get_service(app).compact(get_service(app).live.get(a.key))  # authors survive compaction
    assert coedit_service.sweep_once(app)["cut"] == 1
    assert coedit_service.sweep_once(app)["cut"] == 0  # nothing new: no second revision
    revisions = db.session.scalars(sa.select(CoTextRevision).filter_by(text_id=row.id)).all()
    assert len(revisions) == 1 and revisions[0].body == "Bob: Draft by Alice"
    assert revisions[0].author_id == bob.id  # the latest author
    key = str(revisions[0].id)
    assert coedit.coauthors(KIND, row.id, [key, "999"]) == {key: [(alice.id, alice.name), (bob.id, bob.name)]}
    assert coedit.live_text(KIND, row.id) is None
    events = [e["args"][0] for e in a.pump() if e["name"] == "coedit:revision"]
    assert len(events) == 1 and events[0]["revision"] == key and events[0]["doc"] == a.key
    assert {author["id"] for author in events[0]["authors"]} == {alice.id, bob.id}
    db.session.refresh(row)
    assert row.body == "Bob: Draft by Alice" and row.revision_id == revisions[0].id


def test_idle_cut_waits_for_the_idle_delay(app, club, alice):
    row = make_text(club, "Draft")
    a = editor(app, alice, row)
    a.join()
    a.edit(0, "x")
    assert coedit_service.sweep_once(app)["cut"] == 0  # 20 s have not passed


def test_save_cuts_a_revision_now_and_only_when_changed(app, club, alice, bob):
    row = make_text(club, "Draft")
    a, b = editor(app, alice, row), editor(app, bob, row)
    a.join()
    b.join()
    a.edit(5, "!")
    answer = b.sio.emit("coedit:save", {"doc": b.key, "summary": "Relu"}, callback=True)
    revision = db.session.scalar(sa.select(CoTextRevision).filter_by(text_id=row.id))
    assert answer == {"ok": True, "revision": str(revision.id)}
    assert revision.summary == "Relu" and revision.author_id == bob.id
    assert {uid for uid, _ in coedit.coauthors(KIND, row.id, [str(revision.id)])[str(revision.id)]} == {
        alice.id, bob.id}
    assert b.sio.emit("coedit:save", {"doc": b.key}, callback=True) == {"ok": True, "revision": None}
    too_long = b.sio.emit("coedit:save", {"doc": b.key, "summary": "x" * 256}, callback=True)
    assert too_long["error"]["code"] == "invalid"


def test_only_one_cut_when_two_processes_race(app, club, alice):
    row = make_text(club, "Draft")
    a = editor(app, alice, row)
    a.join()
    a.edit(0, "A ")
    service = get_service(app)
    kind = service.kind(KIND)
    assert service.cut(kind, row.id, alice) is not None
    service.live.clear()  # the other process, with its own copy
    assert service.cut(kind, row.id, alice) is None
    assert db.session.scalar(sa.select(sa.func.count(CoTextRevision.id))) == 1


def test_form_save_path_and_stored_text_changed_follow_the_stored_text(app, club, alice, bob):
    row = make_text(club, "Line one\nLine two\n")
    a = editor(app, alice, row)
    a.join()
    a.edit(0, "# ")
    # The plain form: cut the live changes first (authored by their author) ...
    key = coedit.before_form_save(KIND, row.id, bob)
    assert key is not None
    assert db.session.get(CoTextRevision, int(key)).author_id == alice.id
    assert coedit.before_form_save(KIND, row.id, bob) is None
    # ... then the module stores the form's text and tells the live document.
    db.session.refresh(row)
    revision = CoTextRevision(text_id=row.id, body="# Line one\nLine 2\nLine three\n", author_id=bob.id)
    db.session.add(revision)
    db.session.flush()
    row.body, row.revision_id = revision.body, revision.id
    db.session.commit()
    coedit.stored_text_changed(KIND, row.id, row.body, str(revision.id))
    a.pump()
    assert a.value == "# Line one\nLine 2\nLine three\n" == stored_text(row)
    assert coedit.live_text(KIND, row.id) is None
    document = db.session.scalar(sa.select(CoeditDocument).filter_by(kind=KIND, object_id=row.id))
    assert document.revision_key == str(revision.id) and document.dirty is False


def test_a_text_changed_outside_coediting_is_followed_at_join(app, club, alice):
    row = make_text(club, "old text")
    a = editor(app, alice, row)
    a.join()
    a.sio.disconnect()
    revision = CoTextRevision(text_id=row.id, body="new text", author_id=alice.id)
    db.session.add(revision)
    db.session.flush()
    row.body, row.revision_id = revision.body, revision.id
    db.session.commit()  # e.g. the API, without telling the co-editing service
    b = editor(app, alice, row)
    answer = b.join()
    assert b.value == "new text" and answer["revision"] == str(revision.id)


def test_cut_revision_public_api(app, club, alice):
    row = make_text(club, "abc")
    assert coedit.cut_revision(KIND, row.id, alice) is None  # nothing live
    a = editor(app, alice, row)
    a.join()
    a.edit(3, "d")
    key = coedit.cut_revision(KIND, row.id, alice, "from the form")
    assert key and db.session.get(CoTextRevision, int(key)).summary == "from the form"
    assert coedit.cut_revision("no.such", 1, alice) is None
    assert coedit.coauthors(KIND, row.id, []) == {}
    assert db.session.scalar(sa.select(sa.func.count(CoeditCoauthor.id))) == 1


# -- memory -------------------------------------------------------------------------


@pytest.mark.config(COEDIT_UNLOAD_SECONDS=0, EXTRA_PLUGINS=[*TEST_PLUGINS, "coedit_support"])
def test_documents_nobody_joined_are_unloaded(app, club, alice):
    row = make_text(club, "abc")
    a = editor(app, alice, row)
    a.join()
    service = get_service(app)
    assert coedit_service.sweep_once(app)["unloaded"] == 0  # still joined
    a.sio.disconnect()
    assert coedit_service.sweep_once(app)["unloaded"] == 1
    assert service.live.get(doc_of(row)) is None and service.sessions == {}
    b = editor(app, alice, row)
    b.join()
    assert b.value == "abc"


@pytest.mark.config(COEDIT_UNLOAD_SECONDS=0, EXTRA_PLUGINS=[*TEST_PLUGINS, "coedit_support"])
def test_join_edit_disconnect_cycles_leave_nothing_behind(app, club, alice, bob):
    """What a long session of comings and goings may leave in the process: after the
    connections close and a sweep, no session, room, registry entry or loaded document."""
    rows = [make_text(club, f"text {n} ") for n in range(2)]
    hub, service = get_hub(app), get_service(app)
    for cycle in range(4):
        clients = [editor(app, user, row) for row in rows for user in (alice, bob)]
        for client in clients:
            assert client.join()["ok"]
            assert client.edit(len(client.value), f"{cycle}") == {"ok": True}
            client.sio.emit("coedit:awareness", {"doc": client.key, "update": b64(b"cursor")}, callback=True)
        for client in clients:
            client.sio.disconnect()
        coedit_service.sweep_once(app)
    assert service.sessions == {}
    assert service.live.all() == []
    assert hub.registry.entries(club.id) == []
    manager = hub.socketio.server.manager
    assert [list(manager.get_participants("/", space_room(club.id, f"coedit:{doc_of(r)}"))) for r in rows] == [[], []]
    for n, row in enumerate(rows):
        fresh = editor(app, alice, row)
        fresh.join()
        assert fresh.value == f"text {n} 00112233"


def test_unload_waits_for_the_delay(app, club, alice):
    row = make_text(club, "abc")
    a = editor(app, alice, row)
    a.join()
    a.sio.emit("coedit:leave", {"doc": a.key}, callback=True)
    assert coedit_service.sweep_once(app)["unloaded"] == 0


@pytest.mark.config(COEDIT_IDLE_SECONDS=0, COEDIT_SWEEP_SECONDS=1, EXTRA_PLUGINS=[*TEST_PLUGINS, "coedit_support"])
def test_background_sweep_starts_when_asked_and_stops_cleanly(app, club, alice):
    import time

    row = make_text(club, "abc")
    a = editor(app, alice, row)
    a.join()
    service = get_service(app)
    assert service.sweeper is None  # never started by itself in tests
    a.edit(0, "x")
    sweeper = coedit_service.start_sweeper(app)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not db.session.scalar(sa.select(CoTextRevision.id)):
            time.sleep(0.2)
            db.session.rollback()
    finally:
        coedit_service.stop_sweeper(app)
    assert not sweeper.thread.is_alive()
    assert db.session.scalar(sa.select(CoTextRevision.body)) == "xabc"
