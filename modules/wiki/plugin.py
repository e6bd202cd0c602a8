"""Entry point of the wiki module: its spec and hook implementations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from parvis import ContentType, ModuleSpec, NavEntry, Permission, hookimpl
from parvis.extensions import db
from parvis.services.permissions import can

from . import history_views, tree_views, views  # noqa: F401 - routes register on the blueprint
from .api import api_bp
from .blueprint import bp
from .forms import WikiSettingsForm
from .helpers import settings as wiki_settings
from .models import WikiPage
from .seed import parvis_seed_content  # noqa: F401 - hook implementation
from .services import CONTENT_TYPE, page_url
from .widgets import WIDGETS

HERE = Path(__file__).parent


def resolve_page(object_id: int, user: Any) -> WikiPage | None:
    """The live page ``object_id`` if ``user`` may read its space."""
    page = db.session.get(WikiPage, object_id)
    if page is None or page.is_deleted or not can(user, "space.read", page.space):
        return None
    return page


def _search_document(object_id: int) -> dict[str, Any] | None:
    from .hooks import search_document

    return search_document(object_id)


SPEC = ModuleSpec(
    id="wiki",
    name=_l("Wiki"),
    description=_l("The space's knowledge base: nested pages with links, history and templates."),
    icon="book",
    blueprint=bp,
    api_blueprint=api_bp,
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    settings_form=WikiSettingsForm,
    settings_defaults={"toc_min_headings": 3, "comments": True},
    permissions=(
        Permission("wiki.edit", _l("Create, edit, move and restore revisions of wiki pages"), "member"),
        Permission("wiki.delete", _l("Move wiki pages to the trash"), "moderator"),
        Permission("wiki.restore", _l("Restore wiki pages from the trash"), "admin"),
    ),
    widgets=WIDGETS,
    nav=(NavEntry(_l("Wiki"), "wiki.index", icon="book", order=40),),
    activity_types={
        "wiki.created": _l("created the wiki page"),
        "wiki.updated": _l("edited the wiki page"),
    },
    content_types=(
        ContentType(
            CONTENT_TYPE,
            _l("Wiki page"),
            resolve=resolve_page,
            url=lambda page: page_url(page, page.space),
            title=lambda page: page.title,
            # Comments follow the space's wiki setting; editors may attach files.
            can_comment=lambda page, user: bool(wiki_settings(page.space).get("comments", True)),
            can_attach=lambda page, user: can(user, "wiki.edit", page.space),
            search_document=_search_document,
        ),
    ),
    order=40,
)


@hookimpl
def parvis_module() -> ModuleSpec:
    return SPEC


@hookimpl
def parvis_search_documents(space: Any) -> list[dict[str, Any]]:
    from .hooks import search_documents

    return search_documents(space)


@hookimpl
def parvis_export_space(space: Any, module_id: str) -> dict[str, Any] | None:
    if module_id != SPEC.id:
        return None
    from .hooks import export_space

    return export_space(space)


@hookimpl
def parvis_space_deleted(space: Any) -> None:
    from .services import delete_space_data

    delete_space_data(space)


@hookimpl
def parvis_demo_seed(space: Any, module_id: str, users: list[Any]) -> None:
    if module_id != SPEC.id:
        return
    from .demo import seed

    seed(space, users)


@hookimpl
def parvis_coedit_kinds() -> list[Any]:
    """Wiki page bodies are co-editable live (see :mod:`.coedit`)."""
    from .coedit import WIKI_PAGE

    return [WIKI_PAGE]
