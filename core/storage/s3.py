"""Objects in an S3-compatible bucket (``s3://bucket/prefix``), through boto3.

Credentials and the endpoint come from boto3's usual sources (environment,
``~/.aws``) or from the ``S3_ENDPOINT_URL`` / ``S3_REGION`` settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from .base import KEY_RE, Storage, StorageError, StoredObject, new_key

#: Multipart chunks and parallel parts: bounds the memory of one upload (a few chunks).
CHUNK_BYTES = 8 * 1024 * 1024
CONCURRENCY = 2


def client_is_boto(client: Any) -> bool:
    return type(client).__module__.startswith("botocore")


def _transfer_config() -> Any:
    from boto3.s3.transfer import TransferConfig

    config = TransferConfig(
        multipart_threshold=CHUNK_BYTES, multipart_chunksize=CHUNK_BYTES, max_concurrency=CONCURRENCY
    )
    # Parts read ahead from a non-seekable stream wait in memory (10 by default): keep few.
    config.max_in_memory_upload_chunks = CONCURRENCY
    return config


class S3Storage(Storage):
    """Store each object under ``<prefix>/<random key>`` in ``bucket``."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ValueError("S3 storage needs a bucket: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if client is None:
            import boto3

            client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)
        self.client = client
        self.transfer_config = _transfer_config() if client_is_boto(client) else None

    def __repr__(self) -> str:
        return f"<S3Storage s3://{self.bucket}/{self.prefix}>"

    def _object(self, key: str) -> str:
        if not isinstance(key, str) or not KEY_RE.fullmatch(key):
            raise StorageError(f"invalid storage key {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def _missing(self, exc: Exception) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}

    def save(self, stream: BinaryIO, *, content_type: str) -> str:
        key = new_key()
        extra: dict[str, Any] = {}
        if self.transfer_config is not None:
            extra["Config"] = self.transfer_config
        # A stream that fails half-way aborts the multipart upload: no object appears.
        self.client.upload_fileobj(
            stream, self.bucket, self._object(key), ExtraArgs={"ContentType": content_type}, **extra
        )
        return key

    def open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._object(key))["Body"]
        except Exception as exc:
            raise StorageError(f"cannot open {key!r}: {exc}") from exc

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except StorageError:
            return False
        except Exception as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def size(self, key: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except Exception as exc:
            raise StorageError(f"no object {key!r}: {exc}") from exc
        return int(head["ContentLength"])

    def iter_objects(self) -> Iterator[StoredObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        prefix = f"{self.prefix}/" if self.prefix else ""
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"][len(prefix):]
                if KEY_RE.fullmatch(key):
                    yield StoredObject(key, int(item["Size"]), item["LastModified"])

    def copy(self, key: str) -> str:
        new = new_key()
        try:
            self.client.copy(
                {"Bucket": self.bucket, "Key": self._object(key)}, self.bucket, self._object(new)
            )
        except Exception as exc:
            raise StorageError(f"cannot copy {key!r}: {exc}") from exc
        return new

    def open_range(self, key: str, start: int, length: int) -> BinaryIO:
        if length <= 0:
            import io

            return io.BytesIO(b"")
        try:
            return self.client.get_object(
                Bucket=self.bucket, Key=self._object(key), Range=f"bytes={start}-{start + length - 1}"
            )["Body"]
        except Exception as exc:
            raise StorageError(f"cannot open {key!r}: {exc}") from exc
