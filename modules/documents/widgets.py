"""Widgets: the space's recent documents, and the content of a chosen folder.

Both load the data of every placement on a page in one query (``WidgetSpec.load``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from parvis import WidgetContext, WidgetSpec
from parvis.extensions import db
from parvis.services.permissions import can
from parvis.templating import render_fragment

from . import listing
from .forms import FolderWidgetForm, RecentWidgetForm
from .models import DocFolder


def _int(value: object, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value), low), high)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def load_recent(contexts: list[WidgetContext]) -> None:
    limit = max(_int(c.settings.get("limit"), 5, 1, 30) for c in contexts) if contexts else 5
    found = listing.recent(sorted({c.space.id for c in contexts}), limit)
    for ctx in contexts:
        ctx.data = found.get(ctx.space.id, [])[: _int(ctx.settings.get("limit"), 5, 1, 30)]


def render_recent(ctx: WidgetContext) -> Markup:
    if not can(ctx.user, "space.read", ctx.space):
        return Markup("")
    if ctx.data is None:
        load_recent([ctx])
    return render_fragment("documents/widget_recent.html", space=ctx.space, docs=ctx.data)


def _folder_id(ctx: WidgetContext) -> int | None:
    raw = ctx.settings.get("folder_id")
    return _int(raw, 0, 0, 2**31 - 1) or None if raw not in (None, "") else None


def load_folder(contexts: list[WidgetContext]) -> None:
    ids = {fid for c in contexts if (fid := _folder_id(c))}
    folders = {f.id: f for f in db.session.scalars(db.select(DocFolder).where(DocFolder.id.in_(ids)))} if ids else {}
    keys = []
    for ctx in contexts:
        fid = _folder_id(ctx)
        folder = folders.get(fid) if fid else None
        if fid and (folder is None or folder.space_id != ctx.space.id or folder.is_deleted):
            ctx.data = {"folder": None, "missing": True, "docs": []}
            continue
        ctx.data = {"folder": folder, "missing": False, "docs": []}
        keys.append((ctx.space.id, fid))
    limit = max((_int(c.settings.get("limit"), 10, 1, 50) for c in contexts), default=10)
    found = listing.in_folders(keys, limit)
    for ctx in contexts:
        if not ctx.data["missing"]:
            ctx.data["docs"] = found.get((ctx.space.id, _folder_id(ctx)), [])[: _int(ctx.settings.get("limit"), 10, 1, 50)]


def render_folder(ctx: WidgetContext) -> Markup:
    if not can(ctx.user, "space.read", ctx.space):
        return Markup("")
    if ctx.data is None:
        load_folder([ctx])
    return render_fragment("documents/widget_folder.html", space=ctx.space, **ctx.data)


WIDGETS = (
    WidgetSpec(
        "documents.recent", _l("Recent documents"), render_recent,
        description=_l("The documents added or changed most recently."),
        icon="file", form=RecentWidgetForm, defaults={"limit": 5}, load=load_recent, cache_ttl=300,
    ),
    WidgetSpec(
        "documents.folder", _l("Documents of a folder"), render_folder,
        description=_l("The files of a chosen folder (the top level by default)."),
        icon="folder", form=FolderWidgetForm, defaults={"folder_id": None, "limit": 10}, load=load_folder, cache_ttl=300,
    ),
)
