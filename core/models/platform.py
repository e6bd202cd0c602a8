"""Platform-wide settings kept in the database (key -> JSON value).

``disabled_modules`` lists the module entry points switched off from the admin page.
:func:`read_disabled_modules` reads it before the app exists (at start-up, so a
switched-off module is never imported); :func:`switched_off_modules` reads it per
request, so its routes answer 404 at once, before the restart completes the switch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, has_request_context
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

DISABLED_MODULES_KEY = "disabled_modules"


class PlatformSetting(db.Model):
    """One platform-wide setting; ``value`` is any JSON value."""

    __tablename__ = "platform_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @classmethod
    def get_value(cls, key: str, default: Any = None) -> Any:
        """The stored value of ``key``, or ``default``."""
        row = db.session.get(cls, key)
        return default if row is None or row.value is None else row.value

    @classmethod
    def set_value(cls, key: str, value: Any) -> PlatformSetting:
        """Create or replace ``key`` (committed with the caller's transaction)."""
        row = db.session.get(cls, key)
        if row is None:
            row = cls(key=key, value=value)
            db.session.add(row)
        else:
            row.value = value
        if has_request_context():
            g.pop("_switched_off_modules", None)
        return row


def switched_off_modules() -> frozenset[str]:
    """Module ids switched off platform-wide in the database (cached per request)."""
    if has_request_context() and "_switched_off_modules" in g:
        return g._switched_off_modules
    value = PlatformSetting.get_value(DISABLED_MODULES_KEY, [])
    result = frozenset(str(v) for v in value) if isinstance(value, list) else frozenset()
    if has_request_context():
        g._switched_off_modules = result
    return result


def read_disabled_modules(database_uri: str) -> list[str]:
    """Read ``disabled_modules`` straight from the database, before the app is built.

    Tolerates a missing database file or table (fresh install): returns ``[]``.
    """
    import json
    from pathlib import Path

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    if not database_uri:
        return []
    if database_uri.startswith("sqlite"):
        path = database_uri.split("///", 1)[-1] if "///" in database_uri else ""
        if not path or path == ":memory:" or not Path(path).exists():
            return []
    engine = create_engine(database_uri)
    try:
        with engine.connect() as conn:
            raw = conn.execute(
                text("SELECT value FROM platform_settings WHERE key = :key"),
                {"key": DISABLED_MODULES_KEY},
            ).scalar()
    except SQLAlchemyError:
        return []
    finally:
        engine.dispose()
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    return [str(v) for v in raw] if isinstance(raw, list) else []
