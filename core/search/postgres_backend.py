"""The PostgreSQL backend: full-text search in the application's own database.

Every worker on every machine sees the same index, so it suits deployments with several
servers. Documents live in ``search_entries`` (:mod:`parvis.search.models`) with a
``tsvector`` column under a GIN index. Text is analysed with the ``parvis_fr``
configuration (French stemming after ``unaccent``); when the ``unaccent`` extension
cannot be created (no privilege), the backend falls back to the ``simple``
configuration (no stemming, accents kept) and logs it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from .backend import Hit, SearchBackend, SearchQuery, SearchResults, query_words, suggestion_words
from .documents import MARK_END, MARK_START, SearchDocument

log = logging.getLogger(__name__)

TABLE = "search_entries"
BATCH = 1000

SETUP_SQL = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'parvis_fr') THEN
    CREATE TEXT SEARCH CONFIGURATION parvis_fr (COPY = french);
    ALTER TEXT SEARCH CONFIGURATION parvis_fr
      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
  END IF;
END
$$;
"""

_UPSERT = """
INSERT INTO search_entries
  (type, object_id, space_id, module, scope, title, excerpt, url, author_id, date, tags, tsv)
VALUES
  (:type, :object_id, :space_id, :module, :scope, :title, :excerpt, :url, :author_id, :date,
   CAST(:tags AS json),
   setweight(to_tsvector('{cfg}', :title), 'A')
   || setweight(to_tsvector('{cfg}', :tagtext), 'B')
   || setweight(to_tsvector('{cfg}', :body), 'D'))
ON CONFLICT (type, object_id) DO UPDATE SET
  space_id = EXCLUDED.space_id, module = EXCLUDED.module, scope = EXCLUDED.scope,
  title = EXCLUDED.title, excerpt = EXCLUDED.excerpt, url = EXCLUDED.url,
  author_id = EXCLUDED.author_id, date = EXCLUDED.date, tags = EXCLUDED.tags,
  tsv = EXCLUDED.tsv
"""

_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=28, MinWords=12, "
    "MaxFragments=2, FragmentDelimiter=\" … \""
)


def _scope_clause(scopes: frozenset[str], params: dict[str, Any]) -> str:
    """SQL for "the document's scope is one of ``scopes``", in a form the planner likes.

    A user reads hundreds of spaces times six modules: a text array of a thousand scopes
    costs tens of milliseconds to plan and defeats the indexes. So module content is
    matched on integer space ids (``ix_search_entries_space_id``, combined with the GIN
    index in a BitmapAnd), the modules seen in the scopes, and the few scopes of
    switched-off modules excluded; the core's scopes (spaces, people) are matched as they
    are. The result is exactly ``scope = ANY(scopes)``.
    """
    spaces: dict[int, set[str]] = {}
    core: list[str] = []
    for scope in scopes:
        head, _, module = scope.partition(":")
        if head.isdigit() and module and module != "core":
            spaces.setdefault(int(head), set()).add(module)
        else:
            core.append(scope)
    modules = sorted(set().union(*spaces.values())) if spaces else []
    blocked = sorted(f"{sid}:{m}" for sid, enabled in spaces.items() for m in modules if m not in enabled)
    params.update(scope_spaces=sorted(spaces), scope_modules=modules, scope_blocked=blocked, scope_core=sorted(core))
    content = "e.space_id = ANY(:scope_spaces) AND e.module = ANY(:scope_modules)"
    if blocked:
        content += " AND NOT (e.scope = ANY(:scope_blocked))"
    return f"(({content}) OR e.scope = ANY(:scope_core))"


def _row(doc: SearchDocument) -> dict[str, Any]:
    return {
        "type": doc.type,
        "object_id": doc.object_id,
        "space_id": doc.space_id,
        "module": doc.module,
        "scope": doc.scope,
        "title": doc.title,
        "excerpt": doc.excerpt,
        "url": doc.url,
        "author_id": doc.author_id,
        "date": doc.date,
        "tags": json.dumps(doc.tags),
        "tagtext": " ".join(doc.tags),
        "body": doc.body,
    }


class PostgresBackend(SearchBackend):
    """Full-text search in ``search_entries``; ``engine`` returns the SQLAlchemy engine."""

    name = "postgres"
    supports_spelling = False

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self._engine = engine
        self._config: str | None = None

    # -- set-up -------------------------------------------------------------------

    @property
    def config(self) -> str:
        """The text search configuration in use (``parvis_fr`` or ``simple``)."""
        if self._config is None:
            self.setup()
        return self._config or "simple"

    def setup(self) -> None:
        engine = self._engine()
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(SETUP_SQL)
            self._config = "parvis_fr"
        except Exception as exc:  # noqa: BLE001  (no privilege to create the extension)
            with engine.connect() as conn:
                found = conn.scalar(text("SELECT 1 FROM pg_ts_config WHERE cfgname = 'parvis_fr'"))
            self._config = "parvis_fr" if found else "simple"
            if not found:
                log.warning("search: unaccent unavailable (%s); using the 'simple' configuration", exc)

    # -- writing ------------------------------------------------------------------

    def _write(self, conn: Connection, docs: list[SearchDocument]) -> None:
        if docs:
            conn.execute(text(_UPSERT.format(cfg=self.config)), [_row(d) for d in docs])

    def upsert(self, docs: list[SearchDocument]) -> None:
        if not docs:
            return
        with self._engine().begin() as conn:
            for start in range(0, len(docs), BATCH):
                self._write(conn, docs[start : start + BATCH])

    def delete(self, keys: list[tuple[str, int]]) -> None:
        if not keys:
            return
        with self._engine().begin() as conn:
            conn.execute(
                text("DELETE FROM search_entries WHERE type = :type AND object_id = :object_id"),
                [{"type": t, "object_id": o} for t, o in keys],
            )

    def delete_space(self, space_id: int) -> None:
        with self._engine().begin() as conn:
            conn.execute(text("DELETE FROM search_entries WHERE space_id = :s"), {"s": space_id})

    def rebuild(self, docs: Iterable[SearchDocument], space_id: int | None = None) -> int:
        engine = self._engine()
        count = 0
        if space_id is None:
            with engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM search_entries")
            batch: list[SearchDocument] = []
            for doc in docs:
                batch.append(doc)
                if len(batch) >= BATCH:
                    with engine.begin() as conn:
                        self._write(conn, batch)
                    count += len(batch)
                    batch = []
            with engine.begin() as conn:
                self._write(conn, batch)
                conn.exec_driver_sql("ANALYZE search_entries")
            return count + len(batch)
        with engine.begin() as conn:  # one space: all or nothing
            conn.execute(text("DELETE FROM search_entries WHERE space_id = :s"), {"s": space_id})
            batch = []
            for doc in docs:
                batch.append(doc)
                count += 1
                if len(batch) >= BATCH:
                    self._write(conn, batch)
                    batch = []
            self._write(conn, batch)
        return count

    def count(self) -> int:
        with self._engine().connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM search_entries")) or 0)

    # -- reading ------------------------------------------------------------------

    def _where(self, query: SearchQuery, params: dict[str, Any]) -> str:
        clauses = ["e.tsv @@ q.query", _scope_clause(query.scopes, params)]
        if query.space_ids:
            clauses.append("e.space_id = ANY(:space_ids)")
            params["space_ids"] = list(query.space_ids)
        if query.types:
            clauses.append("e.type = ANY(:types)")
            params["types"] = list(query.types)
        if query.author_id is not None:
            clauses.append("e.author_id = :author_id")
            params["author_id"] = query.author_id
        if query.date_from is not None:
            clauses.append("e.date >= :date_from")
            params["date_from"] = query.date_from
        if query.date_to is not None:
            clauses.append("e.date <= :date_to")
            params["date_to"] = query.date_to
        return " AND ".join(clauses)

    def search(self, query: SearchQuery) -> SearchResults:
        empty = SearchResults([], 0, query.page, query.per_page)
        words = query_words(query.text)
        if not query.scopes or not words:
            return empty
        cfg = self.config
        params: dict[str, Any] = {"text": query.text[:200]}
        where = self._where(query, params)
        score = "ts_rank_cd(e.tsv, q.query)" if query.sort == "relevance" else "0"
        order = (
            "score DESC, e.date DESC NULLS LAST, e.id"
            if query.sort == "relevance"
            else "e.date DESC NULLS LAST, e.id"
        )
        params.update(limit=query.per_page, offset=(query.page - 1) * query.per_page)
        sql = f"""
            WITH q AS (SELECT websearch_to_tsquery('{cfg}', :text) AS query),
            page AS (
              SELECT e.id, e.type, e.object_id, e.space_id, e.module, e.title, e.url,
                     e.author_id, e.date, e.tags, e.excerpt, {score} AS score,
                     count(*) OVER () AS total
              FROM search_entries e, q WHERE {where}
              ORDER BY {order} LIMIT :limit OFFSET :offset
            )
            SELECT page.*, ts_headline('{cfg}', page.excerpt, q.query, :opts) AS snippet
            FROM page, q ORDER BY {order.replace('e.', 'page.')}
        """  # noqa: S608  (only fixed identifiers are interpolated; values are bound)
        params["opts"] = _HEADLINE_OPTIONS
        with self._engine().connect() as conn:
            rows = conn.execute(text(sql), params).mappings().all()
            total = int(rows[0]["total"]) if rows else 0
            if not rows and query.page > 1:
                total = self._count(conn, where, params, cfg)
            facets = self._facets(conn, where, params, cfg) if query.facets and (rows or total) else {}
        hits = [
            Hit(
                type=r["type"],
                object_id=int(r["object_id"]),
                space_id=int(r["space_id"]),
                module=r["module"],
                title=r["title"],
                url=r["url"],
                author_id=r["author_id"],
                date=r["date"],
                snippet=r["snippet"] or (r["excerpt"] or "")[:220],
                tags=list(r["tags"] or []),
                score=float(r["score"] or 0),
            )
            for r in rows
        ]
        return SearchResults(hits, total, query.page, query.per_page, facets, None)

    def _count(self, conn: Connection, where: str, params: dict[str, Any], cfg: str) -> int:
        sql = f"""WITH q AS (SELECT websearch_to_tsquery('{cfg}', :text) AS query)
                  SELECT count(*) FROM search_entries e, q WHERE {where}"""  # noqa: S608 - only our text-search config name and clauses; values are bound
        return int(conn.execute(text(sql), params).scalar() or 0)

    def _facets(self, conn: Connection, where: str, params: dict[str, Any], cfg: str) -> dict[str, dict[str, int]]:
        sql = f"""
            WITH q AS (SELECT websearch_to_tsquery('{cfg}', :text) AS query)
            SELECT e.type, e.space_id, e.author_id,
                   GROUPING(e.type) AS gt, GROUPING(e.space_id) AS gs, count(*) AS n
            FROM search_entries e, q WHERE {where}
            GROUP BY GROUPING SETS ((e.type), (e.space_id), (e.author_id))
        """  # noqa: S608 - only our text-search config name and clauses; values are bound
        facets: dict[str, dict[str, int]] = {"type": {}, "space": {}, "author": {}}
        for row in conn.execute(text(sql), params).mappings():
            if row["gt"] == 0:
                facets["type"][row["type"]] = int(row["n"])
            elif row["gs"] == 0:
                facets["space"][str(row["space_id"])] = int(row["n"])
            elif row["author_id"] is not None:
                facets["author"][str(row["author_id"])] = int(row["n"])
        return facets

    def suggest(self, text_: str, scopes: frozenset[str], limit: int = 8) -> list[Hit]:
        complete, last = suggestion_words(text_)
        if not scopes or (not complete and not last):
            return []
        terms = [f"{w}:A" for w in complete] + ([f"{last}:*A"] if last else [])
        params: dict[str, Any] = {}
        sql = f"""
            SELECT e.type, e.object_id, e.space_id, e.module, e.title, e.url
            FROM search_entries e
            WHERE e.tsv @@ to_tsquery('{self.config}', :tsq) AND {_scope_clause(scopes, params)}
            ORDER BY length(e.title), e.id LIMIT :limit
        """  # noqa: S608 - only our text-search config name and clauses; values are bound
        params.update(tsq=" & ".join(terms), limit=limit)
        with self._engine().connect() as conn:
            rows = conn.execute(text(sql), params).mappings().all()
        return [
            Hit(
                type=r["type"], object_id=int(r["object_id"]), space_id=int(r["space_id"]),
                module=r["module"], title=r["title"], url=r["url"], author_id=None, date=None,
            )
            for r in rows
        ]
