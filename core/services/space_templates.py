"""Space templates and space files ("space-as-code").

A *space file* describes a space's composition as JSON (format ``parvis.space/1``)::

    {"format": "parvis.space/1", "label": "...", "description": "...",
     "theme": "default", "accent_color": "#000091" | null,
     "modules": [{"id": "posts", "enabled": true, "settings": {...}}, ...],   # nav order
     "pages": [{"slug": "home", "title": "", "layout": "main-sidebar",
                "placements": [{"region", "widget", "settings"}, ...]}, ...]}

A *template* is the same data with a label: three ship in ``core/space_templates/``;
owners save their space as a template (:class:`~parvis.models.SpaceTemplate`, offered
to themselves; a platform admin may publish it for everyone). :func:`export_space`
writes a space's file, :func:`apply_space_data` applies one to a space, validated.

Strictness: a *template* may name modules or widgets the platform lacks (a module can be
uninstalled): they are skipped. A *file* sent by a person is checked strictly: anything
unknown is refused, naming the path of the problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Space, SpaceTemplate, User
from ..models.composition import HOME_PAGE
from ..plugins.manager import current_platform
from . import audit
from .composition import (
    MAX_BYTES,
    MAX_PAGES,
    Composition,
    CompositionInvalid,
    create_page,
    ensure_home,
    get_page,
    pages_of,
    publish,
    sync_nav,
    validate,
)

FORMAT = "parvis.space/1"
#: Labels of the shipped templates, so the translation catalog has them.
SHIPPED_LABELS = {
    "community-of-practice": (
        _l("Community of practice"),
        _l("Share know-how between peers: news, questions and answers, a wiki of good "
           "practices, events and discussions."),
    ),
    "project-team": (
        _l("Project team"),
        _l("Run a project together: shared documents, a calendar of milestones and meetings, "
           "a project wiki and team discussions."),
    ),
    "network-club": (
        _l("Network or club"),
        _l("Animate a network of members: announcements and news, events, a FAQ for "
           "newcomers and open discussions."),
    ),
}


@dataclass(frozen=True)
class TemplateChoice:
    """A template offered at space creation (``key``: a shipped name or ``user:<id>``)."""

    key: str
    label: str
    description: str
    data: dict[str, Any]
    shipped: bool


def _shipped_folder() -> Path:
    return Path(str(resources.files("parvis") / "space_templates"))


def shipped_templates() -> dict[str, TemplateChoice]:
    """The templates shipped in ``core/space_templates/*.json``, by key."""
    cache = current_app.extensions.get("parvis.space_templates")
    if cache is not None:
        return cache
    found: dict[str, TemplateChoice] = {}
    for path in sorted(_shipped_folder().glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            current_app.logger.warning("invalid space template %s", path)
            continue
        label, description = SHIPPED_LABELS.get(path.stem, (data.get("label", path.stem), data.get("description", "")))
        found[path.stem] = TemplateChoice(path.stem, label, description, data, True)
    current_app.extensions["parvis.space_templates"] = found
    return found


def available_templates(user: User | None) -> list[TemplateChoice]:
    """Templates ``user`` may start a space from: shipped ones, published ones, their own."""
    choices = list(shipped_templates().values())
    if user is None or not getattr(user, "is_authenticated", False):
        return choices
    rows = db.session.scalars(
        db.select(SpaceTemplate)
        .where(db.or_(SpaceTemplate.published.is_(True), SpaceTemplate.owner_id == user.id))
        .order_by(SpaceTemplate.label, SpaceTemplate.id)
        .limit(200)
    )
    choices += [
        TemplateChoice(f"user:{row.id}", row.label, row.description, row.data, False) for row in rows
    ]
    return choices


def find_template(key: str | None, user: User | None = None) -> TemplateChoice | None:
    """The template ``key`` if it exists (and ``user`` may use it, for saved ones)."""
    if not key:
        return None
    if key in shipped_templates():
        return shipped_templates()[key]
    if key.startswith("user:") and key[5:].isdigit() and len(key) < 16:
        row = db.session.get(SpaceTemplate, int(key[5:]))
        if row is not None and (row.published or user is None or row.owner_id == getattr(user, "id", None)):
            return TemplateChoice(key, row.label, row.description, row.data, False)
    return None


# -- validation ------------------------------------------------------------------------


def validate_space_data(data: Any, *, strict: bool) -> dict[str, Any]:
    """Check a space file; return the cleaned data or raise :class:`CompositionInvalid`."""
    from ..themes import accent_problems, discover_themes

    if not isinstance(data, dict):
        raise CompositionInvalid({"_schema": [gettext("A space file is a JSON object.")]})
    if len(json.dumps(data, default=str)) > MAX_BYTES * 4:
        raise CompositionInvalid({"_schema": [gettext("The space file is too large.")]})
    errors: dict[str, list[str]] = {}
    if data.get("format", FORMAT) != FORMAT:
        errors["format"] = [gettext("Unknown format; expected %(format)s.", format=FORMAT)]
    platform = current_platform()
    themes = discover_themes(current_app)
    theme = data.get("theme") or "default"
    if theme not in themes:
        if strict:
            errors["theme"] = [gettext("Unknown theme %(id)s.", id=repr(theme)[:70])]
        theme = "default"
    accent = data.get("accent_color")
    if accent is not None:
        if not (isinstance(accent, str) and len(accent) == 7 and accent[0] == "#"
                and all(c in "0123456789abcdefABCDEF" for c in accent[1:])):
            errors["accent_color"] = [gettext("Use the #rrggbb form, for example #000091.")]
        else:
            accent = accent.lower()
            problems = accent_problems(accent, themes.get(theme))
            if problems:
                errors["accent_color"] = problems
    modules: list[dict[str, Any]] = []
    raw_modules = data.get("modules", [])
    if not isinstance(raw_modules, list):
        errors["modules"] = [gettext("Modules must be a list.")]
        raw_modules = []
    for index, item in enumerate(raw_modules[:100]):
        path = f"modules.{index}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            errors[path] = [gettext("Each module is an object with an id.")]
            continue
        spec = platform.module(item["id"])
        if spec is None:
            if strict:
                errors[f"{path}.id"] = [gettext("Module %(id)s is not installed.", id=repr(item["id"])[:70])]
            continue
        settings = item.get("settings") or {}
        if settings:
            from ..api.endpoint import ApiError
            from ..api.views.modules import validate_settings

            try:
                settings = validate_settings(spec, dict(spec.settings_defaults), settings)
            except ApiError as exc:
                for key, messages in (exc.fields or {}).items():
                    errors[f"{path}.{key}"] = messages
                continue
        modules.append({"id": spec.id, "enabled": bool(item.get("enabled", True)), "settings": settings})
    pages: list[dict[str, Any]] = []
    raw_pages = data.get("pages", [])
    if not isinstance(raw_pages, list) or len(raw_pages) > MAX_PAGES:
        errors["pages"] = [gettext("Pages must be a list of at most %(n)s pages.", n=MAX_PAGES)]
        raw_pages = []
    for index, item in enumerate(raw_pages):
        path = f"pages.{index}"
        if not isinstance(item, dict):
            errors[path] = [gettext("Each page is a JSON object.")]
            continue
        slug = item.get("slug") or HOME_PAGE
        title = str(item.get("title") or "")[:120]
        if slug != HOME_PAGE and not title.strip():
            errors[f"{path}.title"] = [gettext("Give the page a title.")]
            continue
        comp = {"layout": item.get("layout"), "placements": item.get("placements", [])}
        if not strict and isinstance(comp["placements"], list):
            comp["placements"] = [
                p for p in comp["placements"]
                if isinstance(p, dict) and p.get("widget") in platform.widgets
            ]
        try:
            cleaned = validate(comp)
        except CompositionInvalid as exc:
            for key, messages in exc.errors.items():
                errors[f"{path}.{key}"] = messages
            continue
        pages.append({"slug": str(slug)[:64], "title": title, **cleaned.as_dict()})
    if errors:
        raise CompositionInvalid(errors)
    return {"format": FORMAT, "theme": theme, "accent_color": accent, "modules": modules, "pages": pages}


# -- applying and exporting ------------------------------------------------------------


def apply_space_data(space: Space, data: dict[str, Any], actor: User, *, strict: bool = False) -> None:
    """Apply a (validated here) space file to ``space``: modules, theme, pages."""
    from .spaces import forget_enabled_modules, module_states, set_module_enabled

    cleaned = validate_space_data(data, strict=strict)
    space.theme = cleaned["theme"]
    space.accent_color = cleaned["accent_color"]
    states = {spec.id: row for spec, row in module_states(space)}
    listed = [m["id"] for m in cleaned["modules"]]
    order = listed + [mid for mid in states if mid not in listed]
    for position, module_id in enumerate(order):
        states[module_id].position = position
    for item in cleaned["modules"]:
        set_module_enabled(space, item["id"], item["enabled"], actor)
        if item["settings"]:
            states[item["id"]].settings = {**(states[item["id"]].settings or {}), **item["settings"]}
    forget_enabled_modules()
    for page in cleaned["pages"]:
        comp = Composition(page["layout"], page["placements"])
        if page["slug"] == HOME_PAGE:
            home = ensure_home(space)
            publish(space, HOME_PAGE, comp, home.lock, actor, note=gettext("Applied a space file"))
        else:
            row = get_page(space, page["slug"]) or create_page(space, page["title"], actor)
            publish(space, row.slug, comp, row.lock, actor, note=gettext("Applied a space file"))
    sync_nav(space)
    audit.record("space.file_applied", actor=actor, space=space, details={"pages": len(cleaned["pages"])})


def export_space(space: Space) -> dict[str, Any]:
    """``space``'s composition as a space file (modules, theme, pages: published versions)."""
    from .composition import home_composition, published_composition
    from .spaces import module_states

    modules = [
        {"id": spec.id, "enabled": row.enabled, "settings": dict(row.settings or {})}
        for spec, row in module_states(space)
    ]
    pages = []
    home = home_composition(space)
    pages.append({"slug": HOME_PAGE, "title": "", **_strip_ids(home.as_dict())})
    for page in pages_of(space):
        if page.is_home:
            continue
        found = published_composition(space, page.slug)
        if found is not None:
            pages.append({"slug": page.slug, "title": page.title, **_strip_ids(found[1].as_dict())})
    return {
        "format": FORMAT,
        "label": space.name,
        "description": space.description[:500],
        "theme": space.theme or "default",
        "accent_color": space.accent_color,
        "modules": modules,
        "pages": pages,
    }


def _strip_ids(comp: dict[str, Any]) -> dict[str, Any]:
    comp["placements"] = [
        {k: v for k, v in p.items() if k != "id"} for p in comp["placements"]
    ]
    return comp


def save_as_template(space: Space, label: str, description: str, owner: User) -> SpaceTemplate:
    """Save ``space``'s composition as a template of ``owner`` (not published)."""
    from .spaces import SpaceError, slugify

    label = (label or "").strip()[:120]
    if not label:
        raise SpaceError(gettext("Give the template a name."), "label")
    data = export_space(space)
    data["label"] = label
    data["description"] = (description or "")[:2000]
    base = f"{owner.id}-{slugify(label)[:40] or 'template'}"
    key, n = base, 2
    while db.session.scalar(db.select(SpaceTemplate.id).filter_by(key=key)) is not None:
        key, n = f"{base}-{n}", n + 1
    row = SpaceTemplate(key=key, label=label, description=data["description"], data=data, owner_id=owner.id)
    db.session.add(row)
    db.session.flush()
    audit.record("space.template_saved", actor=owner, space=space, details={"template": row.id})
    return row
