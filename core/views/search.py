"""Search pages: the results page (global or in one space) and suggestions as you type.

``GET /search?q=...&space=&type=&author=&from=&to=&sort=&page=`` is a plain form: it
works without JavaScript. ``GET /search/suggest?q=`` answers JSON for the header box.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from ..extensions import db
from ..models import Space, User
from ..search.documents import MARK_END, MARK_START
from ..search.params import known_types, parse
from ..search.service import EXTENSION_KEY, SearchService, type_label

bp = Blueprint("search", __name__)

#: Facet values listed per facet.
FACET_LIMIT = 10


def render_snippet(raw: str) -> Markup:
    """A snippet with its matches in ``<mark>``; everything else escaped."""
    text = str(escape(raw or ""))
    # Safe: the text is escaped above; only our own markers become tags.
    return Markup(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S704 - escaped above; only our markers become tags


@bp.app_template_filter("search_snippet")
def search_snippet_filter(raw: str) -> Markup:
    return render_snippet(raw)


def _service() -> SearchService:
    return current_app.extensions[EXTENSION_KEY]


def _facet_rows(facets: dict[str, dict[str, int]], types: dict[str, str]) -> dict[str, list[tuple[str, str, int]]]:
    """Facet values as ``(value, label, count)``, most frequent first (two queries)."""
    rows: dict[str, list[tuple[str, str, int]]] = {}
    for name in ("type", "space", "author"):
        top = sorted(facets.get(name, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_LIMIT]
        rows[name] = [(value, value, count) for value, count in top]
    space_ids = [int(v) for v, _, _ in rows["space"] if v.isdigit() and v != "0"]
    spaces: dict[int, Space] = {}
    if space_ids:
        spaces = {
            s.id: s for s in db.session.scalars(db.select(Space).filter(Space.id.in_(space_ids)))
        }
    rows["space"] = [
        (spaces[int(v)].slug, spaces[int(v)].name, n) for v, _, n in rows["space"] if v.isdigit() and int(v) in spaces
    ]
    author_ids = [int(v) for v, _, _ in rows["author"] if v.isdigit()]
    users = (
        {u.id: u for u in db.session.scalars(db.select(User).filter(User.id.in_(author_ids)))}
        if author_ids
        else {}
    )
    rows["author"] = [(v, users[int(v)].name, n) for v, _, n in rows["author"] if v.isdigit() and int(v) in users]
    rows["type"] = [(v, types.get(v) or type_label(v), n) for v, _, n in rows["type"]]
    return rows


@bp.get("/search")
@login_required
def results():  # noqa: ANN201
    """The results page: hits with snippets, facets, sorting, pages, "did you mean"."""
    types = known_types()
    params, errors = parse(request.args, current_user, set(types), max_per_page=50)
    context = {"params": params, "errors": errors, "types": types, "results": [], "found": None, "facets": {}}
    if errors:
        return render_template("search/results.html", **context), 422
    if params.q:
        service = _service()
        found, access = service.search(current_user, params.query())
        context.update(
            found=found,
            results=service.decorate(found.hits, access),
            facets=_facet_rows(found.facets, types),
        )
    return render_template("search/results.html", **context)


@bp.get("/search/suggest")
@login_required
def suggest():  # noqa: ANN201
    """Titles of spaces, pages and people matching what is typed (JSON, for the header box)."""
    text = (request.args.get("q") or "").strip()[:100]
    if len(text) < 2:
        return jsonify({"suggestions": []})
    hits = _service().suggest(current_user, text, limit=8)
    response = jsonify(
        {
            "suggestions": [
                {"title": h.title, "url": h.url, "type": h.type, "label": type_label(h.type)} for h in hits
            ],
            "all_results": gettext("All results for “%(q)s”", q=text),
        }
    )
    response.headers["Cache-Control"] = "private, max-age=30"
    return response
