"""Shared by the wiki's views, API and widgets: permissions and page rendering."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import current_user

from parvis.extensions import db
from parvis.services.permissions import can
from parvis.services.spaces import module_settings, slugify
from parvis.templating import mention_url

from .links import WikiLinkRef, find_links
from .models import WikiPage, WikiSlugHistory
from .outline import Outline, load_outline
from .rendering import RenderedPage, render_page

MODULE_ID = "wiki"


def settings(space: Any) -> dict[str, Any]:
    return module_settings(space, MODULE_ID)


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
) -> RenderedPage:
    """Render a page's markdown with its wiki links resolved in ``space`` only.

    Uses the already loaded ``outline`` (else loads it): links cost at most one more
    query, for targets that only match a former slug.
    """
    outline = outline if outline is not None else load_outline(space)
    refs = [ref for ref in find_links(body, space.slug) if not ref.foreign_space]
    unresolved = {
        slugify(ref.key)
        for ref in refs
        if ref.key not in outline.by_key and slugify(ref.key) not in outline.by_slug
    }
    moved = _old_slugs(space, {s for s in unresolved if s})
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
        mention_url=mention_url,
    )
