"""Markdown rendering: markdown-it-py's safe preset, then nh3 sanitising.

Raw HTML in the source is escaped, never passed through; links get
``rel="noopener noreferrer nofollow"``; ``javascript:`` and ``data:`` URLs are dropped.
``@username`` mentions become links to the profile when the user exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9][A-Za-z0-9._-]{1,63})")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "td": {"style"},
    "th": {"style"},
    "span": {"class"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def _md() -> MarkdownIt:
    md = MarkdownIt("js-default", {"linkify": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


_MD = _md()


def mentioned_usernames(source: str) -> set[str]:
    """The ``@username`` handles in ``source`` (outside code is not distinguished)."""
    return {m.lower().rstrip(".") for m in MENTION_RE.findall(source or "")}


def render_markdown(
    source: str | None,
    *,
    mention_url: Callable[[str], str | None] | None = None,
) -> Markup:
    """Render user markdown to sanitised HTML safe to put in any page."""
    if not source:
        return Markup("")
    text = source
    if mention_url is not None:
        def replace(match: re.Match[str]) -> str:
            handle = match.group(1).rstrip(".")
            url = mention_url(handle.lower())
            if not url:
                return match.group(0)
            return f"[@{handle}]({url})" + match.group(1)[len(handle):]

        text = MENTION_RE.sub(replace, text)
    html = _MD.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def plain_text(source: str | None, limit: int | None = None) -> str:
    """Markdown to plain text (for excerpts, notifications and search)."""
    if not source:
        return ""
    text = nh3.clean(_MD.render(source), tags=set())
    import html

    text = re.sub(r"\s+", " ", html.unescape(text)).strip()
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text
