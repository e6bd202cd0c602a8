"""Declarative descriptions a module hands to the core (see docs/modules.md).

A module returns one :class:`ModuleSpec` from its ``parvis_module`` hook. The spec
says, as data, what the module is and what it contributes; the core mounts the
blueprints, collects the migrations, adds the navigation entries and offers the
widgets in each space where the module is enabled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint
from markupsafe import Markup
from wtforms import Form


@dataclass(frozen=True)
class Permission:
    """An action of a module and the least space role allowed to do it by default.

    ``default_role`` is one of owner, admin, moderator, member, guest. A space admin
    may override it per space.
    """

    action: str
    label: str
    default_role: str = "member"


@dataclass(frozen=True)
class NavEntry:
    """A link in the space navigation. ``endpoint`` is a blueprint endpoint."""

    label: str
    endpoint: str
    icon: str = ""
    order: int = 100


@dataclass
class WidgetContext:
    """What a widget's ``render`` receives.

    ``data`` is whatever the widget's ``load`` put there (None when it has no ``load``).
    """

    space: Any
    settings: dict[str, Any]
    user: Any
    data: Any = None


@dataclass(frozen=True)
class WidgetSpec:
    """A block that a space page can place in a layout region.

    ``form`` is a WTForms form class whose fields are the widget's settings;
    ``render`` turns a :class:`WidgetContext` into safe HTML.
    """

    id: str
    label: str
    render: Callable[[WidgetContext], Markup | str]
    description: str = ""
    icon: str = ""
    form: type[Form] | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    module_id: str | None = None
    #: Optional batch loader: ``load(contexts)`` receives every placement of this
    #: widget on a page (a list of :class:`WidgetContext`) and sets each ``ctx.data``
    #: in a bounded number of queries, whatever the number of placements or items.
    #: ``render`` then reads ``ctx.data`` instead of querying.
    load: Callable[[list[WidgetContext]], None] | None = None
    #: Optional: seconds the rendered HTML may be reused for every viewer with the same
    #: role in the space, until something in the space is written (see
    #: :mod:`parvis.services.widget_cache`). Declare it only if the HTML depends on
    #: nothing but the space's content, the settings and the viewer's role: no
    #: per-user data, no form. It also bounds staleness for time-dependent content.
    #: None (the default): rendered on every view.
    cache_ttl: int | None = None


@dataclass(frozen=True)
class ContentType:
    """A kind of object a module owns, so core services can point at it.

    Comments, reactions, attachments and mentions refer to objects as
    ``(content_type.id, object_id)``. ``resolve(object_id, user)`` returns the object
    only if it exists and ``user`` may see it (None otherwise: the core answers 404);
    the object must have a ``space_id``. ``url(obj)`` and ``title(obj)`` are used in
    notifications, activity and search results. ``can_attach(obj, user)``, when
    given, decides who may upload files onto an object (default: anyone with
    ``space.upload`` who can see it). ``can_comment(obj, user)``, when given, decides
    whether the object takes comments and reactions now (a draft, a hidden post or a
    proposed question does not; nor does a module whose comments are switched off).
    """

    id: str
    label: str
    resolve: Callable[[int, Any], Any]
    url: Callable[[Any], str]
    title: Callable[[Any], str]
    can_attach: Callable[[Any, Any], bool] | None = None
    can_comment: Callable[[Any, Any], bool] | None = None
    #: Optional: ``search_document(object_id)`` returns the search document (the dict
    #: described in docs/hooks.md under ``parvis_search_documents``) of one object,
    #: or None when it must not be findable (deleted, trashed, draft). The search
    #: service calls it after ``parvis.services.search.index_later(type, id)``.
    search_document: Callable[[int], dict[str, Any] | None] | None = None


@dataclass(frozen=True)
class ModuleSpec:
    """Everything the core needs to know about a module, declared once.

    :param id: stable identifier; the same as the entry-point name, the package's last
        name and the module's Alembic branch label.
    :param blueprint: mounted under ``/s/<space_slug>/<id>``; its views find the space
        in ``flask.g.space``.
    :param api_blueprint: mounted under ``/api/v1/spaces/<space_slug>/<id>``.
    :param global_blueprint: pages outside any space (a personal agenda across spaces,
        a feed behind a token), mounted under ``/m/<id>``; its views check access
        themselves (no ``g.space``).
    :param migrations: folder of the module's Alembic versions (its own branch).
    :param settings_form: WTForms form class of the per-space settings.
    """

    id: str
    name: str
    description: str = ""
    icon: str = ""
    version: str = "0.1.0"
    blueprint: Blueprint | None = None
    api_blueprint: Blueprint | None = None
    global_blueprint: Blueprint | None = None
    migrations: Path | None = None
    #: Folder with ``<lang>/LC_MESSAGES/messages.po/.mo`` merged into the app's catalogs.
    translations: Path | None = None
    settings_form: type[Form] | None = None
    settings_defaults: dict[str, Any] = field(default_factory=dict)
    permissions: tuple[Permission, ...] = ()
    widgets: tuple[WidgetSpec, ...] = ()
    nav: tuple[NavEntry, ...] = ()
    activity_types: dict[str, str] = field(default_factory=dict)
    content_types: tuple[ContentType, ...] = ()
    default_enabled: bool = True
    order: int = 100

    def permission(self, action: str) -> Permission | None:
        for perm in self.permissions:
            if perm.action == action:
                return perm
        return None
