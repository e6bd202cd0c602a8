"""Page compositions: validation, drafts, publication, history, pages of a space.

A *composition* is data: ``{"layout": "<layout id>", "placements": [{"id", "region",
"widget", "settings"}, ...]}``. :func:`validate` checks one against the installed
layouts and widgets (each widget's settings through its WTForms form) and returns the
cleaned copy; every write goes through it, whether it comes from the builder's forms,
its drag and drop, the JSON API or a space file.

Writes are guarded by the page's ``lock`` (optimistic concurrency): the caller passes
the ``lock`` it read; if another save happened since, :class:`StaleComposition` is
raised and nothing is written.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..layouts import default_composition, discover_layouts, get_layout
from ..models import CompositionVersion, Space, SpacePage, User
from ..models.composition import HOME_PAGE
from ..plugins.manager import current_platform
from ..plugins.spec import WidgetSpec
from . import audit

#: Most placements on one page, and most bytes of one composition as JSON.
MAX_PLACEMENTS = 60
MAX_BYTES = 64 * 1024
#: Most composed pages per space (home included).
MAX_PAGES = 20
#: Versions listed in the history.
HISTORY_LIMIT = 50


class CompositionInvalid(ValueError):
    """A refused composition; ``errors`` maps a path (``placements.3.settings.limit``) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class StaleComposition(RuntimeError):
    """The page changed since the caller read it (another admin saved in between)."""

    def __init__(self, current_lock: int) -> None:
        super().__init__(
            gettext(
                "This page was changed by someone else since you opened it. "
                "Reload it to see their changes, then make yours again."
            )
        )
        self.current_lock = current_lock


@dataclass
class Composition:
    """A validated composition."""

    layout: str
    placements: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"layout": self.layout, "placements": [dict(p) for p in self.placements]}


# -- validation ------------------------------------------------------------------------


def new_placement_id() -> str:
    """A short random id for a placement (stable across saves, used by the builder UI)."""
    return secrets.token_hex(4)


def _formdata(values: dict[str, Any]) -> MultiDict:
    """JSON values as submitted form data, so the widget form coerces them as for a browser."""
    data = MultiDict()
    for key, value in values.items():
        if value is None or value is False:
            continue
        if value is True:
            data.add(key, "y")
        elif isinstance(value, list | tuple):
            for item in value:
                data.add(key, str(item))
        else:
            data.add(key, str(value))
    return data


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def clean_settings(widget: WidgetSpec, incoming: Any, prefix: str = "settings") -> dict[str, Any]:
    """``incoming`` validated by the widget's form: the cleaned settings, or raise.

    A widget without a form takes no setting. Unknown keys are refused by name.
    """
    errors: dict[str, list[str]] = {}
    if incoming is None:
        incoming = {}
    if not isinstance(incoming, dict):
        raise CompositionInvalid({prefix: [gettext("Settings must be a JSON object.")]})
    if widget.form is None:
        if incoming:
            raise CompositionInvalid(
                {f"{prefix}.{k}": [gettext("This widget has no such setting.")] for k in incoming}
            )
        return {}
    merged = {**widget.defaults, **incoming}
    form = widget.form(formdata=_formdata(merged), data=merged)
    names = [name for name in form._fields if name != "csrf_token"]
    for key in incoming:
        if key not in names:
            errors[f"{prefix}.{key}"] = [gettext("This widget has no such setting.")]
    if not form.validate():
        for name, messages in form.errors.items():
            if name in names:
                errors[f"{prefix}.{name}"] = [str(m) for m in messages]
    if errors:
        raise CompositionInvalid(errors)
    return _jsonable({name: form._fields[name].data for name in names})


def validate(data: Any) -> Composition:
    """Check a composition and return its cleaned copy, or raise :class:`CompositionInvalid`.

    Refused: a layout that is not installed, a region the layout lacks, an unknown
    widget, settings the widget's form rejects, more than :data:`MAX_PLACEMENTS`
    placements or :data:`MAX_BYTES` bytes. Widgets of modules switched off in the
    space are kept (they show again when the module is switched back on).
    """
    if not isinstance(data, dict):
        raise CompositionInvalid({"_schema": [gettext("A composition is a JSON object.")]})
    size = len(json.dumps(data, default=str))
    if size > MAX_BYTES:
        raise CompositionInvalid(
            {"_schema": [gettext("The composition is too large (%(n)s bytes, at most %(max)s).",
                                 n=size, max=MAX_BYTES)]}
        )
    layouts = discover_layouts()
    layout_id = data.get("layout")
    if not isinstance(layout_id, str) or layout_id not in layouts:
        raise CompositionInvalid(
            {"layout": [gettext("Unknown layout %(id)s. Installed layouts: %(ids)s.",
                                id=repr(layout_id)[:70], ids=", ".join(sorted(layouts)))]}
        )
    layout = layouts[layout_id]
    placements = data.get("placements", [])
    if not isinstance(placements, list):
        raise CompositionInvalid({"placements": [gettext("Placements must be a list.")]})
    if len(placements) > MAX_PLACEMENTS:
        raise CompositionInvalid(
            {"placements": [gettext("At most %(n)s widgets on one page.", n=MAX_PLACEMENTS)]}
        )
    widgets = current_platform().widgets
    errors: dict[str, list[str]] = {}
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(placements):
        path = f"placements.{index}"
        if not isinstance(raw, dict):
            errors[path] = [gettext("Each placement is a JSON object.")]
            continue
        unknown = set(raw) - {"id", "region", "widget", "settings"}
        if unknown:
            errors[path] = [gettext("Unknown keys: %(keys)s.", keys=", ".join(sorted(map(str, unknown)))[:200])]
            continue
        region = raw.get("region")
        if region not in layout.region_ids:
            errors[f"{path}.region"] = [
                gettext("The layout %(layout)s has no region %(region)s (its regions: %(ids)s).",
                        layout=layout.id, region=repr(region)[:70], ids=", ".join(layout.region_ids))
            ]
        widget = widgets.get(raw.get("widget")) if isinstance(raw.get("widget"), str) else None
        if widget is None:
            errors[f"{path}.widget"] = [
                gettext("Unknown widget %(id)s.", id=repr(raw.get("widget"))[:70])
            ]
            continue
        try:
            settings = clean_settings(widget, raw.get("settings"), f"{path}.settings")
        except CompositionInvalid as exc:
            errors.update(exc.errors)
            continue
        pid = raw.get("id")
        if not isinstance(pid, str) or not pid.isalnum() or len(pid) > 16 or pid in seen:
            pid = new_placement_id()
        seen.add(pid)
        cleaned.append({"id": pid, "region": region, "widget": widget.id, "settings": settings})
    if errors:
        raise CompositionInvalid(errors)
    return Composition(layout=layout.id, placements=cleaned)


# -- pages -----------------------------------------------------------------------------


def get_page(space: Space, slug: str = HOME_PAGE) -> SpacePage | None:
    """The composed page ``slug`` of ``space``, if it exists."""
    return db.session.scalar(db.select(SpacePage).filter_by(space_id=space.id, slug=slug))


def ensure_home(space: Space) -> SpacePage:
    """The home page row of ``space`` (created on first use)."""
    page = get_page(space, HOME_PAGE)
    if page is None:
        page = SpacePage(space_id=space.id, slug=HOME_PAGE, title="", position=0, lock=0)
        db.session.add(page)
        db.session.flush()
    return page


def pages_of(space: Space) -> list[SpacePage]:
    """Every composed page of ``space``: home first, then in navigation order."""
    rows = db.session.scalars(
        db.select(SpacePage).filter_by(space_id=space.id).order_by(SpacePage.position, SpacePage.id)
    ).all()
    return sorted(rows, key=lambda p: (not p.is_home, p.position, p.id))


def sync_nav(space: Space) -> None:
    """Copy the extra pages' slugs and titles onto ``space.nav_pages`` (read by the navigation
    without a query)."""
    space.nav_pages = [
        {"slug": p.slug, "title": p.title} for p in pages_of(space) if not p.is_home
    ] or None


def create_page(space: Space, title: str, actor: User) -> SpacePage:
    """Add a composed page to ``space`` (a one-column page with a text block, as a draft
    published at once so the navigation link never leads to an empty page)."""
    from .spaces import SpaceError, slugify

    title = (title or "").strip()[:120]
    if not title:
        raise SpaceError(gettext("Give the page a title."), "title")
    pages = pages_of(space)
    if len(pages) >= MAX_PAGES:
        raise SpaceError(gettext("A space has at most %(n)s pages.", n=MAX_PAGES), "title")
    base = slugify(title)[:48] or "page"
    if base == HOME_PAGE:
        base = "page-home"
    slug, n = base, 2
    taken = {p.slug for p in pages}
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    page = SpacePage(space_id=space.id, slug=slug, title=title, position=len(pages) + 1, lock=0)
    db.session.add(page)
    db.session.flush()
    start = Composition(
        layout="one-column" if "one-column" in discover_layouts() else get_layout(None).id,
        placements=[{"id": new_placement_id(), "region": "", "widget": "core.text",
                     "settings": {"body": ""}}],
    )
    start.placements[0]["region"] = get_layout(start.layout).regions[0].id
    publish(space, page.slug, start, page.lock, actor, note=gettext("Page created"))
    sync_nav(space)
    audit.record("space.page_created", actor=actor, space=space, details={"page": slug})
    return page


def rename_page(space: Space, page: SpacePage, title: str, actor: User) -> None:
    """Change the title of an extra page (its address stays)."""
    from .spaces import SpaceError

    title = (title or "").strip()[:120]
    if not title:
        raise SpaceError(gettext("Give the page a title."), "title")
    page.title = title
    sync_nav(space)
    audit.record("space.page_renamed", actor=actor, space=space, details={"page": page.slug})


def delete_page(space: Space, page: SpacePage, actor: User) -> None:
    """Delete an extra page and its history (the home page cannot be deleted)."""
    from .spaces import SpaceError

    if page.is_home:
        raise SpaceError(gettext("The home page cannot be deleted."))
    slug = page.slug
    db.session.execute(db.delete(CompositionVersion).where(CompositionVersion.page_id == page.id))
    db.session.delete(page)
    db.session.flush()
    sync_nav(space)
    audit.record("space.page_deleted", actor=actor, space=space, details={"page": slug})


def move_page(space: Space, page: SpacePage, direction: str) -> None:
    """Move an extra page up or down in the navigation."""
    extra = [p for p in pages_of(space) if not p.is_home]
    index = next(i for i, p in enumerate(extra) if p.id == page.id)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(extra):
        extra[index], extra[target] = extra[target], extra[index]
    for position, p in enumerate(extra, start=1):
        p.position = position
    sync_nav(space)


# -- reading ---------------------------------------------------------------------------


def _version(page: SpacePage, state: str) -> CompositionVersion | None:
    return db.session.scalar(
        db.select(CompositionVersion)
        .filter_by(page_id=page.id, state=state)
        .order_by(CompositionVersion.number.desc(), CompositionVersion.id.desc())
        .limit(1)
    )


def published_composition(space: Space, slug: str = HOME_PAGE) -> tuple[SpacePage, Composition] | None:
    """The page and its published composition, in one query (None when never published)."""
    row = db.session.execute(
        db.select(SpacePage, CompositionVersion)
        .join(CompositionVersion, CompositionVersion.page_id == SpacePage.id)
        .where(SpacePage.space_id == space.id, SpacePage.slug == slug,
               CompositionVersion.state == "published")
        .order_by(CompositionVersion.number.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    page, version = row
    return page, Composition(layout=version.layout, placements=list(version.placements or []))


def home_composition(space: Space) -> Composition:
    """What the space home shows: the published composition, else the default one.

    Read from ``space.published_home``, the copy :func:`publish` keeps on the space row
    (already loaded by the request): no query.
    """
    copy = space.published_home
    if isinstance(copy, dict) and copy.get("layout"):
        return Composition(layout=copy["layout"], placements=list(copy.get("placements") or []))
    layout = get_layout(space.layout)
    placements = default_composition(space, layout)
    for index, placement in enumerate(placements):
        placement.setdefault("id", f"d{index}")  # stable until first saved
    return Composition(layout=layout.id, placements=placements)


@dataclass
class WorkingCopy:
    """What the builder edits: the draft if any, else the published version, else the default."""

    page: SpacePage
    composition: Composition
    is_draft: bool
    published_number: int | None


def working_copy(space: Space, slug: str = HOME_PAGE) -> WorkingCopy | None:
    """The composition the builder shows for page ``slug`` (None: no such page)."""
    page = ensure_home(space) if slug == HOME_PAGE else get_page(space, slug)
    if page is None:
        return None
    draft = _version(page, "draft")
    published = _version(page, "published")
    if draft is not None:
        comp = Composition(draft.layout, list(draft.placements or []))
    elif published is not None:
        comp = Composition(published.layout, list(published.placements or []))
    else:
        comp = home_composition(space)
    return WorkingCopy(page, comp, draft is not None, published.number if published else None)


def history(page: SpacePage) -> list[CompositionVersion]:
    """The published and past versions of ``page``, newest first."""
    return list(
        db.session.scalars(
            db.select(CompositionVersion)
            .where(CompositionVersion.page_id == page.id, CompositionVersion.state != "draft")
            .order_by(CompositionVersion.number.desc())
            .limit(HISTORY_LIMIT)
            .options(db.joinedload(CompositionVersion.author))
        )
    )


# -- writing ---------------------------------------------------------------------------


def check_lock(space: Space, slug: str, lock: int | None) -> None:
    """Raise :class:`StaleComposition` if page ``slug`` changed since ``lock`` was read."""
    page = get_page(space, slug)
    _check_lock(page if page is not None else SpacePage(lock=0), lock)


def _check_lock(page: SpacePage, lock: int | None) -> None:
    if lock is None or int(lock) != page.lock:
        raise StaleComposition(page.lock)


def _bump(page: SpacePage) -> None:
    # Compare-and-set in SQL: two requests that read the same lock cannot both win.
    result = db.session.execute(
        db.update(SpacePage)
        .where(SpacePage.id == page.id, SpacePage.lock == page.lock)
        .values(lock=page.lock + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise StaleComposition(page.lock + 1)
    page.lock += 1
    db.session.expire(page, ["lock"])
    db.session.refresh(page)


def _page_for_write(space: Space, slug: str) -> SpacePage:
    page = ensure_home(space) if slug == HOME_PAGE else get_page(space, slug)
    if page is None:
        raise LookupError(slug)
    return page


def save_draft(space: Space, slug: str, comp: Composition, lock: int | None, actor: User) -> SpacePage:
    """Replace the draft of page ``slug`` with ``comp`` (members still see the published one)."""
    page = _page_for_write(space, slug)
    _check_lock(page, lock)
    draft = _version(page, "draft")
    if draft is None:
        draft = CompositionVersion(page_id=page.id, number=0, state="draft", layout=comp.layout)
        db.session.add(draft)
    draft.layout = comp.layout
    draft.placements = [dict(p) for p in comp.placements]
    draft.author_id = actor.id
    _bump(page)
    return page


def publish(
    space: Space, slug: str, comp: Composition | None, lock: int | None, actor: User, note: str = ""
) -> CompositionVersion:
    """Publish ``comp`` (or the current draft when None) as a new version of page ``slug``."""
    page = _page_for_write(space, slug)
    _check_lock(page, lock)
    draft = _version(page, "draft")
    if comp is None:
        current = working_copy(space, slug)
        comp = current.composition if current else home_composition(space)
    comp = validate(comp.as_dict())
    last = db.session.scalar(
        db.select(db.func.max(CompositionVersion.number)).filter_by(page_id=page.id)
    ) or 0
    db.session.execute(
        db.update(CompositionVersion)
        .where(CompositionVersion.page_id == page.id, CompositionVersion.state == "published")
        .values(state="past")
        .execution_options(synchronize_session=False)
    )
    if draft is not None:
        db.session.delete(draft)
    version = CompositionVersion(
        page_id=page.id, number=last + 1, state="published", layout=comp.layout,
        placements=[dict(p) for p in comp.placements], author_id=actor.id, note=(note or "")[:200],
    )
    db.session.add(version)
    if page.is_home:
        space.layout = comp.layout
        space.published_home = comp.as_dict()
    _bump(page)
    audit.record("space.page_published", actor=actor, space=space,
                 details={"page": page.slug, "version": version.number})
    return version


def discard_draft(space: Space, slug: str, lock: int | None, actor: User) -> None:
    """Drop the draft of page ``slug``: the builder shows the published version again."""
    page = _page_for_write(space, slug)
    _check_lock(page, lock)
    draft = _version(page, "draft")
    if draft is not None:
        db.session.delete(draft)
    _bump(page)


def restore(space: Space, slug: str, version_id: int, lock: int | None, actor: User) -> CompositionVersion:
    """Publish again an earlier version of page ``slug`` (a new version, history kept)."""
    page = _page_for_write(space, slug)
    old = db.session.get(CompositionVersion, version_id)
    if old is None or old.page_id != page.id or old.state == "draft":
        raise LookupError(version_id)
    comp = Composition(old.layout, list(old.placements or []))
    return publish(space, slug, comp, lock, actor,
                   note=gettext("Restored version %(n)s", n=old.number))


def change_home_layout(space: Space, layout_id: str, actor: User) -> None:
    """Follow a layout change made in the general settings: when the home has a published
    composition, publish it again in ``layout_id`` (placements of missing regions go to
    its first region), so the settings and the builder never disagree."""
    found = published_composition(space, HOME_PAGE)
    if found is None or found[1].layout == layout_id:
        return
    page, comp = found
    layout = get_layout(layout_id)
    placements = [
        {**p, "region": p.get("region") if p.get("region") in layout.region_ids else layout.regions[0].id}
        for p in comp.placements
    ]
    draft = _version(page, "draft")
    if draft is not None:
        draft.layout = layout.id
        draft.placements = [
            {**p, "region": p.get("region") if p.get("region") in layout.region_ids else layout.regions[0].id}
            for p in draft.placements or []
        ]
    publish(space, HOME_PAGE, Composition(layout.id, placements), page.lock, actor,
            note=gettext("Layout changed in the settings"))


def forget_request_cache() -> None:
    """Drop per-request caches after a write (enabled modules may have changed)."""
    if has_request_context():
        g.pop("_enabled_modules", None)
