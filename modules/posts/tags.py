"""Tags: parse a comma-separated list, find or create a space's tags."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import gettext

from parvis.extensions import db
from parvis.services.spaces import slugify

from .models import TAG_MAX, TAGS_PER_POST, Tag, post_tags


def parse_tags(raw: str | Iterable[str] | None) -> list[str]:
    """``"Santé, numérique,  santé"`` -> ``["Santé", "numérique"]`` (deduplicated by slug).

    Accepts a comma-separated string or a list of strings; whitespace is collapsed and
    names without any letter or digit are dropped.
    """
    if raw is None:
        return []
    parts = raw.split(",") if isinstance(raw, str) else [str(p) for p in raw]
    names: list[str] = []
    seen: set[str] = set()
    for part in parts:
        name = re.sub(r"\s+", " ", part).strip().lstrip("#").strip()
        slug = slugify(name)
        if not slug or slug in seen:
            continue
        seen.add(slug)
        names.append(name)
    return names


def check_tags(names: list[str]) -> str | None:
    """A translated error when there are too many tags or one is too long, else None."""
    if len(names) > TAGS_PER_POST:
        return gettext("Use at most %(n)s tags.", n=TAGS_PER_POST)
    if any(len(name) > TAG_MAX for name in names):
        return gettext("A tag may have at most %(n)s characters.", n=TAG_MAX)
    return None


def resolve_tags(space_id: int, names: list[str]) -> list[Tag]:
    """The space's tags for ``names``, creating the missing ones (one query + inserts)."""
    wanted = {slugify(name)[:64]: name for name in names}
    if not wanted:
        return []
    existing = {
        tag.slug: tag
        for tag in db.session.scalars(
            db.select(Tag).filter(Tag.space_id == space_id, Tag.slug.in_(wanted))
        )
    }
    result = []
    for slug, name in wanted.items():
        tag = existing.get(slug)
        if tag is None:
            tag = Tag(space_id=space_id, name=name, slug=slug)
            db.session.add(tag)
        result.append(tag)
    return result


def space_tags(space_id: int, limit: int = 100) -> list[Tag]:
    """Tags used by at least one post of a space, by name (for the feed's filter)."""
    used = db.select(post_tags.c.tag_id).where(post_tags.c.tag_id == Tag.id).exists()
    return list(
        db.session.scalars(
            db.select(Tag).filter(Tag.space_id == space_id, used).order_by(Tag.name).limit(limit)
        )
    )
