"""Entry point of the discussions module (``parvis.modules``: ``discussions``).

Channels and threads per space, live over the core's Socket.IO hub
(:mod:`parvis.realtime`), and plain pages with forms when JavaScript or the websocket
is not available.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from parvis import ContentType, ModuleSpec, NavEntry, Permission, hookimpl
from parvis.realtime import get_hub

from . import lifecycle, links, models, realtime, service  # noqa: F401  (models: tables)
from .api import api_bp
from .seed import parvis_seed_content  # noqa: F401 - hook implementation
from .views import assets_bp, bp
from .widgets import WIDGETS

HERE = Path(__file__).parent
MODULE_ID = service.MODULE_ID

MESSAGE_TYPE = ContentType(
    id=service.CONTENT_TYPE,
    label=_l("Discussion message"),
    resolve=lifecycle.resolve,
    url=lambda message: links.message_url(message.channel.space, message),
    title=lambda message: f"#{message.channel.name}",
    can_attach=lambda message, user: message.author_id == getattr(user, "id", None),
    can_comment=lambda message, user: False,
    search_document=lifecycle.search_document,
)

SPEC = ModuleSpec(
    id=MODULE_ID,
    name=_l("Discussions"),
    description=_l(
        "Channels and threads where members talk in real time, with mentions, "
        "reactions and files."
    ),
    icon="discussions",
    version="1.0.0",
    blueprint=bp,
    api_blueprint=api_bp,
    global_blueprint=assets_bp,
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    permissions=(
        Permission("discussions.post", _l("Post messages and replies in discussions"), "member"),
        Permission(
            "discussions.moderate",
            _l("Edit, delete and pin anyone's messages; lock threads"),
            "moderator",
        ),
        Permission("discussions.manage_channels", _l("Add, rename and delete channels"), "admin"),
    ),
    widgets=WIDGETS,
    nav=(NavEntry(label=_l("Discussions"), endpoint="discussions.index", icon="discussions", order=40),),
    activity_types={
        "discussions.channel_created": _l("created a discussion channel"),
        "discussions.thread_started": _l("started a discussion thread"),
    },
    content_types=(MESSAGE_TYPE,),
    order=40,
)


@hookimpl
def parvis_module() -> ModuleSpec:
    return SPEC


@hookimpl
def parvis_app_ready(app: Flask) -> None:
    from .views import palette_json

    app.jinja_env.globals["discussions_palette_json"] = palette_json
    hub = get_hub(app)
    if hub is not None:
        realtime.register(hub)


@hookimpl
def parvis_space_module_enabled(space: Any, module_id: str) -> None:
    if module_id == MODULE_ID:
        lifecycle.seed_default(space)


@hookimpl
def parvis_search_documents(space: Any) -> Iterable[dict[str, Any]]:
    return lifecycle.search_documents(space)


@hookimpl
def parvis_export_space(space: Any, module_id: str) -> dict[str, Any] | None:
    if module_id != MODULE_ID:
        return None
    return lifecycle.export_space(space)


@hookimpl
def parvis_space_deleted(space: Any) -> None:
    lifecycle.delete_space_data(space)


@hookimpl
def parvis_demo_seed(space: Any, module_id: str, users: list[Any]) -> None:
    if module_id == MODULE_ID:
        lifecycle.seed_demo(space, users)
