"""One storage test suite, run against the local folder and a real S3 server (moto).

The S3 server is moto's, started once per session on a free port; boto3 talks to
it over HTTP exactly as to a sovereign cloud's object storage.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from parvis.models import utcnow
from parvis.storage import LocalStorage, Storage, StorageError, storage_from_url
from parvis.storage.base import KEY_RE
from parvis.storage.check import check_storage
from parvis.storage.s3 import S3Storage

BUCKET = "parvis-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server for the whole session; its URL."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Credentials and endpoint in the environment, as an operator would set them."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    import boto3

    client = boto3.client("s3")
    try:
        client.create_bucket(Bucket=BUCKET)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    return s3_endpoint


def make_s3(prefix: str) -> S3Storage:
    return S3Storage(BUCKET, prefix)


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    request.getfixturevalue("s3_env")
    return make_s3(f"t/{request.node.name.replace('[', '-').replace(']', '')}-{id(request)}")


def test_round_trip(storage: Storage) -> None:
    key = storage.save(io.BytesIO(b"hello world"), content_type="text/plain")
    assert KEY_RE.fullmatch(key)
    assert storage.exists(key) and storage.size(key) == 11
    with storage.open(key) as stream:
        assert stream.read() == b"hello world"
    storage.delete(key)
    assert not storage.exists(key)
    storage.delete(key)  # twice is fine
    with pytest.raises(StorageError):
        storage.open(key)
    with pytest.raises(StorageError):
        storage.size(key)


def test_large_object_is_streamed_in_chunks(storage: Storage) -> None:
    payload = bytes(range(256)) * (4096 * 20)  # 20 MB: several multipart chunks on S3
    key = storage.save(io.BytesIO(payload), content_type="application/octet-stream")
    assert storage.size(key) == len(payload)
    with storage.open(key) as stream:
        first = stream.read(1024 * 1024)
        assert first == payload[: 1024 * 1024]
    storage.delete(key)


def test_ranges(storage: Storage) -> None:
    key = storage.save(io.BytesIO(b"0123456789"), content_type="text/plain")
    with storage.open_range(key, 2, 5) as stream:
        assert stream.read() == b"23456"
    with storage.open_range(key, 8, 2) as stream:
        assert stream.read() == b"89"


def test_copy_makes_an_independent_object(storage: Storage) -> None:
    key = storage.save(io.BytesIO(b"original"), content_type="text/plain")
    copy = storage.copy(key)
    assert copy != key and KEY_RE.fullmatch(copy)
    storage.delete(key)
    with storage.open(copy) as stream:
        assert stream.read() == b"original"
    with pytest.raises(StorageError):
        storage.copy(key)


def test_iter_objects_lists_what_was_saved(storage: Storage) -> None:
    keys = {storage.save(io.BytesIO(b"x" * n), content_type="text/plain") for n in (1, 2, 3)}
    found = {obj.key: obj for obj in storage.iter_objects()}
    assert keys <= set(found)
    assert sorted(found[k].size for k in keys) == [1, 2, 3]
    assert all(abs(found[k].modified_at - utcnow()) < timedelta(minutes=5) for k in keys)


def test_a_failing_stream_leaves_nothing(storage: Storage) -> None:
    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.sent = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            size = 1024 * 1024 if size is None or size < 0 else size
            if self.sent > 10 * 1024 * 1024:
                raise ConnectionError("client went away")
            self.sent += size
            return b"y" * size

    before = {o.key for o in storage.iter_objects()}
    with pytest.raises(ConnectionError):
        storage.save(Broken(), content_type="application/octet-stream")  # type: ignore[arg-type]
    assert {o.key for o in storage.iter_objects()} == before


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "ab/../../etc", "", "ab/" + "0" * 31 + "g"])
def test_refuses_keys_it_did_not_make(storage: Storage, key: str) -> None:
    with pytest.raises(StorageError):
        storage.open(key)
    assert storage.exists(key) is False


def test_s3_url_from_the_environment(s3_env: str, tmp_path: Path) -> None:
    storage = storage_from_url(f"s3://{BUCKET}/from-url", instance_path=str(tmp_path))
    key = storage.save(io.BytesIO(b"env"), content_type="text/plain")
    assert isinstance(storage, S3Storage)
    import boto3

    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=f"from-url/{key}")["Body"].read()
    assert body == b"env"


class FakePlatform:
    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    @property
    def hook(self) -> Any:
        keys = self.keys

        class Hook:
            @staticmethod
            def parvis_storage_keys() -> list[list[str]]:
                return [keys]

        return Hook


def test_check_finds_orphans_and_missing(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = storage.save(io.BytesIO(b"kept"), content_type="text/plain")
    orphan = storage.save(io.BytesIO(b"orphan"), content_type="text/plain")
    missing = "ab/" + "0" * 32
    monkeypatch.setattr("parvis.storage.check.current_platform", lambda: FakePlatform([kept, missing]))
    later = utcnow() + timedelta(hours=2)
    recent = check_storage(storage)
    assert orphan in {o.key for o in recent.recent_orphans} and not recent.orphans  # grace period
    report = check_storage(storage, now=later)
    assert [o.key for o in report.orphans if o.key == orphan] == [orphan]
    assert report.missing == [missing]
    assert storage.exists(orphan)
    cleaned = check_storage(storage, clean=True, now=later)
    assert orphan in cleaned.deleted and not storage.exists(orphan) and storage.exists(kept)
