"""Entry point of the documents module (``parvis.modules``: ``documents``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from parvis import ContentType, ModuleSpec, NavEntry, Permission, hookimpl
from parvis.extensions import db
from parvis.services.permissions import can

from . import browse_views, doc_views  # noqa: F401 - routes register on the blueprint
from .api import api_bp
from .blueprint import bp, raise_upload_ceiling
from .forms import DocumentsSettingsForm
from .models import Document
from .policy import CONTENT_TYPE, DEFAULTS, MODULE_ID
from .seed import parvis_seed_content  # noqa: F401 - hook implementation
from .share_views import share_bp
from .widgets import WIDGETS

HERE = Path(__file__).parent


def resolve_document(object_id: int, user: Any) -> Document | None:
    """The live document ``object_id`` if ``user`` may read its space."""
    from parvis.input_guards import valid_id

    ident = valid_id(object_id)
    doc = db.session.get(Document, ident) if ident else None
    if doc is None or doc.is_deleted or not can(user, "space.read", doc.space):
        return None
    return doc


def _search_document(object_id: int) -> dict[str, Any] | None:
    from .hooks import search_document

    return search_document(object_id)


SPEC = ModuleSpec(
    id=MODULE_ID,
    name=_l("Documents"),
    description=_l("Share files and notes in folders, with versions, previews, comments and share links."),
    icon="folder",
    blueprint=bp,
    api_blueprint=api_bp,
    global_blueprint=share_bp,
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    settings_form=DocumentsSettingsForm,
    settings_defaults=dict(DEFAULTS),
    permissions=(
        Permission("documents.upload", _l("Upload files, add versions, create folders and notes, lock documents"), "member"),
        Permission("documents.manage", _l("Rename, move, delete and unlock anyone's documents; restore from the trash"), "moderator"),
        Permission("documents.purge", _l("Delete documents for good from the trash"), "admin"),
        Permission("documents.share", _l("Create and revoke share links"), "admin"),
    ),
    widgets=WIDGETS,
    nav=(NavEntry(_l("Documents"), "documents.index", icon="folder", order=30),),
    activity_types={
        "documents.uploaded": _l("added the document"),
        "documents.version_added": _l("uploaded a new version of"),
        "documents.version_restored": _l("restored an earlier version of"),
        "documents.note_created": _l("created the note"),
        "documents.note_edited": _l("edited the note"),
    },
    content_types=(
        ContentType(
            CONTENT_TYPE,
            _l("Document"),
            resolve=resolve_document,
            url=lambda doc: url_for("documents.show", space_slug=doc.space.slug, doc_id=doc.id),
            title=lambda doc: doc.name,
            can_attach=lambda doc, user: False,
            search_document=_search_document,
        ),
    ),
    default_enabled=True,
    order=30,
)


@hookimpl
def parvis_module() -> ModuleSpec:
    return SPEC


@hookimpl
def parvis_app_ready(app: Any) -> None:
    # First of the app's before_request functions: the CSRF check parses the form,
    # so the request size ceiling of upload routes must be raised before it.
    app.before_request_funcs.setdefault(None, []).insert(0, raise_upload_ceiling)


@hookimpl
def parvis_search_documents(space: Any) -> Any:
    from .hooks import search_documents

    return search_documents(space)


@hookimpl
def parvis_storage_keys() -> Any:
    from .hooks import storage_keys

    return storage_keys()


@hookimpl
def parvis_export_space(space: Any, module_id: str) -> dict[str, Any] | None:
    if module_id != MODULE_ID:
        return None
    from .export import manifest

    return manifest(space)


@hookimpl
def parvis_space_deleted(space: Any) -> None:
    from .hooks import delete_space_data

    delete_space_data(space)


@hookimpl
def parvis_template_slot(slot: str, context: dict[str, Any]) -> Markup | None:
    if slot != "space_settings_general" or context.get("space") is None:
        return None
    space = context["space"]
    from parvis.services.spaces import enabled_modules
    from parvis.templating import render_fragment

    if MODULE_ID not in {spec.id for spec, _state in enabled_modules(space)}:
        return None
    from .services import quota_summary

    return render_fragment("documents/quota_slot.html", space=space, quota=quota_summary(space))


@hookimpl
def parvis_demo_seed(space: Any, module_id: str, users: list[Any]) -> None:
    if module_id != MODULE_ID or not users:
        return
    from .demo import seed

    seed(space, users)


@hookimpl
def parvis_coedit_kinds() -> list[Any]:
    """Markdown notes are co-editable live (see :mod:`.coedit`)."""
    from .coedit import DOCUMENTS_NOTE

    return [DOCUMENTS_NOTE]
