"""The space builder (``/s/<space>/builder``): modules, pages, theme, history, space files.

Every action is a plain form (post/redirect/get) so the builder works without
JavaScript; ``core/static/js/builder.js`` only adds drag and drop, which posts the whole
composition to :func:`parvis.views.builder_page.save_json`. The page canvas lives in
:mod:`.builder_page`, the theme tab in :mod:`.builder_theme`, the pages list and space
files in :mod:`.builder_pages`; all add routes to this blueprint.

Who: ``space.settings`` (space admins and owners by default) for pages and theme,
``space.modules`` for the modules tab. Members and outsiders get 403 (they may know the
space exists); the space guard answers 404 for secret spaces first.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from ..models import User
from ..services.composition import StaleComposition
from ..services.permissions import can
from ..services.spaces import module_states

bp = Blueprint("builder", __name__)

PREFIX = "/s/<space_slug>/builder"


def actor() -> User:
    """The signed-in user (the real object)."""
    return current_user._get_current_object()


def require_builder() -> None:
    """403 unless the user may edit the space's pages and theme."""
    if not can(current_user, "space.settings", g.space):
        abort(403)


def tabs() -> list[dict[str, Any]]:
    """The builder's tabs the current user may open."""
    space, user = g.space, current_user
    items = []
    if can(user, "space.settings", space):
        items.append({"endpoint": "builder.page", "label": gettext("Page"), "args": {"page_slug": "home"}})
        items.append({"endpoint": "builder.pages", "label": gettext("Pages"), "args": {}})
    if can(user, "space.modules", space):
        items.append({"endpoint": "builder.modules", "label": gettext("Modules"), "args": {}})
    if can(user, "space.settings", space):
        items.append({"endpoint": "builder.theme", "label": gettext("Theme"), "args": {}})
        items.append({"endpoint": "builder.space_file", "label": gettext("Export and templates"), "args": {}})
    return items


def render(template: str, status: int = 200, **context: Any):  # noqa: ANN201
    """Render a builder page with the space and the tabs."""
    return render_template(template, space=g.space, tabs=tabs(), **context), status


def stale(exc: StaleComposition, back: str):  # noqa: ANN201
    """409: someone else saved in between; nothing was written."""
    return render("builder/stale.html", 409, message=str(exc), back=back)


@bp.get(PREFIX)
@bp.get(PREFIX + "/")
def index():  # noqa: ANN201
    """Open the first tab the user may use."""
    if can(current_user, "space.settings", g.space):
        return redirect(url_for("builder.page", space_slug=g.space.slug, page_slug="home"))
    if can(current_user, "space.modules", g.space):
        return redirect(url_for("builder.modules", space_slug=g.space.slug))
    abort(403)


@bp.get(PREFIX + "/modules")
def modules():  # noqa: ANN201
    """Every installed module: on/off, navigation order, settings and permissions.

    The forms post to the settings' modules page (one implementation), which sends the
    user back here (``back=builder``).
    """
    if not can(current_user, "space.modules", g.space):
        abort(403)
    from ..extensions import db

    states = module_states(g.space)
    db.session.commit()  # rows created for modules installed after the space
    return render("builder/modules.html", states=states)


from . import builder_page, builder_pages, builder_theme  # noqa: E402, F401  (routes on this blueprint)
