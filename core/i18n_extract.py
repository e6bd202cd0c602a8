"""A Babel extractor for the labels of layouts and themes (``layout.json``, ``theme.json``).

Referenced from ``babel.cfg`` as ``parvis.i18n_extract:extract_json_labels``: every
``label`` and ``description`` value, at any depth, becomes a msgid; the core shows
them through ``gettext``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

KEYS = ("label", "description")


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in KEYS and isinstance(value, str) and value.strip():
                yield value
            else:
                yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def extract_json_labels(
    fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield ``(lineno, funcname, message, comments)`` as Babel expects."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    lines = text.splitlines()
    for message in _strings(json.loads(text)):
        needle = json.dumps(message, ensure_ascii=False)
        lineno = next((i for i, line in enumerate(lines, 1) if needle in line), 1)
        yield lineno, "gettext", message, []
