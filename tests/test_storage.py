"""The storage interface: local backend, key safety, backend selection."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from parvis.storage import LocalStorage, Storage, StorageError, get_storage, storage_from_url
from parvis.storage.local import KEY_RE
from parvis.storage.s3 import S3Storage


def test_local_round_trip(tmp_path: Path):
    storage = LocalStorage(tmp_path / "files")
    key = storage.save(io.BytesIO(b"hello world"), content_type="text/plain")
    assert KEY_RE.fullmatch(key)
    assert storage.exists(key) and storage.size(key) == 11
    with storage.open(key) as stream:
        assert stream.read() == b"hello world"
    assert (tmp_path / "files" / key).is_file()
    other = storage.save(io.BytesIO(b"hello world"), content_type="text/plain")
    assert other != key
    storage.delete(key)
    assert not storage.exists(key)
    storage.delete(key)  # deleting twice is fine
    with pytest.raises(StorageError):
        storage.open(key)
    with pytest.raises(StorageError):
        storage.size(key)
    # No temporary files are left behind.
    assert sorted(p.name for p in (tmp_path / "files").rglob("*") if p.is_file()) == [other.split("/")[1]]


@pytest.mark.parametrize(
    "key",
    ["../secret", "/etc/passwd", "ab/../../../etc/passwd", "passwd", "ab/cd", "AB/" + "0" * 32,
     "ab/" + "0" * 32 + "/..", "", None, "ab\\" + "0" * 32],
)
def test_local_refuses_keys_it_did_not_make(tmp_path: Path, key):  # noqa: ANN001
    storage = LocalStorage(tmp_path / "files")
    (tmp_path / "secret").write_text("top secret")
    with pytest.raises(StorageError):
        storage.open(key)
    with pytest.raises(StorageError):
        storage.delete(key)
    assert storage.exists(key) is False
    assert (tmp_path / "secret").exists()


def test_local_is_a_storage():
    assert issubclass(LocalStorage, Storage)
    with pytest.raises(TypeError):
        Storage()  # type: ignore[abstract]


def test_default_storage_lives_in_the_instance_folder(app):  # noqa: ANN001
    storage = get_storage()
    assert isinstance(storage, LocalStorage)
    assert storage.root == (Path(app.instance_path) / "files").resolve()
    assert get_storage() is storage


@pytest.mark.config(STORAGE_URL="file:///tmp/parvis-test-files")
def test_file_url(app):  # noqa: ANN001
    storage = get_storage()
    assert isinstance(storage, LocalStorage) and storage.root == Path("/tmp/parvis-test-files").resolve()


def test_storage_urls(tmp_path: Path):
    assert storage_from_url("local", instance_path=str(tmp_path)).root == (tmp_path / "files").resolve()
    assert storage_from_url(f"file://{tmp_path}/x", instance_path="/").root == (tmp_path / "x").resolve()
    with pytest.raises(ValueError, match="unsupported"):
        storage_from_url("ftp://host/x", instance_path="/")
    with pytest.raises(ValueError):
        storage_from_url("file://remote-host/x", instance_path="/")


class FakeS3:
    """Just enough of boto3's S3 client."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], tuple[bytes, str]] = {}

    def upload_fileobj(self, stream, bucket, key, ExtraArgs):  # noqa: ANN001, N803
        self.objects[(bucket, key)] = (stream.read(), ExtraArgs["ContentType"])

    def get_object(self, Bucket, Key):  # noqa: ANN001, N803, ANN201
        if (Bucket, Key) not in self.objects:
            raise KeyError(Key)
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)][0])}

    def head_object(self, Bucket, Key):  # noqa: ANN001, N803, ANN201
        if (Bucket, Key) not in self.objects:
            error = Exception("not found")
            error.response = {"Error": {"Code": "404"}}
            raise error
        return {"ContentLength": len(self.objects[(Bucket, Key)][0])}

    def delete_object(self, Bucket, Key):  # noqa: ANN001, N803
        self.objects.pop((Bucket, Key), None)


def test_s3_storage_with_a_fake_client():
    client = FakeS3()
    storage = S3Storage("bucket", "/parvis/files/", client=client)
    key = storage.save(io.BytesIO(b"data"), content_type="application/pdf")
    assert KEY_RE.fullmatch(key)
    assert client.objects[("bucket", f"parvis/files/{key}")] == (b"data", "application/pdf")
    assert storage.exists(key) and storage.size(key) == 4
    assert storage.open(key).read() == b"data"
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(StorageError):
        storage.open(key)
    with pytest.raises(StorageError):
        storage.open("../other-prefix/key")
    assert storage.exists("../x") is False


def test_s3_url_builds_s3_storage(tmp_path: Path):
    storage = storage_from_url(
        "s3://my-bucket/some/prefix", instance_path=str(tmp_path),
        config={"S3_ENDPOINT_URL": "http://127.0.0.1:9000", "S3_REGION": "us-east-1"},
    )
    assert isinstance(storage, S3Storage)
    assert storage.bucket == "my-bucket" and storage.prefix == "some/prefix"
