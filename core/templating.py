"""Jinja set-up: theme overrides first, template globals, filters and slots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request, url_for
from flask_babel import format_datetime, get_locale, gettext
from flask_login import current_user
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from . import labels
from .plugins.manager import current_platform
from .services.markdown import mentioned_usernames, render_markdown
from .services.permissions import can, space_role
from .themes import theme_template_folders


def init_app(app: Flask) -> None:
    core_templates = Path(__file__).parent / "templates"
    folders = [str(f) for f in theme_template_folders(app)] + [str(core_templates)]
    app.jinja_loader = ChoiceLoader([FileSystemLoader(folders)])
    app.jinja_env.globals.update(
        can=can,
        space_role=space_role,
        template_slot=template_slot,
        space_nav=space_nav,
        static_asset=static_asset,
        get_locale=get_locale,
    )
    labels.init_app(app)
    app.jinja_env.filters["markdown"] = markdown_filter
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["isodate"] = lambda value: value.isoformat() if value else ""
    app.context_processor(_context)
    app.add_url_rule("/themes/<theme>.css", "theme_css", theme_css)


def _context() -> dict[str, Any]:
    from .services.notifications import unread_count

    return {
        "current_space": g.get("space"),
        "site_name": current_app.config["SITE_NAME"],
        "unread_notifications": unread_count(current_user)
        if current_user.is_authenticated
        else 0,
    }


def markdown_filter(text: str | None) -> Markup:
    """The ``|markdown`` filter: sanitised HTML, @mentions linked (one query per text)."""
    if text:
        prime_mentions(mentioned_usernames(text))
    return render_markdown(text, mention_url=mention_url)


def prime_mentions(usernames: set[str] | list[str]) -> None:
    """Look up every not-yet-cached ``@handle`` in one query (fills the per-request cache)."""
    from .extensions import db
    from .models import User

    cache = g.setdefault("_mention_cache", {})
    missing = {u.lower() for u in usernames} - cache.keys()
    if not missing:
        return
    rows = dict(
        db.session.execute(
            db.select(User.username, User.id).filter(User.username.in_(missing))
        ).all()
    )
    for handle in missing:
        user_id = rows.get(handle)
        cache[handle] = url_for("auth.profile", user_id=user_id) if user_id else None


def mention_url(username: str) -> str | None:
    """Profile URL of ``username`` when that user exists (used by the markdown filter)."""
    from .extensions import db
    from .models import User

    cache = g.setdefault("_mention_cache", {})
    if username not in cache:
        user_id = db.session.scalar(db.select(User.id).filter_by(username=username))
        cache[username] = url_for("auth.profile", user_id=user_id) if user_id else None
    return cache[username]


def template_slot(slot: str, **context: Any) -> Markup:
    """Join what every module's ``parvis_template_slot`` returns for ``slot``."""
    parts = current_platform().hook.parvis_template_slot(slot=slot, context=context)
    # Plain strings are escaped: a module that returns HTML must return Markup.
    return Markup("").join(p for p in parts if p)


def render_fragment(template: str, **context: Any) -> Markup:
    """Render an HTML fragment (a widget, a partial) as Markup; Jinja autoescapes it."""
    from flask import render_template

    return Markup(render_template(template, **context))  # noqa: S704 - autoescaped template


def space_nav(space: Any) -> list[dict[str, Any]]:
    """Navigation of ``space``: its home, then enabled modules' entries in space order."""
    from .services.spaces import enabled_modules

    items = [
        {
            "label": gettext("Home"),
            "url": url_for("spaces.home", space_slug=space.slug),
            "active": request.endpoint == "spaces.home",
            "icon": "home",
        }
    ]
    for extra in space.nav_pages or ():  # composed pages (builder), no query
        items.append({
            "label": extra["title"],
            "url": url_for("spaces.page", space_slug=space.slug, page_slug=extra["slug"]),
            "active": request.endpoint == "spaces.page"
            and (request.view_args or {}).get("page_slug") == extra["slug"],
            "icon": "page",
        })
    for spec, _state in enabled_modules(space):
        for entry in sorted(spec.nav, key=lambda e: e.order):
            items.append(
                {
                    "label": labels.translate(entry.label),
                    "url": url_for(entry.endpoint, space_slug=space.slug),
                    "active": request.blueprint == (spec.blueprint.name if spec.blueprint else None),
                    "icon": entry.icon or spec.icon,
                }
            )
    items.append(
        {
            "label": gettext("Members"),
            "url": url_for("spaces.members", space_slug=space.slug),
            "active": request.endpoint == "spaces.members",
            "icon": "people",
        }
    )
    return items


def static_asset(filename: str) -> str:
    return url_for("static", filename=filename)


def theme_css(theme: str):  # noqa: ANN201
    """Serve a theme's CSS (custom properties) with a long cache."""
    from flask import Response, abort

    from .themes import discover_themes

    found = discover_themes(current_app).get(theme) or abort(404)
    response = Response(found.css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
