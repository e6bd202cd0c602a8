"""The page tree of a space, loaded in one query and built in Python."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from parvis.extensions import db

from .models import WikiPage


@dataclass(slots=True)
class PageNode:
    """A light view of a live page (no text), with its children once the tree is built."""

    id: int
    parent_id: int | None
    title: str
    slug: str
    title_key: str
    position: int
    is_template: bool
    children: list[PageNode] = field(default_factory=list)
    depth: int = 0


class Outline:
    """Every live (not deleted) page of a space, indexed by id, title key and slug."""

    def __init__(self, rows: list[PageNode]) -> None:
        self.by_id = {row.id: row for row in rows}
        self.by_key: dict[str, PageNode] = {}
        self.by_slug = {row.slug: row for row in rows}
        for row in sorted(rows, key=lambda r: r.id):
            self.by_key.setdefault(row.title_key, row)
        self.roots: list[PageNode] = []
        for row in rows:
            parent = self.by_id.get(row.parent_id) if row.parent_id else None
            (parent.children if parent else self.roots).append(row)
        order = lambda node: (node.position, node.title_key, node.id)  # noqa: E731
        self.roots.sort(key=order)
        for row in rows:
            if len(row.children) > 1:
                row.children.sort(key=order)
        self._depths_set = False

    def _set_depths(self) -> None:
        """Fill ``depth`` (only the parent pickers need it, so it is done on demand)."""
        if self._depths_set:
            return
        self._depths_set = True
        stack = [(node, 0) for node in self.roots]
        seen: set[int] = set()
        while stack:
            node, depth = stack.pop()
            if node.id in seen:  # defensive: a cycle in stored data never loops forever
                continue
            seen.add(node.id)
            node.depth = depth
            stack.extend((child, depth + 1) for child in node.children)

    def __len__(self) -> int:
        return len(self.by_id)

    def ancestors(self, page_id: int) -> list[PageNode]:
        """From the root down to the parent of ``page_id``."""
        chain: list[PageNode] = []
        node = self.by_id.get(page_id)
        seen = {page_id}
        while node is not None and node.parent_id and node.parent_id not in seen:
            seen.add(node.parent_id)
            node = self.by_id.get(node.parent_id)
            if node is not None:
                chain.append(node)
        return list(reversed(chain))

    def children(self, page_id: int | None) -> list[PageNode]:
        if page_id is None:
            return self.roots
        node = self.by_id.get(page_id)
        return node.children if node else []

    def descendant_ids(self, page_id: int) -> set[int]:
        """Ids of every page below ``page_id``."""
        found: set[int] = set()
        stack = list(self.children(page_id))
        while stack:
            node = stack.pop()
            if node.id not in found:
                found.add(node.id)
                stack.extend(node.children)
        return found

    def walk(self) -> Iterator[PageNode]:
        """Depth-first, in display order (with ``depth`` set)."""
        self._set_depths()
        stack = list(reversed(self.roots))
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            if node.id in seen:
                continue
            seen.add(node.id)
            yield node
            stack.extend(reversed(node.children))

    def templates(self) -> list[PageNode]:
        return sorted((n for n in self.by_id.values() if n.is_template), key=lambda n: n.title_key)


def load_outline(space: Any) -> Outline:
    """All live pages of ``space`` (one query, no page text)."""
    rows = db.session.execute(
        db.select(
            WikiPage.id,
            WikiPage.parent_id,
            WikiPage.title,
            WikiPage.slug,
            WikiPage.title_key,
            WikiPage.position,
            WikiPage.is_template,
        ).where(WikiPage.space_id == space.id, WikiPage.deleted_at.is_(None))
    ).all()
    return Outline([PageNode(*row) for row in rows])
