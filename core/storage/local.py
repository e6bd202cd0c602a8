"""Files in a folder of the server (the default: ``<instance>/files``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from .base import KEY_RE, Storage, StorageError, StoredObject, new_key


class LocalStorage(Storage):
    """Store each object as a file named by its random key under ``root``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"<LocalStorage {self.root}>"

    def path(self, key: str) -> Path:
        """The file of ``key``; a key this backend did not generate is refused."""
        if not isinstance(key, str) or not KEY_RE.fullmatch(key):
            raise StorageError(f"invalid storage key {key!r}")
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StorageError(f"invalid storage key {key!r}")
        return path

    def save(self, stream: BinaryIO, *, content_type: str) -> str:
        key = new_key()
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(stream, out, 1024 * 1024)
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return key

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError as exc:
            raise StorageError(f"no object {key!r}") from exc

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except StorageError:
            return False

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError as exc:
            raise StorageError(f"no object {key!r}") from exc

    def iter_objects(self) -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir() or len(folder.name) != 2:
                continue
            for path in sorted(folder.iterdir()):
                key = f"{folder.name}/{path.name}"
                if not KEY_RE.fullmatch(key) or not path.is_file():
                    continue
                stat = path.stat()
                yield StoredObject(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def copy(self, key: str) -> str:
        source = self.path(key)
        if not source.is_file():
            raise StorageError(f"no object {key!r}")
        with source.open("rb") as stream:
            return self.save(stream, content_type="application/octet-stream")
