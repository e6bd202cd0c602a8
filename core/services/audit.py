"""Audit log entries for administrative actions."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from ..extensions import db
from ..models import AuditLog


def record(
    action: str,
    *,
    actor: Any = None,
    space: Any = None,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit entry (committed with the caller's transaction)."""
    entry = AuditLog(
        action=action,
        actor_id=getattr(actor, "id", None),
        space_id=getattr(space, "id", None),
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=getattr(target, "id", None),
        details=details or {},
        ip_address=(request.remote_addr or "")[:64] if has_request_context() else "",
    )
    db.session.add(entry)
    return entry
