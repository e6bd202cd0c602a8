"""A readable word-level diff of two texts, as escaped HTML with ``<ins>``/``<del>``.

Lines are compared first (fast on long pages); changed blocks of lines are then
compared word by word. Every piece of text is HTML-escaped before it is wrapped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
#: Above this many tokens in one changed block, it is shown as removed + added whole.
MAX_WORD_DIFF_TOKENS = 20_000


@dataclass
class DiffResult:
    """The diff as safe HTML, and how many words were added and removed."""

    html: Markup
    added: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def _count_words(text: str) -> int:
    return sum(1 for tok in TOKEN_RE.findall(text) if not tok.isspace())


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.added = 0
        self.removed = 0

    def same(self, text: str) -> None:
        if text:
            self.parts.append(str(escape(text)))

    def ins(self, text: str) -> None:
        if text:
            self.added += _count_words(text)
            self.parts.append(f"<ins>{escape(text)}</ins>")

    def delete(self, text: str) -> None:
        if text:
            self.removed += _count_words(text)
            self.parts.append(f"<del>{escape(text)}</del>")


def _word_diff(old: str, new: str, out: _Builder) -> None:
    a, b = TOKEN_RE.findall(old), TOKEN_RE.findall(new)
    if len(a) + len(b) > MAX_WORD_DIFF_TOKENS:
        out.delete(old)
        out.ins(new)
        return
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.same("".join(a[i1:i2]))
        else:
            out.delete("".join(a[i1:i2]))
            out.ins("".join(b[j1:j2]))


def word_diff(old: str, new: str) -> DiffResult:
    """Compare ``old`` and ``new``; unchanged text is kept, changes are marked up."""
    old_lines = (old or "").replace("\r\n", "\n").splitlines(keepends=True)
    new_lines = (new or "").replace("\r\n", "\n").splitlines(keepends=True)
    out = _Builder()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old_block, new_block = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if op == "equal":
            out.same(old_block)
        elif op == "replace":
            _word_diff(old_block, new_block, out)
        elif op == "delete":
            out.delete(old_block)
        else:
            out.ins(new_block)
    return DiffResult(Markup("".join(out.parts)), out.added, out.removed)  # noqa: S704 - escaped
