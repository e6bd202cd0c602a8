"""Offset pagination for list pages: two queries (count, page) whatever the table size."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import request

from ..extensions import db


@dataclass
class Page:
    """One page of results; ``items`` are rows (tuples) or scalars as selected."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def args(self, page: int) -> dict[str, Any]:
        """The current query-string arguments with ``page`` replaced (for links)."""
        values = {k: v for k, v in request.args.items() if k != "page"}
        values["page"] = page
        return values


def current_page() -> int:
    """``?page=`` as a positive int (1 when missing or malformed)."""
    page = request.args.get("page", 1, type=int) or 1
    return max(1, min(page, 100000))


def paginate(stmt: Any, *, per_page: int = 30, scalars: bool = True) -> Page:
    """Run ``stmt`` for the current ``?page=``; ``scalars=False`` keeps whole rows."""
    page = current_page()
    total = db.session.scalar(db.select(db.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    query = stmt.limit(per_page).offset((page - 1) * per_page)
    items = list(db.session.scalars(query)) if scalars else list(db.session.execute(query).all())
    return Page(items=items, page=page, per_page=per_page, total=total)
