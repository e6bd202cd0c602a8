"""Two real server processes sharing Redis and one database co-edit one text: editors
connected to different processes converge, and the database holds the same text, while
both processes append, compact and catch up from the shared log; with the servers in
threading mode and in gevent mode.

Needs Redis on 127.0.0.1:6379: skipped with a reason when absent, a failure when
PARVIS_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import base64
import random
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest
from coedit_support import doc_of, make_text
from conftest import TEST_PLUGINS, add_member, make_space, make_user
from pycrdt import Doc, Text
from test_realtime_redis import REDIS_URL, session_cookie, two_servers

import parvis.coedit as coedit
from parvis.coedit.service import get_service
from parvis.extensions import db
from parvis.models import CoeditDocument, CoeditUpdate

CHANNEL = f"parvis-test-coedit-{uuid.uuid4().hex[:12]}"
PLUGINS = [*TEST_PLUGINS, "coedit_support"]

SERVER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[6])
    mode = sys.argv[7]
    if mode == "gevent":  # as gunicorn's gevent worker does, before anything else
        from gevent import monkey
        monkey.patch_all()
    from parvis import create_app

    database, instance, port, redis_url, channel = sys.argv[1:6]
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "SECRET_KEY": "test-secret",
            "REDIS_URL": redis_url,
            "SOCKETIO_CHANNEL": channel,
            "SOCKETIO_ASYNC_MODE": mode,
            "RATELIMIT_ENABLED": False,
            "REALTIME_RATE_LIMIT_ENABLED": False,
            "BABEL_DEFAULT_LOCALE": "en",
            "MAIL_BACKEND": "memory",
            "EXTRA_PLUGINS": ["plugins.exercise_module", "coedit_support"],
            "COEDIT_COMPACT_UPDATES": 7,
            "COEDIT_SWEEP_SECONDS": 0,
        },
        instance_path=instance,
    )
    app.extensions["socketio"].run(
        app, host="127.0.0.1", port=int(port), allow_unsafe_werkzeug=True,
        use_reloader=False, log_output=False,
    )
    """
)


@pytest.fixture(params=["threading", "gevent"])
def servers(request, database_url, tmp_path):  # noqa: ANN001, ANN201
    """Two Parvis server processes on the test database, sharing Redis, in each real-time
    concurrency mode (``SOCKETIO_ASYNC_MODE``)."""
    with two_servers(SERVER, tmp_path, database_url, str(Path(__file__).parent), request.param,
                     channel=CHANNEL) as urls:
        yield urls


class Editor:
    """A pycrdt document kept in sync over a python-socketio client."""

    def __init__(self, url: str, cookie: str, key: str) -> None:
        import socketio

        self.key = key
        self.lock = threading.Lock()
        self.doc = Doc()
        self.text = self.doc.get("content", type=Text)
        self.client = socketio.Client(reconnection=False)
        self.client.on("coedit:update", self._received)
        self.client.connect(url, headers={"Cookie": f"session={cookie}"}, transports=["websocket"], wait_timeout=10)

    def _received(self, data: dict) -> None:
        if data.get("doc") == self.key:
            with self.lock:
                self.doc.apply_update(base64.b64decode(data["update"]))

    @property
    def value(self) -> str:
        with self.lock:
            return str(self.text)

    def join(self) -> dict:
        answer = self.client.call("coedit:join", {"doc": self.key}, timeout=10)
        assert answer["ok"], answer
        with self.lock:
            self.doc.apply_update(base64.b64decode(answer["update"]))
        return answer

    def type(self, words: list[str], rng: random.Random) -> None:
        for word in words:
            with self.lock:
                before = self.doc.get_state()
                self.text.insert(rng.randint(0, len(self.text)), word)  # ASCII: bytes = characters
                update = self.doc.get_update(before)
            answer = self.client.call(
                "coedit:update", {"doc": self.key, "update": base64.b64encode(update).decode()}, timeout=10
            )
            assert answer == {"ok": True}, answer


def _converged(editors: list[Editor], expected_len: int, seconds: float = 10) -> set[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        values = {e.value for e in editors}
        if len(values) == 1 and len(next(iter(values))) == expected_len:
            return values
        time.sleep(0.05)
    return {e.value for e in editors}


@pytest.mark.config(REDIS_URL=REDIS_URL, SOCKETIO_CHANNEL=CHANNEL, EXTRA_PLUGINS=PLUGINS)
def test_editors_on_two_processes_converge_with_the_database(app, servers):
    owner = make_user("owner@example.org", "Olga Owner")
    alice = make_user("alice@example.org", "Alice Martin")
    bob = make_user("bob@example.org", "Bob Durand")
    space = make_space(owner, "atelier", "private")
    add_member(space, alice)
    add_member(space, bob)
    row = make_text(space, "Start. ")
    key = doc_of(row)
    first, second = servers
    editors = [
        Editor(first, session_cookie(app, alice), key),
        Editor(second, session_cookie(app, bob), key),
        Editor(second, session_cookie(app, alice), key),
    ]
    try:
        for editor in editors:
            editor.join()
        assert {e.value for e in editors} == {"Start. "}
        words = [[f"[{n}.{i}]" for i in range(25)] for n in range(len(editors))]
        threads = [
            threading.Thread(target=e.type, args=(w, random.Random(n)))
            for n, (e, w) in enumerate(zip(editors, words, strict=True))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        expected = len("Start. ") + sum(len(w) for ws in words for w in ws)
        values = _converged(editors, expected)
        assert len(values) == 1, values
        final = values.pop()
        # Words may land inside each other: every character typed is there exactly once.
        assert sorted(final) == sorted("Start. " + "".join(w for ws in words for w in ws))
        # The database (read by this third process) holds exactly the same text, though
        # both servers compacted the log (every 7 updates) while the other was appending.
        get_service(app).live.clear()
        assert coedit.live_text("cotest.text", row.id) == final
        document = db.session.scalar(db.select(CoeditDocument).filter_by(kind="cotest.text", object_id=row.id))
        assert document.snapshot_upto > 0  # compacted...
        assert db.session.scalar(  # ...and the log holds fewer rows than the 75 updates
            db.select(db.func.count(CoeditUpdate.id)).filter_by(doc_id=document.id)
        ) < 75
        # A newcomer on either process gets the same text.
        for url in servers:
            late = Editor(url, session_cookie(app, owner), key)
            late.join()
            assert late.value == final
            late.client.disconnect()
    finally:
        for editor in editors:
            editor.client.disconnect()
