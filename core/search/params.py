"""Search parameters from a query string, checked the same way for the page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask_babel import gettext

from ..extensions import db
from ..models import Space, User
from ..services.permissions import can_see_space
from .backend import MAX_QUERY_LENGTH, SORTS, SearchQuery

#: Longest query text accepted from a form (longer is refused with a message).
MAX_INPUT_LENGTH = 500
MAX_PAGE = 500
PER_PAGE = 20


@dataclass
class Params:
    """Checked search parameters and what they refer to."""

    q: str = ""
    space: Space | None = None
    type: str = ""
    author: User | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE

    def query(self, facets: bool = True) -> SearchQuery:
        """The backend query (scopes are filled in by the service)."""
        return SearchQuery(
            text=self.q[:MAX_QUERY_LENGTH],
            scopes=frozenset(),
            space_ids=(self.space.id,) if self.space else (),
            types=(self.type,) if self.type else (),
            author_id=self.author.id if self.author else None,
            date_from=datetime.combine(self.date_from, time.min, UTC) if self.date_from else None,
            date_to=datetime.combine(self.date_to, time.max, UTC) if self.date_to else None,
            sort=self.sort,
            page=self.page,
            per_page=self.per_page,
            facets=facets,
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments of these parameters with ``changes`` (None drops one)."""
        values: dict[str, Any] = {
            "q": self.q,
            "space": self.space.slug if self.space else None,
            "type": self.type or None,
            "author": self.author.id if self.author else None,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "sort": self.sort if self.sort != "relevance" else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


def _date(raw: str, name: str, errors: dict[str, list[str]]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = [gettext("Enter a date as YYYY-MM-DD.")]
        return None


def _int(raw: str, name: str, errors: dict[str, list[str]], low: int, high: int) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = [gettext("Enter a whole number between %(low)s and %(high)s.", low=low, high=high)]
        return None
    return int(raw)


def parse(args: Any, user: Any, known_types: set[str], max_per_page: int = 100) -> tuple[Params, dict[str, list[str]]]:
    """Read ``q, space, type, author, from, to, sort, page, per_page`` from ``args``.

    Returns the parameters and the errors by field (empty when all is well). A space
    the user may not see is answered like a space that does not exist.
    """
    errors: dict[str, list[str]] = {}
    params = Params()
    q = (args.get("q") or "").replace("\x00", " ").strip()
    if len(q) > MAX_INPUT_LENGTH:
        errors["q"] = [gettext("Use at most %(n)s characters.", n=MAX_INPUT_LENGTH)]
        q = q[:MAX_INPUT_LENGTH]
    params.q = q
    slug = (args.get("space") or "").strip()
    if slug:
        space = db.session.scalar(db.select(Space).filter_by(slug=slug[:64])) if len(slug) <= 64 else None
        if space is None or not can_see_space(user, space):
            errors["space"] = [gettext("There is no such space.")]
        else:
            params.space = space
    type_id = (args.get("type") or "").strip()
    if type_id:
        if type_id not in known_types:
            errors["type"] = [gettext("Choose a kind of content from the list.")]
        else:
            params.type = type_id
    author_id = _int((args.get("author") or "").strip(), "author", errors, 1, 2**31 - 1)
    if author_id is not None:
        params.author = db.session.get(User, author_id)
        if params.author is None:
            errors["author"] = [gettext("There is no such person.")]
    params.date_from = _date((args.get("from") or "").strip(), "from", errors)
    params.date_to = _date((args.get("to") or "").strip(), "to", errors)
    if params.date_from and params.date_to and params.date_from > params.date_to:
        errors["to"] = [gettext("The end date must come after the start date.")]
    sort = (args.get("sort") or "relevance").strip()
    if sort not in SORTS:
        errors["sort"] = [gettext("Sort by relevance or by date.")]
    else:
        params.sort = sort
    params.page = _int((args.get("page") or "").strip(), "page", errors, 1, MAX_PAGE) or 1
    per_page = _int((args.get("per_page") or "").strip(), "per_page", errors, 1, max_per_page)
    params.per_page = per_page or PER_PAGE
    return params, errors


def known_types() -> dict[str, str]:
    """Every findable type id with its label, core types first."""
    from ..plugins.manager import current_platform
    from .documents import PERSON_TYPE, SPACE_TYPE
    from .service import type_label

    platform = current_platform()
    types = {SPACE_TYPE: type_label(SPACE_TYPE, platform), PERSON_TYPE: type_label(PERSON_TYPE, platform)}
    for spec in platform.ordered_modules():
        for ct in spec.content_types:
            types[ct.id] = str(ct.label)
    return types
