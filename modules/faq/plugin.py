"""Entry point of the FAQ module (``parvis.modules``: ``faq``).

The module meets the core only through these hook implementations, the spec classes
exported by :mod:`parvis` and the public services.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from parvis import ContentType, ModuleSpec, NavEntry, Permission, hookimpl
from parvis.extensions import db
from parvis.models import Space
from parvis.services.permissions import can

from . import lifecycle, models, queries, workflow
from .api import api_bp
from .forms import SettingsForm
from .seed import parvis_seed_content  # noqa: F401 - hook implementation
from .views import bp
from .widgets import WIDGETS

HERE = Path(__file__).parent
MODULE_ID = lifecycle.MODULE_ID


def _resolve(object_id: int, user: Any) -> models.FaqEntry | None:
    """The entry if it exists and ``user`` may see it (for the core content services)."""
    from parvis.services.permissions import can

    entry_id = queries.valid_id(object_id)
    entry = db.session.get(models.FaqEntry, entry_id) if entry_id else None
    if entry is None:
        return None
    space = db.session.get(Space, entry.space_id)
    if space is None or not can(user, "space.read", space):
        return None
    return entry if queries.may_see(entry, user, space) else None


ENTRY_TYPE = ContentType(
    id=workflow.CONTENT_TYPE,
    label=_l("FAQ entry"),
    resolve=_resolve,
    url=lambda entry: workflow.entry_url(entry),
    title=lambda entry: entry.question,
    # Proposed, answered or declined questions stay private: no comments on them.
    can_comment=lambda entry, user: entry.status == "published",
    can_attach=lambda entry, user: (
        can(user, "faq.manage", entry) or entry.author_id == getattr(user, "id", None)
    ),
    search_document=lifecycle.search_document,
)

SPEC = ModuleSpec(
    id=MODULE_ID,
    name=_l("FAQ"),
    description=_l(
        "Frequently asked questions by category: members propose questions, "
        "moderators answer and publish them."
    ),
    icon="faq",
    version="1.0.0",
    blueprint=bp,
    api_blueprint=api_bp,
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    settings_form=SettingsForm,
    settings_defaults={"who_may_propose": "members", "default_order": "category"},
    permissions=(
        Permission("faq.propose", _l("Propose questions for the FAQ"), "member"),
        Permission("faq.vote", _l("Say whether a FAQ answer was helpful"), "member"),
        Permission("faq.manage", _l("Answer, publish and decline FAQ questions"), "moderator"),
    ),
    widgets=WIDGETS,
    nav=(NavEntry(label=_l("FAQ"), endpoint="faq.index", icon="faq", order=30),),
    activity_types={
        "faq.published": _l("published a FAQ answer"),
        "faq.proposed": _l("proposed a FAQ question"),
        "faq.updated": _l("updated a FAQ answer"),
    },
    content_types=(ENTRY_TYPE,),
    order=30,
)


@hookimpl
def parvis_module() -> ModuleSpec:
    return SPEC


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
    if module_id != MODULE_ID:
        return
    from .demo import seed

    seed(space, users)
