"""The application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import (
    auth_session,
    coedit,
    errors,
    i18n,
    input_guards,
    realtime,
    search,
    security_headers,
    space_context,
    templating,
)
from .database import init_database
from .extensions import babel, csrf, limiter, login_manager, migrate
from .plugins.manager import build_platform
from .services import widget_cache


def default_instance_path() -> str:
    """``PARVIS_INSTANCE_PATH`` or ``./instance`` in the working directory."""
    return os.environ.get("PARVIS_INSTANCE_PATH") or str(Path.cwd() / "instance")


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Create a Parvis app.

    :param config: overrides applied after defaults, ``instance/config.py`` and
        ``PARVIS_*`` environment variables (tests use it).
    :param instance_path: where the SQLite database, files and secrets live.
    """
    from .config import load_config

    app = Flask(
        "parvis",
        instance_path=os.path.abspath(instance_path or default_instance_path()),
        instance_relative_config=True,
    )
    load_config(app, config)
    _merge_platform_disabled_modules(app)

    platform = build_platform(
        blocked=app.config.get("DISABLED_MODULES", ()),
        extra_plugins=app.config.get("EXTRA_PLUGINS", ()),
        load_entry_points=app.config.get("LOAD_ENTRY_POINTS", True),
    )
    app.extensions["parvis"] = platform

    input_guards.init_app(app)
    init_database(app)
    migrate.init_app(app, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=i18n.translation_directories(platform),
    )

    auth_session.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    security_headers.init_app(app)
    space_context.init_app(app)
    widget_cache.init_app(app)
    _register_blueprints(app)
    search.init_app(app)
    realtime.init_app(app)
    coedit.init_app(app)
    from .cli import register_commands

    register_commands(app)
    platform.hook.parvis_cli_commands(cli=app.cli)
    platform.hook.parvis_app_ready(app=app)
    return app


def _merge_platform_disabled_modules(app: Flask) -> None:
    """Add the modules switched off from the admin page to ``DISABLED_MODULES``."""
    from .models.platform import read_disabled_modules

    stored = read_disabled_modules(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
    if stored:
        current = list(app.config.get("DISABLED_MODULES") or ())
        app.config["DISABLED_MODULES"] = current + [m for m in stored if m not in current]


def _register_blueprints(app: Flask) -> None:
    from .api import api_bp
    from .views.admin import bp as admin_bp
    from .views.auth import bp as auth_bp
    from .views.builder import bp as builder_bp
    from .views.content import bp as content_bp
    from .views.content import init_app as init_content
    from .views.home import bp as home_bp
    from .views.media import bp as media_bp
    from .views.search import bp as search_bp
    from .views.space_export import bp as export_bp
    from .views.spaces import bp as spaces_bp
    from .views.tokens import bp as tokens_bp

    for bp in (
        home_bp, media_bp, export_bp, auth_bp, spaces_bp, admin_bp, api_bp, tokens_bp,
        builder_bp, search_bp,
    ):
        app.register_blueprint(bp)
    app.register_blueprint(content_bp)
    init_content(app)
    platform = app.extensions["parvis"]
    for spec in platform.ordered_modules():
        if spec.blueprint is not None:
            app.register_blueprint(spec.blueprint, url_prefix=f"/s/<space_slug>/{spec.id}")
            platform.blueprint_owners[spec.blueprint.name] = spec.id
        if spec.api_blueprint is not None:
            app.register_blueprint(
                spec.api_blueprint, url_prefix=f"/api/v1/spaces/<space_slug>/{spec.id}"
            )
            platform.blueprint_owners[spec.api_blueprint.name] = spec.id
        if spec.global_blueprint is not None:
            app.register_blueprint(spec.global_blueprint, url_prefix=f"/m/{spec.id}")
            platform.blueprint_owners[spec.global_blueprint.name] = spec.id
