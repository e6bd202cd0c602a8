"""Data portability: a space's data as one ZIP archive.

The archive holds ``space.json`` (the space and its members), one
``modules/<id>.json`` per installed module that answers the
``parvis_export_space`` hook (switched-off modules included: their data is kept),
``attachments.json`` and every attached file under ``attachments/``.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from typing import Any

from ..extensions import db
from ..models import Attachment, Membership, Space
from ..plugins.manager import current_platform
from ..storage import get_storage
from ..storage.base import StorageError


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


def space_summary(space: Space) -> dict[str, Any]:
    """The space's own fields and its members (one query for the members)."""
    members = db.session.scalars(
        db.select(Membership)
        .filter_by(space_id=space.id)
        .options(db.joinedload(Membership.user))
        .order_by(Membership.id)
    ).all()
    return {
        "slug": space.slug,
        "name": space.name,
        "description": space.description,
        "visibility": space.visibility,
        "join_policy": space.join_policy,
        "status": space.status,
        "created_at": space.created_at,
        "members": [
            {"name": m.user.name, "email": m.user.email, "role": m.role, "since": m.created_at}
            for m in members
        ],
    }


def module_exports(space: Space) -> dict[str, Any]:
    """``{module_id: data}`` for every installed module that exports something."""
    platform = current_platform()
    result: dict[str, Any] = {}
    for spec in platform.ordered_modules():
        parts = [
            part
            for part in platform.hook.parvis_export_space(space=space, module_id=spec.id)
            if part is not None
        ]
        if parts:
            result[spec.id] = parts[0] if len(parts) == 1 else parts
    return result


def build_space_archive(space: Space) -> bytes:
    """The whole export of ``space`` as ZIP bytes."""
    buffer = io.BytesIO()
    storage = get_storage()
    attachments = db.session.scalars(
        db.select(Attachment).filter_by(space_id=space.id).order_by(Attachment.id)
    ).all()
    index = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("space.json", _dump(space_summary(space)))
        for module_id, data in module_exports(space).items():
            archive.writestr(f"modules/{module_id}.json", _dump(data))
        for att in attachments:
            name = f"attachments/{att.id}-{att.filename}"
            entry = {
                "id": att.id,
                "file": name,
                "filename": att.filename,
                "content_type": att.content_type,
                "size": att.size,
                "target_type": att.target_type,
                "target_id": att.target_id,
                "created_at": att.created_at,
            }
            try:
                with storage.open(att.storage_key) as stream:
                    archive.writestr(name, stream.read())
            except (StorageError, OSError):
                entry["missing"] = True
            index.append(entry)
        archive.writestr("attachments.json", _dump(index))
    return buffer.getvalue()
