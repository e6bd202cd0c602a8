"""Wiki operations: create, save (with conflict detection), move, reorder, trash.

Views and the JSON API call these; they raise :class:`WikiError` (a translated
message, and the field at fault) for refused input. Callers commit.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, url_for
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from parvis.extensions import db
from parvis.models import utcnow
from parvis.services import activity, audit
from parvis.services.markdown import mentioned_usernames
from parvis.services.search import index_later
from parvis.services.spaces import slugify

from .links import link_keys, title_key
from .models import (
    MAX_BODY,
    MAX_SUMMARY,
    MAX_TITLE,
    WikiLink,
    WikiPage,
    WikiRevision,
    WikiSlugHistory,
)
from .outline import load_outline

CONTENT_TYPE = "wiki.page"


class WikiError(ValueError):
    """A refused wiki operation; ``field`` names the input at fault, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class EditConflict(WikiError):
    """The page changed since the editor opened it (``base`` -> ``current``)."""

    def __init__(self, page: WikiPage, base: WikiRevision | None, current: WikiRevision | None) -> None:
        super().__init__(
            gettext(
                "Someone else saved this page while you were editing it. "
                "Review their changes, merge them into your text, then save again."
            ),
            "body",
        )
        self.page = page
        self.base = base
        self.current = current


# -- input -------------------------------------------------------------------------


def clean_title(title: Any) -> str:
    """A title with single spaces; :class:`WikiError` if empty or too long."""
    text = " ".join(str(title or "").split())
    if not text:
        raise WikiError(gettext("Give the page a title."), "title")
    if len(text) > MAX_TITLE:
        raise WikiError(gettext("The title is too long (%(n)s characters at most).", n=MAX_TITLE), "title")
    if not title_key(text):
        raise WikiError(gettext("Give the page a title."), "title")
    return text


def clean_body(body: Any) -> str:
    text = str(body or "").replace("\r\n", "\n")
    if len(text) > MAX_BODY:
        raise WikiError(
            gettext("The page is too long (%(n)s characters at most): split it into sub-pages.", n=MAX_BODY),
            "body",
        )
    return text


def clean_summary(summary: Any) -> str:
    text = " ".join(str(summary or "").split())
    if len(text) > MAX_SUMMARY:
        raise WikiError(gettext("The summary is too long (%(n)s characters at most).", n=MAX_SUMMARY), "summary")
    return text


# -- lookups -----------------------------------------------------------------------


def page_url(page: WikiPage, space: Any, **kwargs: Any) -> str:
    """URL of ``page`` (a path when there is no request, e.g. in the CLI)."""
    if has_request_context():
        return url_for("wiki.view_page", space_slug=space.slug, slug=page.slug, **kwargs)
    return f"/s/{space.slug}/wiki/p/{page.slug}"


def find_page(space: Any, slug: str) -> tuple[WikiPage | None, bool]:
    """The page of ``space`` at ``slug`` (deleted ones included) and whether it moved.

    ``(page, True)`` means ``slug`` is a former slug of ``page``: redirect.
    """
    page = db.session.scalar(
        db.select(WikiPage)
        .where(WikiPage.space_id == space.id, WikiPage.slug == slug)
        .options(db.joinedload(WikiPage.current_revision).joinedload(WikiRevision.author))
    )
    if page is not None:
        return page, False
    moved = db.session.scalar(
        db.select(WikiPage)
        .join(WikiSlugHistory, WikiSlugHistory.page_id == WikiPage.id)
        .where(WikiSlugHistory.space_id == space.id, WikiSlugHistory.old_slug == slug)
    )
    return moved, moved is not None


def get_revision(page: WikiPage, number: int) -> WikiRevision | None:
    return db.session.scalar(
        db.select(WikiRevision)
        .filter_by(page_id=page.id, number=number)
        .options(db.joinedload(WikiRevision.author))
    )


def revisions_page(page: WikiPage, offset: int = 0, limit: int = 50) -> tuple[list[WikiRevision], int]:
    """Revisions of ``page``, newest first, without their text loaded; and the total."""
    rows = list(
        db.session.scalars(
            db.select(WikiRevision)
            .filter_by(page_id=page.id)
            .order_by(WikiRevision.number.desc())
            .offset(offset)
            .limit(limit)
            .options(db.defer(WikiRevision.body), db.joinedload(WikiRevision.author))
        )
    )
    total = db.session.scalar(
        db.select(db.func.count()).select_from(WikiRevision).filter_by(page_id=page.id)
    ) or 0
    return rows, total


def backlinks(page: WikiPage) -> list[tuple[int, str, str]]:
    """(id, title, slug) of the live pages linking to ``page`` (one query)."""
    rows = db.session.execute(
        db.select(WikiPage.id, WikiPage.title, WikiPage.slug, WikiPage.title_key)
        .join(WikiLink, WikiLink.source_id == WikiPage.id)
        .where(
            WikiLink.target_page_id == page.id,
            WikiPage.deleted_at.is_(None),
            WikiPage.id != page.id,
        )
        .order_by(WikiPage.title_key)
        .distinct()
    ).all()
    return [(r.id, r.title, r.slug) for r in rows]


def link_rows(page: WikiPage) -> tuple[dict[str, int | None], set[int]]:
    """The page's stored outgoing links (key -> page id) and the ids of pages linking to it.

    One query for both; callers keep only live pages (e.g. with the outline).
    """
    rows = db.session.execute(
        db.select(WikiLink.source_id, WikiLink.target_key, WikiLink.target_page_id).where(
            db.or_(WikiLink.source_id == page.id, WikiLink.target_page_id == page.id)
        )
    ).all()
    outgoing = {key: target for source, key, target in rows if source == page.id}
    incoming = {source for source, _key, target in rows if target == page.id and source != page.id}
    return outgoing, incoming


def resolve_keys(space: Any, keys: set[str]) -> dict[str, int]:
    """Map link targets (title keys) to live page ids: title, then slug, then old slug."""
    if not keys:
        return {}
    found: dict[str, int] = {}
    slugs = {key: slugify(key) for key in keys}
    rows = db.session.execute(
        db.select(WikiPage.id, WikiPage.title_key, WikiPage.slug).where(
            WikiPage.space_id == space.id,
            WikiPage.deleted_at.is_(None),
            db.or_(WikiPage.title_key.in_(keys), WikiPage.slug.in_(set(slugs.values()))),
        ).order_by(WikiPage.id)
    ).all()
    by_key: dict[str, int] = {}
    by_slug: dict[str, int] = {}
    for page_id, key, slug in rows:
        by_key.setdefault(key, page_id)
        by_slug[slug] = page_id
    missing = set()
    for key in keys:
        if key in by_key:
            found[key] = by_key[key]
        elif slugs[key] in by_slug:
            found[key] = by_slug[slugs[key]]
        else:
            missing.add(key)
    if missing:
        old = dict(
            db.session.execute(
                db.select(WikiSlugHistory.old_slug, WikiSlugHistory.page_id)
                .join(WikiPage, WikiPage.id == WikiSlugHistory.page_id)
                .where(
                    WikiSlugHistory.space_id == space.id,
                    WikiSlugHistory.old_slug.in_({slugs[k] for k in missing if slugs[k]}),
                    WikiPage.deleted_at.is_(None),
                )
            ).all()
        )
        for key in missing:
            if slugs[key] in old:
                found[key] = old[slugs[key]]
    return found


# -- writing -----------------------------------------------------------------------


def unique_slug(space: Any, title: str, exclude_page_id: int | None = None) -> str:
    """A slug from ``title`` not used by another page of ``space`` (deleted ones too)."""
    base = slugify(title)[:100] or "page"
    taken = set(
        db.session.scalars(
            db.select(WikiPage.slug).where(
                WikiPage.space_id == space.id,
                WikiPage.slug.like(f"{base}%"),
                WikiPage.id != (exclude_page_id or 0),
            )
        )
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _set_slug(page: WikiPage, space: Any, new_slug: str) -> None:
    """Change the slug, keeping the old one as a redirect."""
    if new_slug == page.slug:
        return
    old = page.slug
    db.session.execute(
        db.delete(WikiSlugHistory).where(
            WikiSlugHistory.space_id == space.id,
            WikiSlugHistory.old_slug.in_([new_slug, old]),
        )
    )
    db.session.add(WikiSlugHistory(space_id=space.id, old_slug=old, page_id=page.id))
    page.slug = new_slug


def _store_links(page: WikiPage, space: Any, body: str) -> None:
    """Replace the outgoing links of ``page`` with those of ``body``."""
    keys = link_keys(body, space.slug)
    db.session.execute(db.delete(WikiLink).where(WikiLink.source_id == page.id))
    targets = resolve_keys(space, keys)
    for key in sorted(keys):
        db.session.add(
            WikiLink(space_id=space.id, source_id=page.id, target_key=key, target_page_id=targets.get(key))
        )


def _adopt_links(page: WikiPage, space: Any) -> None:
    """Links written before ``page`` existed (under its title or slug) now point to it."""
    db.session.execute(
        db.update(WikiLink)
        .where(
            WikiLink.space_id == space.id,
            WikiLink.target_page_id.is_(None),
            WikiLink.target_key.in_({page.title_key, page.slug}),
        )
        .values(target_page_id=page.id)
        .execution_options(synchronize_session=False)
    )


def _notify_new_mentions(old_body: str, body: str, *, page: WikiPage, space: Any, actor: Any) -> None:
    new_handles = mentioned_usernames(body) - mentioned_usernames(old_body)
    if not new_handles:
        return
    from parvis.services.mentions import notify_mentions

    notify_mentions(
        text=" ".join(f"@{h}" for h in sorted(new_handles)),
        space=space,
        actor=actor,
        title=gettext("%(name)s mentioned you on the wiki page “%(title)s”", name=actor.name, title=page.title),
        url=page_url(page, space),
    )


def _check_parent(space: Any, page: WikiPage | None, parent_id: int | None) -> WikiPage | None:
    if not parent_id:
        return None
    parent = db.session.get(WikiPage, parent_id)
    if parent is None or parent.space_id != space.id or parent.is_deleted:
        raise WikiError(gettext("This parent page does not exist."), "parent_id")
    if page is not None:
        if parent.id == page.id or parent.id in load_outline(space).descendant_ids(page.id):
            raise WikiError(
                gettext("A page cannot be placed under itself or one of its own sub-pages."),
                "parent_id",
            )
    return parent


def _next_position(space: Any, parent_id: int | None) -> int:
    current = db.session.scalar(
        db.select(db.func.max(WikiPage.position)).where(
            WikiPage.space_id == space.id,
            WikiPage.parent_id.is_(None) if parent_id is None else WikiPage.parent_id == parent_id,
            WikiPage.deleted_at.is_(None),
        )
    )
    return (current or 0) + 1


def create_page(
    space: Any,
    actor: Any,
    *,
    title: Any,
    body: Any = "",
    summary: Any = "",
    parent_id: int | None = None,
    is_template: bool = False,
) -> WikiPage:
    """Create a page and its first revision."""
    title = clean_title(title)
    body = clean_body(body)
    summary = clean_summary(summary)
    parent = _check_parent(space, None, parent_id)
    now = utcnow()
    page = WikiPage(
        space_id=space.id,
        parent_id=parent.id if parent else None,
        title=title,
        title_key=title_key(title),
        slug=unique_slug(space, title),
        position=_next_position(space, parent.id if parent else None),
        is_template=bool(is_template),
        author_id=actor.id,
        updated_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(page)
    db.session.flush()
    db.session.execute(
        db.delete(WikiSlugHistory).where(
            WikiSlugHistory.space_id == space.id, WikiSlugHistory.old_slug == page.slug
        )
    )
    revision = WikiRevision(
        page_id=page.id, number=1, title=title, body=body, summary=summary, author_id=actor.id, created_at=now
    )
    db.session.add(revision)
    db.session.flush()
    page.current_revision = revision
    _store_links(page, space, body)
    _adopt_links(page, space)
    activity.record(
        "wiki.created", actor=actor, space=space, target_type=CONTENT_TYPE, target_id=page.id,
        title=title, url=page_url(page, space),
    )
    _notify_new_mentions("", body, page=page, space=space, actor=actor)
    index_later(CONTENT_TYPE, page.id)
    return page


def save_page(
    page: WikiPage,
    space: Any,
    actor: Any,
    *,
    title: Any,
    body: Any,
    summary: Any = "",
    base_revision_id: Any,
    restored_from: int | None = None,
) -> WikiRevision | None:
    """Save a new revision of ``page`` made from ``base_revision_id``.

    Raises :class:`EditConflict` when the page's current revision is not the base
    (someone saved meanwhile): nothing is overwritten. Returns None when nothing
    changed (no empty revision is stored).
    """
    if page.is_deleted:
        raise WikiError(gettext("This page is in the trash: it cannot be edited. Ask a space admin to restore it."))
    title = clean_title(title)
    body = clean_body(body)
    summary = clean_summary(summary)
    try:
        base_id = int(base_revision_id)
    except (TypeError, ValueError):
        raise WikiError(gettext("The edit form is incomplete: reload the page and try again."), "base_revision_id") from None
    current = page.current_revision
    if current is None or base_id != current.id:
        base = db.session.get(WikiRevision, base_id)
        if base is None or base.page_id != page.id:
            raise WikiError(gettext("The edit form is incomplete: reload the page and try again."), "base_revision_id")
        raise EditConflict(page, base, current)
    if title == current.title and body == current.body and restored_from is None:
        return None
    old_body = current.body
    now = utcnow()
    revision = WikiRevision(
        page_id=page.id,
        number=current.number + 1,
        title=title,
        body=body,
        summary=summary,
        author_id=actor.id,
        restored_from=restored_from,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(revision)
            db.session.flush()
            # Compare-and-swap: only moves forward if nobody saved since ``base``.
            moved = db.session.execute(
                db.update(WikiPage)
                .where(WikiPage.id == page.id, WikiPage.current_revision_id == current.id)
                .values(current_revision_id=revision.id, updated_at=now, updated_by_id=actor.id)
                .execution_options(synchronize_session=False)
            ).rowcount
            if moved != 1:
                raise _Lost()
    except (_Lost, IntegrityError):
        db.session.expire(page)
        raise EditConflict(page, current, page.current_revision) from None
    db.session.expire(page, ["current_revision_id", "current_revision", "updated_at", "updated_by_id"])
    if title != page.title:
        page.title = title
        page.title_key = title_key(title)
        _set_slug(page, space, unique_slug(space, title, exclude_page_id=page.id))
        _adopt_links(page, space)
    _store_links(page, space, body)
    activity.record(
        "wiki.updated", actor=actor, space=space, target_type=CONTENT_TYPE, target_id=page.id,
        title=title, url=page_url(page, space),
    )
    _notify_new_mentions(old_body, body, page=page, space=space, actor=actor)
    index_later(CONTENT_TYPE, page.id)
    return revision


class _Lost(Exception):
    """The compare-and-swap found another revision in place."""


def restore_revision(page: WikiPage, space: Any, actor: Any, revision: WikiRevision) -> WikiRevision | None:
    """Make ``revision``'s content current again, as a new revision."""
    if revision.page_id != page.id:
        raise WikiError(gettext("This revision belongs to another page."))
    return save_page(
        page, space, actor,
        title=revision.title,
        body=revision.body,
        summary=gettext("Restored revision %(n)s", n=revision.number),
        base_revision_id=page.current_revision_id,
        restored_from=revision.number,
    )


def move_page(page: WikiPage, space: Any, actor: Any, *, parent_id: int | None, slug: str | None = None) -> None:
    """Place ``page`` under another parent (or at the root) and optionally change its slug."""
    if page.is_deleted:
        raise WikiError(gettext("This page is in the trash: it cannot be edited. Ask a space admin to restore it."))
    parent = _check_parent(space, page, parent_id)
    new_parent_id = parent.id if parent else None
    if new_parent_id != page.parent_id:
        page.position = _next_position(space, new_parent_id)
        page.parent_id = new_parent_id
    if slug is not None and slug != page.slug:
        wanted = slugify(slug)[:100]
        if not wanted or wanted != slug:
            raise WikiError(gettext("Use lowercase letters, digits and dashes only."), "slug")
        if db.session.scalar(
            db.select(WikiPage.id).where(WikiPage.space_id == space.id, WikiPage.slug == wanted, WikiPage.id != page.id)
        ):
            raise WikiError(gettext("Another page already uses this address."), "slug")
        _set_slug(page, space, wanted)
        _adopt_links(page, space)
    index_later(CONTENT_TYPE, page.id)  # its address may have changed
    audit.record("wiki.page_moved", actor=actor, space=space, target=page,
                 details={"parent_id": new_parent_id, "slug": page.slug})


def _siblings(space: Any, parent_id: int | None) -> list[WikiPage]:
    return list(
        db.session.scalars(
            db.select(WikiPage)
            .where(
                WikiPage.space_id == space.id,
                WikiPage.deleted_at.is_(None),
                WikiPage.parent_id.is_(None) if parent_id is None else WikiPage.parent_id == parent_id,
            )
            .order_by(WikiPage.position, WikiPage.title_key, WikiPage.id)
        )
    )


def shift_page(page: WikiPage, space: Any, delta: int) -> bool:
    """Move ``page`` one place up (-1) or down (+1) among its siblings."""
    siblings = _siblings(space, page.parent_id)
    index = next(i for i, p in enumerate(siblings) if p.id == page.id)
    target = index + delta
    if target < 0 or target >= len(siblings):
        return False
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings, 1):
        sibling.position = position
    return True


def reorder(space: Any, actor: Any, parent_id: int | None, ordered_ids: list[int]) -> None:
    """Set the order of ``parent_id``'s children (pages dropped from elsewhere move here)."""
    parent = _check_parent(space, None, parent_id)
    new_parent_id = parent.id if parent else None
    pages = {
        p.id: p
        for p in db.session.scalars(
            db.select(WikiPage).where(
                WikiPage.space_id == space.id, WikiPage.deleted_at.is_(None), WikiPage.id.in_(ordered_ids)
            )
        )
    }
    if len(pages) != len(set(ordered_ids)):
        raise WikiError(gettext("Some of these pages do not exist."))
    outline = load_outline(space)
    for position, page_id in enumerate(ordered_ids, 1):
        page = pages[page_id]
        if page.parent_id != new_parent_id:
            if new_parent_id is not None and (
                new_parent_id == page.id or new_parent_id in outline.descendant_ids(page.id)
            ):
                raise WikiError(gettext("A page cannot be placed under itself or one of its own sub-pages."))
            page.parent_id = new_parent_id
        page.position = position


def delete_page(page: WikiPage, space: Any, actor: Any) -> int:
    """Put ``page`` in the trash; its sub-pages move up one level. Returns how many moved."""
    if page.is_deleted:
        return 0
    moved = 0
    for child in _siblings(space, page.id):
        child.parent_id = page.parent_id
        child.position = page.position
        moved += 1
    page.deleted_at = utcnow()
    page.deleted_by_id = actor.id
    index_later(CONTENT_TYPE, page.id)  # a trashed page is no longer findable
    audit.record("wiki.page_deleted", actor=actor, space=space, target=page, details={"title": page.title})
    return moved


def restore_page(page: WikiPage, space: Any, actor: Any) -> None:
    """Take ``page`` out of the trash (at the root if its parent is gone)."""
    if not page.is_deleted:
        return
    if page.parent_id:
        parent = db.session.get(WikiPage, page.parent_id)
        if parent is None or parent.is_deleted:
            page.parent_id = None
    page.position = _next_position(space, page.parent_id)
    page.deleted_at = None
    page.deleted_by_id = None
    index_later(CONTENT_TYPE, page.id)
    audit.record("wiki.page_restored", actor=actor, space=space, target=page, details={"title": page.title})


def trash(space: Any) -> list[WikiPage]:
    return list(
        db.session.scalars(
            db.select(WikiPage)
            .where(WikiPage.space_id == space.id, WikiPage.deleted_at.is_not(None))
            .order_by(WikiPage.deleted_at.desc())
            .options(db.joinedload(WikiPage.deleted_by))
        )
    )


def recent_pages(space: Any, limit: int = 10) -> list[WikiPage]:
    return list(
        db.session.scalars(
            db.select(WikiPage)
            .where(WikiPage.space_id == space.id, WikiPage.deleted_at.is_(None))
            .order_by(WikiPage.updated_at.desc(), WikiPage.id.desc())
            .limit(limit)
            .options(db.joinedload(WikiPage.updated_by))
        )
    )


def delete_space_data(space: Any) -> None:
    """Remove every wiki row of ``space`` (the space itself is going)."""
    page_ids = db.select(WikiPage.id).where(WikiPage.space_id == space.id).scalar_subquery()
    db.session.execute(
        db.update(WikiPage).where(WikiPage.space_id == space.id)
        .values(current_revision_id=None, parent_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(db.delete(WikiLink).where(WikiLink.space_id == space.id))
    db.session.execute(db.delete(WikiSlugHistory).where(WikiSlugHistory.space_id == space.id))
    db.session.execute(db.delete(WikiRevision).where(WikiRevision.page_id.in_(page_ids)))
    db.session.execute(db.delete(WikiPage).where(WikiPage.space_id == space.id))


def coauthors_of(page_id: int, revisions: list[WikiRevision]) -> dict[int, list[tuple[int, str]]]:
    """Revision id -> ``(user id, name)`` of the people who co-edited it live, besides
    its author (one query; revisions saved from the form have none)."""
    from parvis import coedit

    from .coedit import KIND

    found = coedit.coauthors(KIND, page_id, [str(r.id) for r in revisions])
    authors = {str(r.id): r.author_id for r in revisions}
    return {
        int(key): [(user_id, name) for user_id, name in people if user_id != authors.get(key)]
        for key, people in found.items()
    }

