"""Compare the stored objects with the keys the database references.

Every module tells which keys its rows hold through the ``parvis_storage_keys`` hook
(the core answers for attachments, profile photos, space icons and banners). An object
no row references is an *orphan*: the bytes of an upload whose database transaction
failed, or of a row deleted while the storage was unreachable. A referenced key with
no object is *missing*. Orphans younger than a grace period are left alone: they may
belong to an upload still being committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..plugins.manager import current_platform
from .base import Storage, StorageError, StoredObject

#: Orphans younger than this may belong to an upload in progress.
DEFAULT_GRACE = timedelta(hours=1)


@dataclass
class StorageReport:
    """What :func:`check_storage` found (and removed, with ``clean``)."""

    objects: int = 0
    referenced: int = 0
    orphans: list[StoredObject] = field(default_factory=list)
    recent_orphans: list[StoredObject] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def orphan_bytes(self) -> int:
        return sum(obj.size for obj in self.orphans)


def referenced_keys() -> set[str]:
    """Every storage key a module (or the core) says its rows reference."""
    keys: set[str] = set()
    for result in current_platform().hook.parvis_storage_keys():
        if result:
            keys.update(k for k in result if k)
    return keys


def check_storage(
    storage: Storage,
    *,
    clean: bool = False,
    grace: timedelta = DEFAULT_GRACE,
    now: datetime | None = None,
) -> StorageReport:
    """Find orphans and missing objects; with ``clean``, delete the old orphans."""
    from ..models import utcnow

    now = now or utcnow()
    keys = referenced_keys()
    report = StorageReport(referenced=len(keys))
    seen: set[str] = set()
    for obj in storage.iter_objects():
        report.objects += 1
        seen.add(obj.key)
        if obj.key in keys:
            continue
        if now - obj.modified_at < grace:
            report.recent_orphans.append(obj)
            continue
        report.orphans.append(obj)
        if clean:
            try:
                storage.delete(obj.key)
            except StorageError:
                continue
            report.deleted.append(obj.key)
    report.missing = sorted(keys - seen)
    return report
