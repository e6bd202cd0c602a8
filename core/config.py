"""Configuration: defaults, then ``instance/config.py``, then ``PARVIS_*`` variables."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "SITE_NAME": "Parvis",
    "SQLALCHEMY_DATABASE_URI": None,  # computed: SQLite in the instance folder
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "REGISTRATION_OPEN": True,
    "SPACE_AUTO_APPROVE": False,
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
    "LANGUAGES": ["fr", "en"],
    "MAIL_BACKEND": "file",  # file | console | smtp | memory
    "MAIL_FROM": "parvis@localhost",
    "MAIL_SMTP_HOST": "localhost",
    "MAIL_SMTP_PORT": 25,
    "MAIL_SMTP_USER": None,
    "MAIL_SMTP_PASSWORD": None,
    "MAIL_SMTP_TLS": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 14,
    "WTF_CSRF_TIME_LIMIT": None,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "10 per minute",
    "RATELIMIT_PASSWORD_RESET": "5 per hour",
    "DISABLED_MODULES": [],  # platform-wide switched-off modules (never imported)
    "INVITATION_DAYS": 14,
    "PASSWORD_RESET_HOURS": 2,
    "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
    "REDIS_URL": None,
    # Real time (Socket.IO, see docs/realtime.md). The message queue defaults to REDIS_URL.
    "REALTIME_ENABLED": True,
    "REALTIME_MAX_EVENT_BYTES": 16384,
    "REALTIME_RATE_LIMIT_ENABLED": True,
    "REALTIME_PROPAGATE_EXCEPTIONS": False,
    "SOCKETIO_MESSAGE_QUEUE": None,
    "SOCKETIO_ASYNC_MODE": "threading",  # or "gevent" (docs/realtime.md, "Concurrency")
    "SOCKETIO_CHANNEL": "parvis-socketio",
    "SOCKETIO_CORS_ALLOWED_ORIGINS": None,  # None: same origin only
    "SOCKETIO_PING_INTERVAL": 25,
    "SOCKETIO_PING_TIMEOUT": 20,
    "SOCKETIO_LOGGER": False,
    # Live co-editing (docs/coedit.md).
    "COEDIT_MAX_UPDATE_BYTES": 262144,  # largest decoded update accepted
    "COEDIT_COMPACT_UPDATES": 200,  # compact once the log since the snapshot has this many rows
    "COEDIT_COMPACT_BYTES": 1048576,  # ... or this many bytes
    "COEDIT_IDLE_SECONDS": 20,  # cut a revision after this long without an update
    "COEDIT_UNLOAD_SECONDS": 300,  # drop a document nobody joined from memory after this long
    "COEDIT_SWEEP_SECONDS": 5,  # background sweep interval; 0: no background task
    # Rendered widgets kept per process (docs/builder.md, "Widget cache"); 0: off.
    "WIDGET_CACHE_SIZE": 2048,
    "PREFERRED_URL_SCHEME": "http",
    # Search (docs/search.md): "whoosh" (embedded, default) or "postgres".
    "SEARCH_BACKEND": "whoosh",
    "SEARCH_INDEX_DIR": None,  # whoosh index folder; default: instance/search-index
    "SEARCH_QUEUE": None,  # "thread" (default) or "manual" (default when TESTING)
}

#: Environment variables whose Flask key differs from the name after ``PARVIS_``.
ENV_ALIASES = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}


def _coerce(raw: str, current: Any) -> Any:
    """Turn an environment string into the type of the default it replaces."""
    if isinstance(current, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int) and not isinstance(current, bool):
        return int(raw)
    if isinstance(current, list):
        raw = raw.strip()
        if raw.startswith("["):
            return json.loads(raw)
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` in order: defaults, instance/config.py, environment, overrides."""
    app.config.update(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name, raw in os.environ.items():
        if not name.startswith("PARVIS_") or name in {"PARVIS_INSTANCE_PATH"}:
            continue
        key = name.removeprefix("PARVIS_")
        key = ENV_ALIASES.get(key, key)
        app.config[key] = _coerce(raw, app.config.get(key))
    if overrides:
        app.config.update(overrides)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'parvis.db'}"
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        # Several workers must share their counters.
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)
    app.config.setdefault("MAIL_DIR", str(instance / "mail"))


def _instance_secret(instance: Path) -> str:
    """Read (or create once) a random secret key kept in the instance folder."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
