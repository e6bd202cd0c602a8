"""``[[Wiki links]]``: find them, and turn them into ordinary markdown links.

Syntax: ``[[Page title]]`` and ``[[Page title|label]]``. Links resolve only within
the page's own space. A target written ``other-space:Page`` names another space: it
is shown as plain text and never resolved. Links inside code spans and fenced code
blocks are left alone.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

WIKI_LINK_RE = re.compile(r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{0,200}))?\]\]")
#: Fenced code blocks and inline code spans, which keep ``[[...]]`` literally.
CODE_RE = re.compile(
    r"(^[ \t]{0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]{0,3}\2[ \t]*$|\Z))|(`+)(?:.+?)\3",
    re.MULTILINE | re.DOTALL,
)
#: ``space-slug:Title``: a link aimed at another space (never resolved).
SPACE_PREFIX_RE = re.compile(r"^([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)\s*:\s*(.+)$")
_PUNCT = set(string.punctuation)


def title_key(title: str) -> str:
    """Normalise a title for matching: NFKC, casefold, single spaces."""
    text = unicodedata.normalize("NFKC", title or "")
    return " ".join(text.casefold().split())[:200]


def escape_markdown(text: str) -> str:
    """Backslash-escape every ASCII punctuation character (CommonMark allows all)."""
    return "".join("\\" + ch if ch in _PUNCT else ch for ch in text)


@dataclass(frozen=True)
class WikiLinkRef:
    """One ``[[...]]`` occurrence: its target, its label and whether it aims elsewhere."""

    target: str
    label: str
    foreign_space: str | None = None

    @property
    def key(self) -> str:
        return title_key(self.target)


def parse_link(target: str, label: str | None, space_slug: str) -> WikiLinkRef:
    """Build a :class:`WikiLinkRef` from the two parts of ``[[target|label]]``."""
    target = " ".join(target.split())
    shown = " ".join((label or "").split()) or target
    prefix = SPACE_PREFIX_RE.match(target)
    if prefix and prefix.group(1) != space_slug:
        return WikiLinkRef(target=target, label=shown, foreign_space=prefix.group(1))
    if prefix:  # the page's own space, written explicitly
        target = prefix.group(2).strip()
        shown = " ".join((label or "").split()) or target
    return WikiLinkRef(target=target, label=shown)


def _split_code(source: str) -> list[tuple[bool, str]]:
    """Cut ``source`` into (is_code, text) parts."""
    parts: list[tuple[bool, str]] = []
    last = 0
    for match in CODE_RE.finditer(source):
        if match.start() > last:
            parts.append((False, source[last : match.start()]))
        parts.append((True, match.group(0)))
        last = match.end()
    if last < len(source):
        parts.append((False, source[last:]))
    return parts


def find_links(source: str, space_slug: str) -> list[WikiLinkRef]:
    """Every wiki link of ``source`` outside code, in order."""
    found: list[WikiLinkRef] = []
    for is_code, text in _split_code(source or ""):
        if is_code:
            continue
        for match in WIKI_LINK_RE.finditer(text):
            if match.group(1).strip():
                found.append(parse_link(match.group(1), match.group(2), space_slug))
    return found


def link_keys(source: str, space_slug: str) -> set[str]:
    """Normalised targets of the same-space links of ``source`` (for the links table)."""
    return {ref.key for ref in find_links(source, space_slug) if not ref.foreign_space and ref.key}


def rewrite_links(
    source: str,
    space_slug: str,
    url_for_link: Callable[[WikiLinkRef], str | None],
) -> str:
    """Replace each wiki link by a markdown link, or by plain (escaped) text.

    ``url_for_link`` returns the URL of a link (an existing page, or the "create this
    page" form) or None to show the label as plain text.
    """

    def replace(match: re.Match[str]) -> str:
        if not match.group(1).strip():
            return match.group(0)
        ref = parse_link(match.group(1), match.group(2), space_slug)
        url = None if ref.foreign_space else url_for_link(ref)
        label = escape_markdown(ref.label)
        if not url:
            return label
        return f"[{label}](<{url}>)"

    out = []
    for is_code, text in _split_code(source or ""):
        out.append(text if is_code else WIKI_LINK_RE.sub(replace, text))
    return "".join(out)
