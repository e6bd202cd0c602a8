"""Shared by the wiki's views, API and widgets: permissions and page rendering."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import url_for
from flask_login import current_user

from parvis.extensions import db
from parvis.models import User
from parvis.services.markdown import mentioned_usernames
from parvis.services.mentions import MAX_MENTIONS
from parvis.services.permissions import can
from parvis.services.spaces import enabled_modules, module_settings, slugify

from .links import WikiLinkRef, find_links
from .models import WikiPage, WikiSlugHistory
from .outline import Outline, load_outline
from .rendering import RenderedPage, render_page

MODULE_ID = "wiki"


def settings(space: Any) -> dict[str, Any]:
    """The wiki's settings in ``space`` (from the per-request cache of enabled modules)."""
    for spec, row in enabled_modules(space):
        if spec.id == MODULE_ID:
            return {**spec.settings_defaults, **(row.settings or {})}
    return module_settings(space, MODULE_ID)


def mention_resolver(body: str) -> Callable[[str], str | None]:
    """A ``mention_url`` for ``body`` that looks all its handles up in one query."""
    handles = sorted(mentioned_usernames(body))[:MAX_MENTIONS]
    found: dict[str, int] = {}
    if handles:
        found = {
            name.lower(): user_id
            for user_id, name in db.session.execute(
                db.select(User.id, User.username).where(db.func.lower(User.username).in_(handles))
            )
        }

    def resolve(handle: str) -> str | None:
        user_id = found.get(handle.lower())
        return url_for("auth.profile", user_id=user_id) if user_id else None

    return resolve


def may(action: str, space: Any, user: Any = None) -> bool:
    """Shortcut for :func:`parvis.services.permissions.can` on the current user."""
    return can(current_user if user is None else user, action, space)


def _old_slugs(space: Any, slugs: set[str]) -> dict[str, str]:
    """Former slug -> current slug of live pages (one query; none when ``slugs`` is empty)."""
    if not slugs:
        return {}
    rows = db.session.execute(
        db.select(WikiSlugHistory.old_slug, WikiPage.slug)
        .join(WikiPage, WikiPage.id == WikiSlugHistory.page_id)
        .where(
            WikiSlugHistory.space_id == space.id,
            WikiSlugHistory.old_slug.in_(slugs),
            WikiPage.deleted_at.is_(None),
        )
    ).all()
    return dict(rows)


def render_body(
    body: str,
    space: Any,
    *,
    outline: Outline | None = None,
    can_create: bool = False,
    stored_links: Mapping[str, int | None] | None = None,
) -> RenderedPage:
    """Render a page's markdown with its wiki links resolved in ``space`` only.

    Uses the already loaded ``outline`` (else loads it). ``stored_links`` are the
    page's saved links (target key -> page id, kept across renames): with them, no
    query is needed; otherwise targets that only match a former slug cost one query.
    """
    outline = outline if outline is not None else load_outline(space)
    stored = stored_links or {}
    refs = [ref for ref in find_links(body, space.slug) if not ref.foreign_space]
    unresolved = {
        ref.key
        for ref in refs
        if ref.key not in outline.by_key and slugify(ref.key) not in outline.by_slug
    }
    moved: dict[str, str] = {}
    for key in [k for k in unresolved if k in stored]:
        unresolved.discard(key)
        node = outline.by_id.get(stored[key]) if stored[key] else None
        if node is not None:
            moved[slugify(key)] = node.slug
    moved.update(_old_slugs(space, {slugify(k) for k in unresolved if slugify(k)}))
    new_url = url_for("wiki.new_page", space_slug=space.slug)

    def url_for_link(ref: WikiLinkRef) -> str | None:
        node = outline.by_key.get(ref.key) or outline.by_slug.get(slugify(ref.key))
        slug = node.slug if node else moved.get(slugify(ref.key))
        if slug:
            return url_for("wiki.view_page", space_slug=space.slug, slug=slug)
        if can_create:
            return url_for("wiki.new_page", space_slug=space.slug, title=ref.target)
        return None

    return render_page(
        body,
        space_slug=space.slug,
        url_for_link=url_for_link,
        missing_prefixes=[new_url + "?"],
        mention_url=mention_resolver(body),
    )
