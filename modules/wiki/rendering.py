"""Render a page's markdown: wiki links resolved in its space, heading ids, ToC.

The source goes through the core :func:`~parvis.services.markdown.render_markdown`
(markdown-it + nh3) after wiki links became plain markdown links, so the sanitiser
always applies. Heading ids are then added and the HTML is cleaned once more with
``id`` allowed on ``h1``-``h6`` only (and only values this module generates).
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import nh3
from markupsafe import Markup

from parvis.services.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    URL_SCHEMES,
    mentioned_usernames,
    render_markdown,
)

from .links import WikiLinkRef, find_links, rewrite_links

HEADING_RE = re.compile(r"<h([1-6])>(.*?)</h\1>", re.DOTALL)
TAG_RE = re.compile(r"<[^>]+>")
HEADING_ID_RE = re.compile(r"^h-[a-z0-9-]{1,80}$")
HEADING_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}


@dataclass(frozen=True)
class TocEntry:
    """A heading of the page: level (1-6), anchor id and plain text."""

    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class RenderedPage:
    """Safe HTML of a page and its table of contents (shared from a cache: read only)."""

    html: Markup
    toc: tuple[TocEntry, ...] = ()


def heading_anchor(text: str, seen: dict[str, int]) -> str:
    """A unique ``h-...`` id made of lowercase ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or "section"
    count = seen.get(base, 0) + 1
    seen[base] = count
    return f"h-{base}" if count == 1 else f"h-{base}-{count}"


def _keep_heading_id(tag: str, attr: str, value: str) -> str | None:
    if attr == "id":
        return value if tag in {"h1", "h2", "h3", "h4", "h5", "h6"} and HEADING_ID_RE.match(value) else None
    return value


def add_heading_ids(clean_html: str) -> tuple[str, list[TocEntry]]:
    """Give each heading of sanitised HTML an id; return the HTML and the ToC."""
    seen: dict[str, int] = {}
    toc: list[TocEntry] = []

    def replace(match: re.Match[str]) -> str:
        level, inner = int(match.group(1)), match.group(2)
        text = " ".join(html_lib.unescape(TAG_RE.sub("", inner)).split())
        anchor = heading_anchor(text, seen)
        toc.append(TocEntry(level, anchor, text))
        return f'<h{level} id="{anchor}">{inner}</h{level}>'

    return HEADING_RE.sub(replace, clean_html), toc


def sanitise_with_heading_ids(text: str) -> str:
    """The core's nh3 rules plus ``id`` on headings (ids this module generates only)."""
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=HEADING_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
        attribute_filter=_keep_heading_id,
    )


def render_page(
    source: str,
    *,
    space_slug: str,
    url_for_link: Callable[[WikiLinkRef], str | None],
    missing_prefixes: Iterable[str] = (),
    mention_url: Callable[[str], str | None] | None = None,
) -> RenderedPage:
    """Render ``source`` (a page's markdown) to safe HTML with heading ids and a ToC.

    ``missing_prefixes`` are URL prefixes of "create this page" links, marked with the
    ``wiki-link--missing`` class so they look different from links to existing pages.
    The output depends only on the text, the links' URLs and the mentions' URLs, so
    it is cached on exactly those (a page viewed again is not parsed again).
    """
    source = source or ""
    links = tuple(
        sorted({(ref.target, ref.label): url_for_link(ref) for ref in find_links(source, space_slug)
                if not ref.foreign_space}.items())
    )
    mentions = tuple(
        sorted((handle, mention_url(handle)) for handle in mentioned_usernames(source))
    ) if mention_url is not None else None
    return _render_cached(source, space_slug, links, mentions, tuple(missing_prefixes))


@lru_cache(maxsize=256)
def _render_cached(
    source: str,
    space_slug: str,
    links: tuple[tuple[tuple[str, str], str | None], ...],
    mentions: tuple[tuple[str, str | None], ...] | None,
    missing_prefixes: tuple[str, ...],
) -> RenderedPage:
    urls = dict(links)
    text = rewrite_links(source, space_slug, lambda ref: urls.get((ref.target, ref.label)))
    mention_map = dict(mentions) if mentions is not None else None
    first = str(render_markdown(text, mention_url=mention_map.get if mention_map is not None else None))
    for prefix in missing_prefixes:
        escaped = html_lib.escape(prefix, quote=True)
        first = first.replace(f'<a href="{escaped}', f'<a class="wiki-link--missing" href="{escaped}')
    with_ids, toc = add_heading_ids(first)
    return RenderedPage(Markup(sanitise_with_heading_ids(with_ids)), tuple(toc))  # noqa: S704 - nh3 above
