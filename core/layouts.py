"""Page layouts of a space home, and rendering a composition of widgets into one.

A layout is a folder ``<name>/`` holding ``layout.json``::

    {"label": "Main column and sidebar",
     "regions": [{"id": "main", "label": "Main column", "receives": ["top", "main"]},
                 {"id": "sidebar", "label": "Sidebar", "receives": ["side"]}]}

and ``layout.html``, a Jinja template that receives ``regions`` (region id -> list of
rendered widget HTML, already safe), ``space`` and ``layout``. Layout folders are
found through the ``parvis_layouts`` hook (the core returns the top-level ``layouts/``
package); when two folders ship the same name, the first answer of the hook wins (a
plugin registered after the core overrides the core's layout).

``receives`` (optional) names the roles a region takes in the default composition:
``top`` (the space description), ``main`` (one widget per enabled module) and ``side``
(members, activity). A role no region receives goes to the first region.

Loading: the layout templates are not on the app's template path (a layout named
``base`` must not shadow ``base.html``). Each app gets an *overlay* of its Jinja
environment (same globals, filters, i18n and autoescaping) whose loader maps
``<name>/layout.html`` to that layout's folder only (a ``PrefixLoader``). It is built
once per app and kept in ``app.extensions["parvis.layouts"]``.

A composition is data: a list of placements ``{"region": ..., "widget": ...,
"settings": {...}}``. :func:`default_composition` computes one for a space; the
builder stores published compositions (:mod:`parvis.services.composition`).
:func:`render_composition` batch-loads each widget type's data (``WidgetSpec.load``),
then renders each placement with the widget's ``render``; a widget that raises becomes
a small error box for the space's admins and is left out for members, never a 500.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from jinja2 import Environment, FileSystemLoader, PrefixLoader
from markupsafe import Markup, escape

from .extensions import db
from .plugins.manager import current_platform
from .plugins.spec import WidgetContext, WidgetSpec
from .templating import render_fragment

DEFAULT_LAYOUT = "main-sidebar"
ROLES = ("top", "main", "side")


@dataclass(frozen=True)
class Region:
    """A named area of a layout."""

    id: str
    label: str
    receives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """A layout found on disk."""

    id: str
    label: str
    regions: tuple[Region, ...]
    folder: Path

    @property
    def region_ids(self) -> list[str]:
        return [r.id for r in self.regions]

    def region_for(self, role: str) -> str:
        """The region that receives ``role`` in a default composition (else the first)."""
        for region in self.regions:
            if role in region.receives:
                return region.id
        for region in self.regions:
            if region.id == role:
                return region.id
        return self.regions[0].id


@dataclass
class _Registry:
    layouts: dict[str, Layout]
    env: Environment


def _load_layout(folder: Path) -> Layout | None:
    manifest = folder / "layout.json"
    if not manifest.is_file() or not (folder / "layout.html").is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        regions = tuple(
            Region(
                id=str(r["id"]),
                label=str(r.get("label", r["id"])),
                receives=tuple(str(x) for x in r.get("receives", ())),
            )
            for r in data.get("regions", ())
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        current_app.logger.warning("invalid layout manifest %s", manifest)
        return None
    if not regions:
        return None
    return Layout(id=folder.name, label=str(data.get("label", folder.name)), regions=regions, folder=folder)


def _registry(app: Flask | None = None) -> _Registry:
    app = app or current_app._get_current_object()
    registry = app.extensions.get("parvis.layouts")
    if registry is not None:
        return registry
    layouts: dict[str, Layout] = {}
    for batch in app.extensions["parvis"].hook.parvis_layouts():
        for root in batch or ():
            root = Path(root)
            if not root.is_dir():
                continue
            for folder in sorted(p for p in root.iterdir() if p.is_dir()):
                if folder.name in layouts:
                    continue
                layout = _load_layout(folder)
                if layout is not None:
                    layouts[layout.id] = layout
    loader = PrefixLoader({lid: FileSystemLoader(str(lay.folder)) for lid, lay in layouts.items()})
    registry = _Registry(layouts=layouts, env=app.jinja_env.overlay(loader=loader))
    app.extensions["parvis.layouts"] = registry
    return registry


def discover_layouts() -> dict[str, Layout]:
    """Every layout of the current app, by id."""
    return dict(_registry().layouts)


def get_layout(layout_id: str | None) -> Layout:
    """The layout ``layout_id``, else the default one, else any (never None while one exists)."""
    layouts = _registry().layouts
    for candidate in (layout_id, DEFAULT_LAYOUT, "one-column"):
        if candidate and candidate in layouts:
            return layouts[candidate]
    if not layouts:
        raise LookupError("no layout installed")
    return next(iter(layouts.values()))


def default_composition(space: Any, layout: Layout | None = None) -> list[dict[str, Any]]:
    """The description on top, each enabled module's first widget, then members and activity.

    Regions are resolved for ``layout`` (the ``main-sidebar`` ids when None).
    """
    from .services.spaces import enabled_modules

    def region(role: str) -> str:
        if layout is not None:
            return layout.region_for(role)
        return "sidebar" if role == "side" else "main"

    platform = current_platform()
    placements: list[dict[str, Any]] = [
        {"region": region("top"), "widget": "core.description", "settings": {}}
    ]
    for spec, _state in enabled_modules(space):
        for widget in spec.widgets:
            if widget.id in platform.widgets:
                placements.append({"region": region("main"), "widget": widget.id, "settings": {}})
                break
    for widget_id in ("core.members", "core.activity"):
        placements.append({"region": region("side"), "widget": widget_id, "settings": {}})
    return placements


def _may_see_errors(space: Any, user: Any) -> bool:
    """Space admins (and platform admins) see a broken widget's error box; members don't."""
    from .services.permissions import can

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_platform_admin", False) or can(user, "space.settings", space))


def _failed(widget: WidgetSpec, space: Any, user: Any, stage: str) -> Markup:
    current_app.logger.exception(
        "widget %s failed (%s) in space %s", widget.id, stage, getattr(space, "slug", "?")
    )
    db.session.rollback()  # a failed query leaves PostgreSQL's transaction aborted
    if _may_see_errors(space, user):
        return render_fragment("spaces/widget_error.html", widget=widget)
    return Markup("")


def render_widget(
    widget: WidgetSpec, space: Any, settings: dict[str, Any], user: Any,
    ctx: WidgetContext | None = None,
) -> Markup:
    """Render one widget; if it raises, log it and return a small error box (admins) or nothing."""
    if ctx is None:
        ctx = WidgetContext(space=space, settings={**widget.defaults, **(settings or {})}, user=user)
        if widget.load is not None:
            try:
                widget.load([ctx])
            except Exception:  # noqa: BLE001 - a broken widget must not break the page
                return _failed(widget, space, user, "load")
    try:
        html = widget.render(ctx)
    except Exception:  # noqa: BLE001 - a broken widget must not break the page
        return _failed(widget, space, user, "render")
    return html if isinstance(html, Markup) else escape(html or "")


def visible_placements(space: Any, placements: list[dict[str, Any]]) -> list[tuple[dict[str, Any], WidgetSpec]]:
    """The placements whose widget is installed and whose module is on in ``space``."""
    from .services.spaces import enabled_modules

    platform = current_platform()
    enabled = {spec.id for spec, _state in enabled_modules(space)}
    result = []
    for placement in placements:
        widget = platform.widgets.get(str(placement.get("widget", "")))
        if widget is None or (widget.module_id is not None and widget.module_id not in enabled):
            continue
        result.append((placement, widget))
    return result


def render_composition(
    space: Any, layout: Layout, placements: list[dict[str, Any]], user: Any = None
) -> Markup:
    """Render ``placements`` into ``layout``.

    Unknown widgets and widgets of modules switched off in the space are skipped; a
    placement in a region the layout lacks goes to the layout's first region. A widget
    that declares ``cache_ttl`` is taken from the fragment cache while the space is
    unchanged (:mod:`parvis.services.widget_cache`). The others' data is loaded first,
    one ``WidgetSpec.load`` call per widget type with every placement of that widget,
    so a page issues a bounded number of queries whatever its size.
    """
    from .services.widget_cache import fragment_cache, fragment_key, viewer_key

    regions: dict[str, list[Markup]] = {r.id: [] for r in layout.regions}
    first = layout.regions[0].id
    visible = visible_placements(space, placements)
    cache = fragment_cache()
    viewer = viewer_key(space, user) if cache is not None else ()
    html_of: dict[int, Markup] = {}
    keys: dict[int, Any] = {}
    contexts: dict[int, WidgetContext] = {}
    groups: dict[str, list[WidgetContext]] = {}
    for index, (placement, widget) in enumerate(visible):
        settings = {**widget.defaults, **(placement.get("settings") or {})}
        if cache is not None and widget.cache_ttl:
            key = fragment_key(space, widget.id, settings, viewer)
            cached = cache.get(key) if key is not None else None
            if cached is not None:
                html_of[index] = cached
                continue
            keys[index] = key
        ctx = WidgetContext(space=space, settings=settings, user=user)
        contexts[index] = ctx
        if widget.load is not None:
            groups.setdefault(widget.id, []).append(ctx)
    failed: set[str] = set()
    errors: dict[str, Markup] = {}
    platform = current_platform()
    for widget_id, group in groups.items():
        try:
            platform.widgets[widget_id].load(group)
        except Exception:  # noqa: BLE001 - a broken widget must not break the page
            failed.add(widget_id)
            errors[widget_id] = _failed(platform.widgets[widget_id], space, user, "load")
    for index, ctx in contexts.items():
        widget = visible[index][1]
        if widget.id in failed:
            html_of[index] = errors[widget.id]
            continue
        try:
            html = widget.render(ctx)
        except Exception:  # noqa: BLE001 - a broken widget must not break the page
            html_of[index] = _failed(widget, space, user, "render")
            continue  # and retried on the next view: never cached
        html = html if isinstance(html, Markup) else escape(html or "")
        html_of[index] = html
        key = keys.get(index)
        if key is not None:
            cache.put(key, html, widget.cache_ttl)
    for index, (placement, _widget) in enumerate(visible):
        html = html_of.get(index)
        region = placement.get("region")
        if html:
            regions[region if region in regions else first].append(html)
    template = _registry().env.get_template(f"{layout.id}/layout.html")
    return Markup(template.render(regions=regions, space=space, layout=layout))  # noqa: S704 - autoescaped
