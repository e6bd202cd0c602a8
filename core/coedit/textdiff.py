"""Turn "the text is now X" into the smallest CRDT edit, so live cursors survive.

pycrdt (Yrs) addresses text by UTF-8 byte offsets; :func:`apply_text` diffs the Python
strings (characters) with :mod:`difflib` and converts each position before editing.
"""

from __future__ import annotations

import difflib

from pycrdt import Text


def _utf8_len(value: str) -> int:
    return len(value.encode("utf-8"))


def apply_text(text: Text, new: str) -> bool:
    """Edit ``text`` (inside one transaction) until it equals ``new``; False if it already did."""
    old = str(text)
    if old == new:
        return False
    # Common prefix and suffix first: difflib is quadratic at worst on what remains.
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    a, b = old[head:len(old) - tail], new[head:len(new) - tail]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    opcodes = [
        (tag, i1 + head, i2 + head, j1 + head, j2 + head)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]
    with text.doc.transaction():
        # From the end backwards: the prefix before each change is still the old one.
        for tag, i1, i2, j1, j2 in reversed(opcodes):
            start = _utf8_len(old[:i1])
            if tag in ("replace", "delete"):
                del text[start:start + _utf8_len(old[i1:i2])]
            if tag in ("replace", "insert"):
                text.insert(start, new[j1:j2])
    return True
