"""Who may do what with documents, settings and quotas of a space."""

from __future__ import annotations

from typing import Any

from flask import current_app

from parvis.extensions import db
from parvis.models import Space
from parvis.services.permissions import can
from parvis.services.spaces import module_settings

from .models import DocFolder, Document, DocumentVersion

MODULE_ID = "documents"
CONTENT_TYPE = "documents.document"
MB = 1024 * 1024
DEFAULTS: dict[str, Any] = {"share_links": False, "max_file_mb": 100, "quota_mb": 5120}
#: Platform-wide ceiling of one file, whatever a space sets (``DOCUMENTS_MAX_FILE_MB``).
PLATFORM_MAX_FILE_MB = 2048


def settings(space: Space) -> dict[str, Any]:
    """The space's documents settings, defaults filled in."""
    values = dict(DEFAULTS)
    values.update({k: v for k, v in (module_settings(space, MODULE_ID) or {}).items() if v is not None})
    return values


def platform_max_file_bytes() -> int:
    return int(current_app.config.get("DOCUMENTS_MAX_FILE_MB") or PLATFORM_MAX_FILE_MB) * MB


def max_file_bytes(space: Space) -> int:
    """Largest file accepted in ``space`` (space setting capped by the platform's)."""
    try:
        mb = int(settings(space)["max_file_mb"])
    except (TypeError, ValueError):
        mb = DEFAULTS["max_file_mb"]
    return max(1, min(mb * MB, platform_max_file_bytes()))


def quota_bytes(space: Space) -> int | None:
    """The space's total quota in bytes (None: unlimited)."""
    try:
        mb = int(settings(space)["quota_mb"])
    except (TypeError, ValueError):
        mb = DEFAULTS["quota_mb"]
    return mb * MB if mb > 0 else None


def usage(space: Space) -> int:
    """Bytes used by every version of every document (trash included), one query."""
    return int(
        db.session.scalar(
            db.select(db.func.coalesce(db.func.sum(DocumentVersion.size), 0)).where(
                DocumentVersion.space_id == space.id
            )
        )
        or 0
    )


def room_left(space: Space) -> int | None:
    quota = quota_bytes(space)
    return None if quota is None else max(0, quota - usage(space))


def may(user: Any, action: str, space: Space) -> bool:
    return can(user, action, space)


def can_upload(user: Any, space: Space) -> bool:
    return can(user, "documents.upload", space)


def can_manage(user: Any, space: Space) -> bool:
    return can(user, "documents.manage", space)


def can_edit(user: Any, doc: Document | DocFolder) -> bool:
    """Rename, move, trash: its owner (while they may upload) or a manager."""
    space = doc.space
    if can_manage(user, space):
        return True
    owner = doc.owner_id if isinstance(doc, Document) else doc.created_by_id
    return owner is not None and owner == getattr(user, "id", None) and can_upload(user, space)


def can_restore(user: Any, obj: Document | DocFolder) -> bool:
    """Managers, or whoever put their own item in the trash."""
    if can_manage(user, obj.space):
        return True
    uid = getattr(user, "id", None)
    owner = obj.owner_id if isinstance(obj, Document) else obj.created_by_id
    return uid is not None and owner == uid and obj.deleted_by_id == uid and can_upload(user, obj.space)


def locked_for(doc: Document, user: Any) -> bool:
    """Is ``doc`` locked by someone other than ``user``?"""
    return doc.lock_active and doc.lock_owner_id != getattr(user, "id", None)


def shares_enabled(space: Space) -> bool:
    return bool(settings(space).get("share_links"))
