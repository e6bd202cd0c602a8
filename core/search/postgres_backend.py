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
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from .backend import Hit, SearchBackend, SearchQuery, SearchResults, query_words, suggestion_words
from .documents import CORE_MODULE, MARK_END, MARK_START, SearchDocument

log = logging.getLogger(__name__)

#: Version of what the backend writes in ``search_entries`` (benchmarks keep an index of
#: the same version only).
INDEX_VERSION = 1
TABLE = "search_entries"
BATCH = 2000
#: Most matches ranked for one query. A word found in tens of thousands of items would
#: otherwise cost a rank computation and a row read for each of them on every page; the
#: first RANK_LIMIT matches of the user's spaces are ranked (all of them when there are
#: fewer, which is the case of any query of two or three specific words), and
#: :attr:`SearchResults.capped` tells the page that there are more.
RANK_LIMIT = 1000
#: Of those, how many (the first found) get a relevance score: ``ts_rank_cd`` reads and
#: decompresses each row's ``tsvector``, a third of a common word's query time at 1,000
#: candidates. The others still count in the total and the facets, and follow the scored
#: ones (newest first). Any query under this many matches is ranked entirely.
RANK_SCORED = 300
WORK_MEM = "32MB"
BUILD_MEM = "256MB"
CREATE_GIN = "CREATE INDEX IF NOT EXISTS ix_search_entries_tsv ON search_entries USING gin (tsv)"

SETUP_SQL = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
DECLARE dict text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config
                 WHERE cfgname = 'parvis_fr' AND pg_ts_config_is_visible(oid)) THEN
    -- the extension may live in another schema than the current one: qualify it
    SELECT quote_ident(n.nspname) || '.' || quote_ident(d.dictname) INTO dict
      FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
      WHERE d.dictname = 'unaccent' LIMIT 1;
    CREATE TEXT SEARCH CONFIGURATION parvis_fr (COPY = french);
    EXECUTE 'ALTER TEXT SEARCH CONFIGURATION parvis_fr '
            'ALTER MAPPING FOR hword, hword_part, word WITH ' || dict || ', french_stem';
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

    (Tried and dropped: an access lexeme per document in ``tsv`` ORed into the tsquery;
    GIN then evaluates a query of hundreds of entries and is several times slower.)
    """
    spaces: dict[int, set[str]] = {}
    core: list[str] = []
    for scope in scopes:
        head, _, module = scope.partition(":")
        if head.isdigit() and module and module != CORE_MODULE:
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


def _facets(found: list[Any]) -> dict[str, dict[str, int]]:
    """Counts by type, space and author over the ranked matches (bounded by RANK_LIMIT)."""
    facets: dict[str, Counter[str]] = {"type": Counter(), "space": Counter(), "author": Counter()}
    for r in found:
        facets["type"][r.type] += 1
        facets["space"][str(r.space_id)] += 1
        if r.author_id is not None:
            facets["author"][str(r.author_id)] += 1
    return {name: dict(counts) for name, counts in facets.items()}


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
                found = conn.scalar(text(
                    "SELECT 1 FROM pg_ts_config WHERE cfgname = 'parvis_fr' AND pg_ts_config_is_visible(oid)"
                ))
            self._config = "parvis_fr" if found else "simple"
            if not found:
                log.warning("search: unaccent unavailable (%s); using the 'simple' configuration", exc)
        with engine.begin() as conn:  # an interrupted full rebuild leaves the GIN index dropped
            if conn.dialect.has_table(conn, TABLE):
                conn.exec_driver_sql(CREATE_GIN)

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
            # Everything: load without the GIN index and build it once at the end (one
            # sorted build is many times faster than updating it row by row).
            with engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM search_entries")
                conn.exec_driver_sql("DROP INDEX IF EXISTS ix_search_entries_tsv")
            try:
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
                count += len(batch)
            finally:
                with engine.begin() as conn:
                    conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{BUILD_MEM}'")
                    conn.exec_driver_sql(CREATE_GIN)
                    conn.exec_driver_sql("ANALYZE search_entries")
            return count
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

    def _where(self, query: SearchQuery, params: dict[str, Any], tsq: str) -> str:
        clauses = [f"e.tsv @@ {tsq}", _scope_clause(query.scopes, params)]
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

    def _candidates(self, conn: Connection, query: SearchQuery, cfg: str) -> list[Any]:
        """At most :data:`RANK_LIMIT` matches the user may read: narrow rows, no text.

        The tsquery is written inline (not in a CTE) so the planner sees the words and
        estimates their frequency from the column statistics; the scope filter is on
        integer space ids, so PostgreSQL combines the GIN index with the space index
        (BitmapAnd) and reads only the matching rows of the user's spaces. Sorted by
        date, the newest matches are kept; by relevance, the first ``RANK_LIMIT`` found, of
        which the first :data:`RANK_SCORED` are ranked.
        """
        tsq = f"websearch_to_tsquery('{cfg}', :text)"
        params: dict[str, Any] = {"text": query.text[:200], "cap": RANK_LIMIT, "scored": RANK_SCORED}
        where = self._where(query, params, tsq)
        if query.sort == "relevance":
            # row_number() over the scan (no ORDER BY): the first RANK_SCORED found are
            # ranked, the LIMIT still stops the scan at RANK_LIMIT.
            sql = f"""
                SELECT id, type, space_id, author_id, date,
                       CASE WHEN n <= :scored THEN ts_rank_cd(tsv, {tsq}) ELSE 0 END AS score
                FROM (SELECT e.id, e.type, e.space_id, e.author_id, e.date, e.tsv,
                             row_number() OVER () AS n
                      FROM search_entries e WHERE {where} LIMIT :cap) AS found
            """  # noqa: S608  (only fixed identifiers are interpolated; values are bound)
        else:
            sql = f"""
                SELECT e.id, e.type, e.space_id, e.author_id, e.date, 0 AS score
                FROM search_entries e WHERE {where}
                ORDER BY e.date DESC NULLS LAST, e.id LIMIT :cap
            """  # noqa: S608  (only fixed identifiers are interpolated; values are bound)
        return list(conn.execute(text(sql), params))

    def search(self, query: SearchQuery) -> SearchResults:
        empty = SearchResults([], 0, query.page, query.per_page)
        words = query_words(query.text)
        if not query.scopes or not words:
            return empty
        cfg = self.config
        with self._engine().connect() as conn, conn.begin():
            # a large enough work_mem keeps the bitmaps of common words exact (not lossy)
            conn.exec_driver_sql(f"SET LOCAL work_mem = '{WORK_MEM}'")
            found = self._candidates(conn, query, cfg)
            if query.sort == "relevance":
                never = datetime.min.replace(tzinfo=UTC)
                found.sort(key=lambda r: (-r.score, -(r.date or never).timestamp(), r.id))
            start = (query.page - 1) * query.per_page
            page = found[start : start + query.per_page]
            rows = self._page_rows(conn, [r.id for r in page], query.text[:200], cfg) if page else {}
        facets = _facets(found) if query.facets and found else {}
        hits = []
        for cand in page:
            r = rows.get(cand.id)
            if r is None:  # deleted between the two statements
                continue
            hits.append(Hit(
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
                score=float(cand.score or 0),
            ))
        results = SearchResults(hits, len(found), query.page, query.per_page, facets, None)
        results.capped = len(found) >= RANK_LIMIT
        return results

    def _page_rows(self, conn: Connection, ids: list[int], text_: str, cfg: str) -> dict[int, Any]:
        """The shown page's rows, with a highlighted snippet computed for them only."""
        sql = f"""
            SELECT e.id, e.type, e.object_id, e.space_id, e.module, e.title, e.url, e.author_id,
                   e.date, e.tags, e.excerpt,
                   ts_headline('{cfg}', e.excerpt, websearch_to_tsquery('{cfg}', :text), :opts) AS snippet
            FROM search_entries e WHERE e.id = ANY(:ids)
        """  # noqa: S608  (only our text-search config name; values are bound)
        params = {"ids": ids, "text": text_, "opts": _HEADLINE_OPTIONS}
        return {r["id"]: r for r in conn.execute(text(sql), params).mappings()}

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
