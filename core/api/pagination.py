"""Page-number pagination: ``?page=2&per_page=50`` -> ``{"data": [...], "meta": {...}}``.

Two SQL queries per page whatever the table size: a ``count(*)`` over the filtered
statement and the page itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select

from ..extensions import db

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


#: Highest page number accepted (page * per_page must fit a 64-bit OFFSET).
MAX_PAGE = 1_000_000


class PageQuerySchema(Schema):
    """``page`` (from 1) and ``per_page`` (1 to 100) query parameters."""

    page = fields.Integer(
        load_default=1,
        # Bounded so the OFFSET always fits a 64-bit integer on every database.
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": f"Page number, from 1 to {MAX_PAGE}."},
    )
    per_page = fields.Integer(
        load_default=DEFAULT_PER_PAGE,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"Items per page (1 to {MAX_PER_PAGE})."},
    )


class PageMetaSchema(Schema):
    """Where a page sits in the whole list."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Items in the whole list."})
    pages = fields.Integer(required=True, metadata={"description": "Number of pages."})


@dataclass
class Page:
    """One page of a list: ``items`` plus where it sits in the whole list."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def meta(self) -> dict[str, int]:
        return {"page": self.page, "per_page": self.per_page, "total": self.total, "pages": self.pages}

    def as_dict(self) -> dict[str, Any]:
        return {"data": list(self.items), "meta": self.meta}

    @property
    def data(self) -> list[Any]:
        return self.items


def paginate(stmt: Select, query: dict[str, Any], *, scalars: bool = True) -> Page:
    """Run ``stmt`` for the page named in ``query`` (loaded with :class:`PageQuerySchema`).

    ``scalars=False`` keeps whole rows (``select(Space, Membership.role)``).
    The statement must be ordered for stable pages.
    """
    page = int(query.get("page") or 1)
    per_page = int(query.get("per_page") or DEFAULT_PER_PAGE)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    paged = stmt.limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(paged)
    items = list(result.scalars() if scalars else result.all())
    return Page(items=items, page=page, per_page=per_page, total=total)


_PAGE_SCHEMAS: dict[type[Schema], type[Schema]] = {}


def page_schema(item: type[Schema] | Schema) -> type[Schema]:
    """The ``{"data": [item...], "meta": PageMeta}`` schema for ``item`` (one class per item)."""
    item_cls = item if isinstance(item, type) else type(item)
    if item_cls not in _PAGE_SCHEMAS:
        base = item_cls.__name__.removesuffix("Schema") or item_cls.__name__
        _PAGE_SCHEMAS[item_cls] = Schema.from_dict(
            {
                "data": fields.List(fields.Nested(item_cls), required=True),
                "meta": fields.Nested(PageMetaSchema, required=True),
            },
            name=f"{base}PageSchema",
        )
        # Qualifies the component name if two modules' item schemas share a name.
        _PAGE_SCHEMAS[item_cls]._parvis_item_module = item_cls.__module__  # type: ignore[attr-defined]
    return _PAGE_SCHEMAS[item_cls]
