"""Folder listings: filter, sort and paginate the documents of one folder.

Two queries per page whatever the folder size (a count and the page, owners and
lock holders joined), plus one for the sub-folders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from parvis.extensions import db
from parvis.input_guards import valid_id
from parvis.models import Space, User

from .models import DocFolder, Document

PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 100_000
SORTS = {
    "name": Document.name_key,
    "date": Document.updated_at,
    "size": Document.size,
    "type": Document.content_type,
    "owner": User.name,
}
KINDS = {
    "image": Document.preview == "image",
    "pdf": Document.content_type == "application/pdf",
    "text": Document.preview.in_(("text", "markdown", "csv")),
    "note": Document.kind == "note",
    "other": Document.preview == "none",
}


@dataclass
class Listing:
    """One page of a folder's documents, with the filters that produced it."""

    items: list[Document]
    folders: list[DocFolder]
    page: int
    per_page: int
    total: int
    sort: str = "name"
    order: str = "asc"
    q: str = ""
    kind: str = ""
    owner_id: int | None = None
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def page_args(self, page: int) -> dict[str, Any]:
        return {**self.args, "page": page}


def _int(raw: Any, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(raw), low), high)
    except (TypeError, ValueError):
        return default


def parse_args(args: Any) -> dict[str, Any]:
    """Clean ``sort``, ``order``, ``q``, ``kind``, ``owner``, ``page``, ``per_page``."""
    sort = args.get("sort", "name")
    order = args.get("order", "desc" if sort == "date" else "asc")
    return {
        "sort": sort if sort in SORTS else "name",
        "order": order if order in ("asc", "desc") else "asc",
        "q": (args.get("q") or "").replace("\x00", "").strip()[:100],
        "kind": args.get("kind") if args.get("kind") in KINDS else "",
        "owner_id": valid_id(args.get("owner")),
        "page": _int(args.get("page"), 1, 1, MAX_PAGE),
        "per_page": _int(args.get("per_page"), PER_PAGE, 1, MAX_PER_PAGE),
    }


def documents_stmt(space: Space, folder: DocFolder | None, opts: dict[str, Any], *, everywhere: bool = False) -> Any:
    stmt = db.select(Document).where(Document.space_id == space.id, Document.deleted_at.is_(None))
    if not everywhere:
        stmt = stmt.where(Document.folder_id.is_(None) if folder is None else Document.folder_id == folder.id)
    if opts.get("q"):
        pattern = "%" + opts["q"].casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Document.name_key.like(pattern, escape="\\"))
    if opts.get("kind"):
        stmt = stmt.where(KINDS[opts["kind"]])
    if opts.get("owner_id"):
        stmt = stmt.where(Document.owner_id == opts["owner_id"])
    return stmt


def list_folder(space: Space, folder: DocFolder | None, opts: dict[str, Any], *, everywhere: bool = False) -> Listing:
    """The page of documents ``opts`` asks for, and the sub-folders of ``folder``."""
    stmt = documents_stmt(space, folder, opts, everywhere=everywhere)
    total = db.session.scalar(db.select(db.func.count()).select_from(stmt.subquery())) or 0
    column = SORTS[opts["sort"]]
    ordered = column.desc() if opts["order"] == "desc" else column.asc()
    page_stmt = (
        stmt.outerjoin(User, User.id == Document.owner_id)
        .order_by(ordered, Document.id)
        .limit(opts["per_page"])
        .offset((opts["page"] - 1) * opts["per_page"])
        .options(db.contains_eager(Document.owner), db.joinedload(Document.lock_owner))
    )
    items = list(db.session.scalars(page_stmt).unique())
    folders: list[DocFolder] = []
    if not everywhere and not opts.get("q") and not opts.get("kind") and not opts.get("owner_id"):
        folders = list(db.session.scalars(
            db.select(DocFolder).where(
                DocFolder.space_id == space.id,
                DocFolder.parent_id.is_(None) if folder is None else DocFolder.parent_id == folder.id,
                DocFolder.deleted_at.is_(None),
            ).order_by(DocFolder.name_key).limit(1000)
        ))
    args = {k: v for k, v in {"sort": opts["sort"], "order": opts["order"], "q": opts["q"], "kind": opts["kind"],
                               "owner": opts["owner_id"]}.items() if v}
    return Listing(items, folders, opts["page"], opts["per_page"], total, opts["sort"], opts["order"], opts["q"],
                   opts["kind"], opts["owner_id"], args)


def owners(space: Space) -> list[tuple[int, str]]:
    """People who own a live document of the space (for the owner filter)."""
    rows = db.session.execute(
        db.select(User.id, User.name).where(
            User.id.in_(db.select(Document.owner_id).where(Document.space_id == space.id, Document.deleted_at.is_(None)).distinct())
        ).order_by(User.name).limit(500)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def recent(space_ids: list[int], limit: int) -> dict[int, list[Document]]:
    """The ``limit`` most recently changed live documents of each space (one query)."""
    if not space_ids:
        return {}
    ranked = (
        db.select(Document.id, db.func.row_number().over(
            partition_by=Document.space_id, order_by=(Document.updated_at.desc(), Document.id.desc())).label("rank"))
        .where(Document.space_id.in_(space_ids), Document.deleted_at.is_(None))
        .subquery()
    )
    docs = db.session.scalars(
        db.select(Document).join(ranked, ranked.c.id == Document.id).where(ranked.c.rank <= limit)
        .order_by(Document.updated_at.desc(), Document.id.desc())
    )
    result: dict[int, list[Document]] = {sid: [] for sid in space_ids}
    for doc in docs:
        result[doc.space_id].append(doc)
    return result


def in_folders(keys: list[tuple[int, int | None]], limit: int) -> dict[tuple[int, int | None], list[Document]]:
    """The first ``limit`` live documents (by name) of each ``(space_id, folder_id)`` (one query)."""
    if not keys:
        return {}
    folder_key = db.func.coalesce(Document.folder_id, 0)
    ranked = (
        db.select(Document.id, db.func.row_number().over(
            partition_by=(Document.space_id, folder_key), order_by=(Document.name_key, Document.id)).label("rank"))
        .where(Document.space_id.in_({s for s, _f in keys}), folder_key.in_({f or 0 for _s, f in keys}),
               Document.deleted_at.is_(None))
        .subquery()
    )
    docs = db.session.scalars(
        db.select(Document).join(ranked, ranked.c.id == Document.id).where(ranked.c.rank <= limit)
        .order_by(Document.name_key, Document.id)
    )
    result: dict[tuple[int, int | None], list[Document]] = {k: [] for k in keys}
    for doc in docs:
        key = (doc.space_id, doc.folder_id)
        if key in result:
            result[key].append(doc)
    return result
