"""Kill the server with SIGKILL in the middle of writes: nothing acknowledged is lost,
nothing half-written shows.

A real server process (the Parvis app under werkzeug, threaded, in its own
interpreter) serves a fresh database: a SQLite file, or a scratch PostgreSQL database
when PARVIS_TEST_DATABASE_URL is set. Four client threads write through the JSON API
with a bearer token (new posts, new wiki pages, wiki saves on a page of their own);
after a while the server gets SIGKILL while requests are in flight. The server is
started again on the same database, and:

* every write the server acknowledged (2xx) is present, with exactly what was sent;
* every stored post body and wiki revision is whole: each carries a checksum of its own
  text, computed by the client, which must match (a torn write would not);
* each wiki page's current revision is one of its whole revisions;
* every acknowledged upload (documents API) downloads with the bytes sent, every
  document row's stored file is there and whole (its SHA-256), and ``parvis storage
  check --clean`` only removes files no row references (an upload cut by the kill);
* the search index never holds what the database does not, and after ``parvis search
  reindex`` it holds exactly what the database does: every acknowledged post and
  upload is found by its unique word;
* the restarted server answers reads and takes writes again.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from parvis import create_app
from parvis.extensions import db
from parvis.testing.conformance import scratch_database

SERVER = """
import sys
from werkzeug.serving import make_server
from parvis import create_app

url, instance, port, search = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
app = create_app({
    "SECRET_KEY": "fault-tolerance", "SQLALCHEMY_DATABASE_URI": url, "SEARCH_BACKEND": search,
    "RATELIMIT_ENABLED": False, "MAIL_BACKEND": "memory", "PASSWORD_HASH_FAST": True,
    "BABEL_DEFAULT_LOCALE": "en",
}, instance_path=instance)
server = make_server("127.0.0.1", port, app, threaded=True)
print("ready", flush=True)
server.serve_forever()
"""
WRITERS = 4
UPLOAD_SIZE = 96 * 1024
FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 40


def search_backend(url: str) -> str:
    """PostgreSQL runs exercise the PostgreSQL search backend, SQLite runs whoosh."""
    return "postgres" if url.startswith("postgresql") else "whoosh"


def _settings(url: str) -> dict[str, Any]:
    return {
        "SECRET_KEY": "fault-tolerance", "SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
        "RATELIMIT_ENABLED": False, "MAIL_BACKEND": "memory", "PASSWORD_HASH_FAST": True,
        "SEARCH_BACKEND": search_backend(url),
    }


def signed_text(tag: str) -> str:
    """A text carrying the checksum of its own content: a torn copy fails :func:`is_whole`."""
    content = f"{tag} {FILLER}"
    return f"{content}\n\nsha256:{hashlib.sha256(content.encode()).hexdigest()}"


def is_whole(text: str) -> bool:
    """Does ``text`` end with the checksum of what precedes it?"""
    content, sep, digest = text.rpartition("\n\nsha256:")
    return bool(sep) and hashlib.sha256(content.encode()).hexdigest() == digest.strip()


@dataclass
class Ledger:
    """What the server acknowledged."""

    posts: dict[int, str] = field(default_factory=dict)  # id -> body
    pages: dict[str, int] = field(default_factory=dict)  # slug -> page id
    saves: dict[int, str] = field(default_factory=dict)  # revision id -> body
    uploads: dict[int, tuple[str, str]] = field(default_factory=dict)  # document id -> (marker, sha256)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(url: str, instance: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SERVER, url, str(instance), str(port), search_backend(url)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = process.stdout.readline() if process.stdout else ""
    if "ready" not in line:
        process.kill()
        raise AssertionError(f"the server did not start: {process.stderr.read() if process.stderr else ''}")
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the server does not listen")


def _call(base: str, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(  # noqa: S310 - a local http URL
        base + path, data=data, method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


def _upload(base: str, token: str, path: str, name: str, data: bytes) -> tuple[int, Any]:
    """POST one file as ``multipart/form-data`` (field ``files``)."""
    boundary = f"----parvis{os.urandom(8).hex()}"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
        "Content-Type: text/plain\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(  # noqa: S310 - a local http URL
        base + path, data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


def _download(base: str, token: str, path: str) -> tuple[int, bytes]:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def marker(kind: str, n: int, step: int) -> str:
    """A word found in one item only (letters, so every analyser keeps it whole)."""
    letters = "abcdefghij"
    return "zq" + kind + "".join(letters[int(d)] for d in f"{n}{step:04d}")


def upload_bytes(word: str) -> bytes:
    """About UPLOAD_SIZE bytes of text, unique to ``word`` (a torn file fails its checksum)."""
    line = f"{word} {os.urandom(24).hex()}\n".encode()
    return line * (UPLOAD_SIZE // len(line))


def _writer(n: int, base: str, token: str, ledger: Ledger, stop: threading.Event) -> None:
    api = "/api/v1/spaces/ft"
    slug = None
    revision = None
    step = 0
    while not stop.is_set():
        step += 1
        try:
            body = signed_text(f"post {n}-{step} {marker('post', n, step)}")
            status, data = _call(base, token, "POST", f"{api}/posts/", {"title": f"Post {n}-{step}", "body": body})
            if status == 201:
                with ledger.lock:
                    ledger.posts[data["id"]] = body
            elif status >= 500:
                ledger.errors.append(f"post answered {status}")
            word = marker("file", n, step)
            content = upload_bytes(word)
            status, data = _upload(base, token, f"{api}/documents/documents", f"{word}.txt", content)
            if status == 201:
                with ledger.lock:
                    ledger.uploads[data["data"][0]["id"]] = (word, hashlib.sha256(content).hexdigest())
            elif status >= 500:
                ledger.errors.append(f"upload answered {status}")
            if slug is None:
                status, data = _call(base, token, "POST", f"{api}/wiki/pages",
                                     {"title": f"Page {n}", "body": signed_text(f"page {n}")})
                if status in (200, 201):
                    slug, revision = data["slug"], data["revision_id"]
                    with ledger.lock:
                        ledger.pages[slug] = data["id"]
                        ledger.saves[revision] = signed_text(f"page {n}")
            else:
                text = signed_text(f"page {n} save {step}")
                status, data = _call(base, token, "PUT", f"{api}/wiki/pages/{slug}",
                                     {"body": text, "base_revision_id": revision})
                if status == 200:
                    revision = data["revision_id"]
                    with ledger.lock:
                        ledger.saves[revision] = text
                elif status >= 500:
                    ledger.errors.append(f"wiki save answered {status}")
        except (OSError, urllib.error.URLError, http.client.HTTPException):
            # Connection refused or reset, or an answer cut by the kill (IncompleteRead):
            # not acknowledged, so the write may or may not be there.
            return  # the server is gone: stop writing
        except Exception as exc:  # noqa: BLE001 - recorded, asserted on
            ledger.errors.append(repr(exc))
            return


def _prepare(url: str, instance: Path) -> str:
    """Tables, an account with a token and a space with every module; returns the token."""
    from parvis.models import ApiToken
    from parvis.plugins.manager import current_platform
    from parvis.services.spaces import create_space
    from parvis.services.users import create_user

    app = create_app(_settings(url), instance_path=str(instance))
    with app.app_context():
        try:
            db.create_all()
            user = create_user("writer@example.org", "Wanda Writer", "correct horse battery")
            modules = [m.id for m in current_platform().ordered_modules()]
            create_space(name="Fault tolerance", slug="ft", owner=user, visibility="private", modules=modules)
            _token, clear = ApiToken.issue(user, name="writes")
            db.session.commit()
            return clear
        finally:
            db.session.remove()
            db.engine.dispose()


def _verify(url: str, instance: Path, ledger: Ledger) -> list[str]:
    from parvis_modules.posts.models import Post
    from parvis_modules.wiki.models import WikiPage, WikiRevision

    problems: list[str] = []
    app = create_app(_settings(url), instance_path=str(instance))
    with app.app_context():
        try:
            posts = dict(db.session.execute(db.select(Post.id, Post.body)).all())
            for post_id, body in ledger.posts.items():
                if posts.get(post_id) != body:
                    problems.append(f"acknowledged post {post_id} lost or altered")
            problems += [f"post {i} is torn" for i, body in posts.items() if not is_whole(body)]
            revisions = dict(db.session.execute(db.select(WikiRevision.id, WikiRevision.body)).all())
            for revision_id, body in ledger.saves.items():
                if revisions.get(revision_id) != body:
                    problems.append(f"acknowledged wiki revision {revision_id} lost or altered")
            problems += [f"wiki revision {i} is torn" for i, body in revisions.items() if not is_whole(body)]
            for page in db.session.scalars(db.select(WikiPage).filter(WikiPage.slug.in_(ledger.pages))):
                if page.current_revision_id not in revisions:
                    problems.append(f"wiki page {page.slug} points at a missing revision")
            problems += _verify_uploads(ledger)
            with app.test_request_context("/"):
                problems += _verify_search(app, ledger)
        finally:
            db.session.remove()
            db.engine.dispose()
    return problems


def _verify_uploads(ledger: Ledger) -> list[str]:
    """Every document row's file is stored and whole; cleaning orphans keeps them all."""
    from parvis.storage import get_storage
    from parvis.storage.check import check_storage
    from parvis_modules.documents.models import Document, DocumentVersion

    problems: list[str] = []
    storage = get_storage()

    def stored_digest(key: str) -> str | None:
        if not storage.exists(key):
            return None
        with storage.open(key) as fh:
            return hashlib.sha256(fh.read()).hexdigest()

    versions = db.session.scalars(db.select(DocumentVersion).filter(DocumentVersion.storage_key.is_not(None))).all()
    for version in versions:
        if stored_digest(version.storage_key) != version.sha256:
            problems.append(f"document version {version.id} is missing or torn in the storage")
    for doc_id, (word, digest) in ledger.uploads.items():
        doc = db.session.get(Document, doc_id)
        if doc is None or doc.current_version is None or doc.current_version.sha256 != digest:
            problems.append(f"acknowledged upload {doc_id} ({word}) lost or altered")
    report = check_storage(storage, clean=True, grace=timedelta(0))
    problems += [f"storage: {key} is referenced but missing" for key in report.missing]
    again = check_storage(storage)
    if again.orphans or again.missing:
        problems.append("storage check --clean left orphans or missing objects")
    for version in versions:  # the clean-up removed no referenced file
        if stored_digest(version.storage_key) != version.sha256:
            problems.append(f"document version {version.id} was removed by the storage clean-up")
    return problems


def _indexed_keys(app: Any) -> set[str]:
    """``type:object_id`` of everything in the search index."""
    from sqlalchemy import text
    from whoosh import index

    from parvis.search.service import EXTENSION_KEY

    backend = app.extensions[EXTENSION_KEY].backend
    if backend.name == "postgres":
        with db.engine.connect() as conn:
            return {f"{t}:{o}" for t, o in conn.execute(text("SELECT type, object_id FROM search_entries"))}
    ix = index.open_dir(str(backend.path))
    try:
        with ix.searcher() as searcher:
            return {fields["key"] for fields in searcher.all_stored_fields()}
    finally:
        ix.close()


def _verify_search(app: Any, ledger: Ledger) -> list[str]:
    """The index holds nothing the database does not; after a reindex, exactly it."""
    from parvis.models import User
    from parvis.search.backend import SearchQuery
    from parvis.search.service import EXTENSION_KEY

    service = app.extensions[EXTENSION_KEY]
    truth = {doc.key for doc in service.all_documents()}
    problems = [f"search: {key} is indexed but not in the database" for key in sorted(_indexed_keys(app) - truth)]
    service.reindex()
    after = _indexed_keys(app)
    if after != truth:
        problems.append(f"search: after reindex, {len(truth - after)} missing and {len(after - truth)} extra")
    user = db.session.scalar(db.select(User).filter_by(email="writer@example.org"))
    wanted = [(f"posts.post:{i}", body.split()[2]) for i, body in ledger.posts.items()]
    wanted += [(f"documents.document:{i}", word) for i, (word, _digest) in ledger.uploads.items()]
    for key, word in wanted:
        found, _access = service.search(user, SearchQuery(word, frozenset()))
        if key not in {hit.key for hit in found.hits}:
            problems.append(f"search: {key} not found by {word!r} after reindex")
    return problems


@pytest.mark.parametrize("round_", range(2))
def test_sigkill_during_writes_loses_nothing_acknowledged(tmp_path: Path, round_: int) -> None:
    with scratch_database(os.environ.get("PARVIS_TEST_DATABASE_URL"), tmp_path) as url:
        instance = tmp_path / "instance"
        token = _prepare(url, instance)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _start(url, instance, port)
        ledger, stop = Ledger(), threading.Event()
        writers = [threading.Thread(target=_writer, args=(n, base, token, ledger, stop)) for n in range(WRITERS)]
        try:
            for writer in writers:
                writer.start()
            deadline = time.monotonic() + 30
            while (len(ledger.posts) + len(ledger.saves) < 30 + 10 * round_ or len(ledger.uploads) < 10) \
                    and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(server.pid, signal.SIGKILL)  # mid-flight: the writers are still sending
            server.wait(10)
        finally:
            stop.set()
            for writer in writers:
                writer.join(15)
            if server.poll() is None:
                server.kill()
                server.wait(10)
            for stream in (server.stdout, server.stderr):
                if stream:
                    stream.close()
        assert len(ledger.posts) >= 5 and len(ledger.saves) >= 5 and len(ledger.uploads) >= 5, \
            "too few writes before the kill"
        assert not ledger.errors, ledger.errors

        server = _start(url, instance, port)
        try:
            some_post = next(iter(ledger.posts))
            status, data = _call(base, token, "GET", f"/api/v1/spaces/ft/posts/{some_post}")
            assert status == 200 and data["body"] == ledger.posts[some_post]
            status, _data = _call(base, token, "POST", "/api/v1/spaces/ft/posts/",
                                  {"title": "After the restart", "body": signed_text("after")})
            assert status == 201, "the restarted server does not take writes"
            for doc_id, (word, digest) in ledger.uploads.items():
                status, content = _download(base, token, f"/api/v1/spaces/ft/documents/documents/{doc_id}/download")
                assert status == 200, f"acknowledged upload {doc_id} ({word}) cannot be downloaded"
                assert hashlib.sha256(content).hexdigest() == digest, f"upload {doc_id} changed"
        finally:
            server.terminate()
            server.wait(10)
            for stream in (server.stdout, server.stderr):
                if stream:
                    stream.close()
        problems = _verify(url, instance, ledger)
        assert not problems, "\n".join(problems)
