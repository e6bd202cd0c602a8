"""The builder's theme tab: theme, accent colour (checked for WCAG AA contrast), banner
and logo; and the small per-space stylesheet that applies the accent colour."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..extensions import db
from ..forms.builder import ThemeForm
from ..services import audit
from ..services.content_errors import ContentError
from ..services.images import delete_image, store_image
from ..services.permissions import can
from ..themes import AA_RATIO, accent_problems, contrast_ratio, discover_themes, theme_colours
from .builder import PREFIX, actor, bp, render, require_builder

#: Space image kinds and the column holding each one's storage key (as in media.py).
SPACE_IMAGES = {"icon": "icon_key", "banner": "banner_key"}


def _theme_page(form: ThemeForm, status: int = 200, problems: list[str] | None = None):  # noqa: ANN202
    themes = discover_themes(current_app)
    palette = {tid: theme_colours(theme) for tid, theme in themes.items()}
    accent = form.accent_color.data or palette.get(form.theme.data or "default", {}).get("accent", "#000091")
    ratios = {}
    colours = palette.get(form.theme.data or "default", {})
    if accent and len(accent) == 7:
        try:
            ratios = {
                "on_accent": contrast_ratio(colours.get("accent-text", "#ffffff"), accent),
                "on_bg": contrast_ratio(accent, colours.get("bg", "#ffffff")),
            }
        except ValueError:
            ratios = {}
    return render("builder/theme.html", status, form=form, themes=themes, palette=palette,
                  problems=problems or [], ratios=ratios, aa=AA_RATIO)


@bp.route(PREFIX + "/theme", methods=["GET", "POST"])
def theme():  # noqa: ANN201
    """Choose the theme and the accent colour; refused (422, with the ratio) when unreadable."""
    require_builder()
    space = g.space
    themes = discover_themes(current_app)
    form = ThemeForm(obj=space)
    form.theme.choices = [(tid, gettext(t.label)) for tid, t in sorted(themes.items())]
    if request.method == "GET" and space.theme not in themes:
        form.theme.data = "default"
    if request.method == "POST":
        if not form.validate():
            return _theme_page(form, 422)
        accent = form.accent_color.data or None
        problems = accent_problems(accent, themes.get(form.theme.data)) if accent else []
        if problems:
            form.accent_color.errors = list(problems)
            return _theme_page(form, 422, problems)
        before = {"theme": space.theme, "accent_color": space.accent_color}
        space.theme = form.theme.data
        space.accent_color = accent
        audit.record("space.theme_changed", actor=actor(), space=space,
                     details={"from": before, "to": {"theme": space.theme, "accent_color": accent}})
        db.session.commit()
        flash(gettext("Theme saved: members see it now."), "success")
        return redirect(url_for("builder.theme", space_slug=space.slug))
    return _theme_page(form)


@bp.post(PREFIX + "/image/<kind>")
def image(kind: str):  # noqa: ANN201
    """Upload or remove the banner or the logo."""
    require_builder()
    column = SPACE_IMAGES.get(kind) or abort(404)
    space = g.space
    if request.form.get("remove"):
        delete_image(getattr(space, column))
        setattr(space, column, None)
        audit.record("space.image_removed", actor=actor(), space=space, details={"kind": kind})
        db.session.commit()
        flash(gettext("Image removed."), "success")
    else:
        try:
            key = store_image(request.files.get("image"), replaces=getattr(space, column))
        except ContentError as exc:
            flash(str(exc), "error")
            return redirect(url_for("builder.theme", space_slug=space.slug)), 303
        setattr(space, column, key)
        audit.record("space.image_changed", actor=actor(), space=space, details={"kind": kind})
        db.session.commit()
        flash(gettext("Image saved."), "success")
    return redirect(url_for("builder.theme", space_slug=space.slug))


@bp.get("/s/<space_slug>/accent.css")
def accent_css():  # noqa: ANN201
    """``:root { --accent: ... }`` for the space (no inline style needed; cached by URL)."""
    accent = g.space.accent_color
    if not can(current_user, "space.read", g.space) and g.space.visibility == "secret":
        abort(404)
    css = f":root {{ --accent: {accent}; }}\n" if accent else ""
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
