"""Objects in an S3-compatible bucket (``s3://bucket/prefix``), through boto3.

Credentials and the endpoint come from boto3's usual sources (environment,
``~/.aws``) or from the ``S3_ENDPOINT_URL`` / ``S3_REGION`` settings.
"""

from __future__ import annotations

import re
from typing import Any, BinaryIO

from .base import Storage, StorageError, new_key

KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\Z")


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
        self.client.upload_fileobj(
            stream, self.bucket, self._object(key), ExtraArgs={"ContentType": content_type}
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
