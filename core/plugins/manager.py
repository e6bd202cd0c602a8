"""One plugin manager per app: discovery, blocking and the registry of module specs."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pluggy
from flask import current_app

from . import hookspecs
from .spec import ContentType, ModuleSpec, WidgetSpec

ENTRY_POINT_GROUP = "parvis.modules"
hookimpl = pluggy.HookimplMarker("parvis")


@dataclass
class Platform:
    """The app's view of its installed modules (``app.extensions['parvis']``)."""

    pm: pluggy.PluginManager
    modules: dict[str, ModuleSpec] = field(default_factory=dict)
    widgets: dict[str, WidgetSpec] = field(default_factory=dict)
    blocked: frozenset[str] = frozenset()
    #: Full blueprint name (``posts``, ``api.posts_api``) -> module id, filled at start-up.
    blueprint_owners: dict[str, str] = field(default_factory=dict)
    content_types: dict[str, ContentType] = field(default_factory=dict)

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def module(self, module_id: str) -> ModuleSpec | None:
        return self.modules.get(module_id)

    def content_type(self, type_id: str) -> ContentType | None:
        """The content type ``posts.post`` etc., if its module is installed."""
        return self.content_types.get(type_id)

    def ordered_modules(self) -> list[ModuleSpec]:
        """Installed modules sorted by their declared order, then id (stable for menus)."""
        return sorted(self.modules.values(), key=lambda m: (m.order, m.id))

    def installed_entry_points(self) -> list[str]:
        """Names of every module entry point, blocked ones included."""
        from importlib.metadata import entry_points

        return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def _blocked_dotted_name(pm: pluggy.PluginManager, dotted: str) -> bool:
    """Is ``pkg.<id>`` or ``pkg.<id>.plugin`` blocked? (the module id is the package name)"""
    parts = dotted.split(".")
    candidates = {parts[-1]}
    if parts[-1] == "plugin" and len(parts) > 1:
        candidates.add(parts[-2])
    return any(pm.is_blocked(c) for c in candidates)


def _unregister_blocked_specs(pm: pluggy.PluginManager, blocked: frozenset[str]) -> None:
    """A plugin registered under another name whose module id is blocked contributes nothing
    (no hook of it runs, not only its spec)."""
    for impl in list(pm.hook.parvis_module.get_hookimpls()):
        spec = impl.function()
        if spec is not None and spec.id in blocked:
            pm.unregister(impl.plugin)


def _load(plugin: str | ModuleType | object) -> object:
    return importlib.import_module(plugin) if isinstance(plugin, str) else plugin


def build_platform(
    *,
    blocked: Iterable[str] = (),
    extra_plugins: Iterable[str | ModuleType | object] = (),
    load_entry_points: bool = True,
) -> Platform:
    """Create a fresh plugin manager, load modules and collect their specs.

    Blocked module ids are never imported (pluggy skips blocked entry-point names).
    """
    pm = pluggy.PluginManager("parvis")
    pm.add_hookspecs(hookspecs)
    from .. import core_plugin

    pm.register(core_plugin, name="parvis.core")
    blocked = frozenset(blocked)
    for name in blocked:
        pm.set_blocked(name)
    if load_entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in extra_plugins:
        if isinstance(plugin, str) and _blocked_dotted_name(pm, plugin):
            continue  # checked before importing: a blocked module is never imported
        obj = _load(plugin)
        name = getattr(obj, "__name__", None) or repr(obj)
        if _blocked_dotted_name(pm, name):
            continue
        if not pm.is_registered(obj):
            pm.register(obj, name=name)
    pm.check_pending()
    _unregister_blocked_specs(pm, blocked)
    platform = Platform(pm=pm, blocked=blocked)
    for spec in pm.hook.parvis_module():
        if spec is None:
            continue
        if spec.id in platform.modules:
            raise RuntimeError(f"two modules declare the id {spec.id!r}")
        if spec.id in blocked:
            continue
        platform.modules[spec.id] = spec
        for content_type in spec.content_types:
            platform.content_types[content_type.id] = content_type
        for widget in spec.widgets:
            platform.widgets[widget.id] = _with_module(widget, spec.id)
    for batch in pm.hook.parvis_widgets():
        for widget in batch or ():
            platform.widgets.setdefault(widget.id, widget)
    return platform


def _with_module(widget: WidgetSpec, module_id: str) -> WidgetSpec:
    if widget.module_id == module_id:
        return widget
    from dataclasses import replace

    return replace(widget, module_id=module_id)


def current_platform() -> Platform:
    """The :class:`Platform` of the current app."""
    return current_app.extensions["parvis"]
