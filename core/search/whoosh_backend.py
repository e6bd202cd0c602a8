"""The embedded backend: a whoosh index in the instance folder.

Whoosh allows one writer at a time per index. The search service makes sure only its
writer thread (or the ``parvis search reindex`` command) writes; a writer that finds
the lock taken (another process) retries with a back-off instead of failing. Readers
never wait for writers: each query uses the latest committed segments.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import compress
from pathlib import Path
from typing import Any

from whoosh import columns, index, sorting
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.qparser import (
    BoostPlugin,
    FieldsPlugin,
    MultifieldParser,
    RangePlugin,
    WildcardPlugin,
)
from whoosh.query import And, DateRange, NullQuery, Or, Prefix, Query, Term
from whoosh.writing import CLEAR

from .analysis import fold, snippet, text_analyzer
from .backend import Hit, SearchBackend, SearchQuery, SearchResults, query_words, suggestion_words
from .documents import MARK_END, MARK_START, SearchDocument

log = logging.getLogger(__name__)

WRITE_RETRIES = 40
#: Memory of one writer's posting pool (MB): bigger means fewer sorted runs to merge.
WRITER_LIMIT_MB = 256
#: Documents per job handed to the indexing processes of a full rebuild.
REBUILD_BATCH = 1000
#: Processes indexing a full rebuild (``PARVIS_SEARCH_REBUILD_PROCS``; 1, the default:
#: the calling process only). Each extra process writes its own segment.
REBUILD_PROCS = max(1, min(os.cpu_count() or 1, int(os.environ.get("PARVIS_SEARCH_REBUILD_PROCS") or 1)))
#: Segments x scope sets whose allowed documents are kept in memory.
SCOPE_CACHE_SIZE = 128


def _cache_missing_columns() -> None:
    """Make whoosh remember that a segment has no lengths column for a field.

    ``W3PerDocReader._cached_reader`` caches the readers it opens but not their absence,
    so while a segment is written every posting of an ``ID`` field (which has no lengths)
    asks the file system whether the column file exists: 18 ``stat`` calls per document.
    Segments never change once written, so the absence can be remembered.
    """
    from whoosh.codec import whoosh3

    reader_class = whoosh3.W3PerDocReader
    if getattr(reader_class, "_parvis_patched", False):
        return

    def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
        try:
            return self._readers[fieldname]
        except KeyError:
            reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
            self._readers[fieldname] = reader
            return reader

    reader_class._cached_reader = _cached_reader
    reader_class._parvis_patched = True


_cache_missing_columns()


def build_schema() -> Schema:
    """The fields of the index (see docs/search.md)."""
    analyzer = text_analyzer()
    return Schema(
        key=ID(unique=True, stored=True),
        type=ID(stored=True, sortable=True),
        object_id=STORED,
        space=ID(stored=True, sortable=True),
        module=ID(stored=True),
        scope=ID(sortable=columns.RefBytesColumn()),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=3.0, spelling=True),
        body=TEXT(analyzer=analyzer),
        excerpt=STORED,
        tags=KEYWORD(commas=True, lowercase=True, scorable=True, stored=True, field_boost=2.0),
        author=ID(stored=True, sortable=True),
        date=DATETIME(stored=True, sortable=True),
        url=STORED,
    )


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def _fields(doc: SearchDocument) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "key": doc.key,
        "type": doc.type,
        "object_id": doc.object_id,
        "space": str(doc.space_id),
        "module": doc.module,
        "scope": doc.scope,
        "title": doc.title,
        "body": doc.body,
        "excerpt": doc.excerpt,
        "tags": ",".join(t.replace(",", " ") for t in doc.tags),
        "url": doc.url,
    }
    if doc.author_id is not None:
        fields["author"] = str(doc.author_id)
    date = _naive_utc(doc.date)
    if date is not None:
        fields["date"] = date
    return fields


class WhooshBackend(SearchBackend):
    """Whoosh index in ``path`` (created when missing)."""

    name = "whoosh"
    supports_spelling = True

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._ix: index.Index | None = None
        self._searcher: Any = None
        self._searcher_generation = -1
        self._scope_cache: OrderedDict[tuple[str, frozenset[str]], array] = OrderedDict()
        self._lock = threading.Lock()
        self.schema = build_schema()

    # -- set-up -------------------------------------------------------------------

    def setup(self) -> None:
        self._index()

    def _index(self) -> index.Index:
        if self._ix is None:
            with self._lock:
                if self._ix is None:
                    self.path.mkdir(parents=True, exist_ok=True)
                    if index.exists_in(str(self.path)):
                        self._ix = index.open_dir(str(self.path))
                    else:
                        self._ix = index.create_in(str(self.path), self.schema)
        return self._ix

    def _writer(self, **kwargs: Any) -> Any:
        """A writer, retrying while another process holds the lock."""
        delay = 0.05
        for _attempt in range(WRITE_RETRIES):
            try:
                return self._index().writer(limitmb=WRITER_LIMIT_MB, **kwargs)
            except LockError:
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        raise LockError(f"search index {self.path} stayed locked")

    def _search_with(self) -> Any:
        ix = self._index()
        with self._lock:
            # A new searcher when the index moved on (whoosh's refresh() reuses segment
            # readers and can miss deletions); the old one is left to the collector
            # because another thread may still be reading with it.
            generation = ix.latest_generation()
            if self._searcher is None or self._searcher_generation != generation:
                self._searcher = ix.searcher()
                self._searcher_generation = generation
            return self._searcher

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            if self._ix is not None:
                self._ix.close()
                self._ix = None

    # -- writing ------------------------------------------------------------------

    def upsert(self, docs: list[SearchDocument]) -> None:
        if not docs:
            return
        writer = self._writer()
        try:
            for doc in docs:
                writer.update_document(**_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def delete(self, keys: list[tuple[str, int]]) -> None:
        if not keys:
            return
        writer = self._writer()
        for type_id, object_id in keys:
            writer.delete_by_term("key", f"{type_id}:{object_id}")
        writer.commit()

    def delete_space(self, space_id: int) -> None:
        writer = self._writer()
        writer.delete_by_term("space", str(space_id))
        writer.commit()

    def rebuild(self, docs: Iterable[SearchDocument], space_id: int | None = None) -> int:
        if space_id is None and REBUILD_PROCS > 1:
            # Everything: analysis is pure Python, so several processes index in parallel
            # (whoosh's MpWriter), each writing its own segment, merged at the end.
            writer = self._writer(procs=REBUILD_PROCS, batchsize=REBUILD_BATCH, multisegment=True)
        else:
            writer = self._writer()
        count = 0
        try:
            if space_id is not None:
                writer.delete_by_term("space", str(space_id))
            for doc in docs:
                if space_id is None:
                    writer.add_document(**_fields(doc))
                else:
                    writer.update_document(**_fields(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        if space_id is None:
            writer.commit(mergetype=CLEAR, optimize=True)
        else:
            writer.commit()
        return count

    def count(self) -> int:
        return self._search_with().doc_count()

    # -- reading ------------------------------------------------------------------

    def _parse(self, text: str) -> Query:
        parser = MultifieldParser(
            ["title", "body", "tags"], self.schema, fieldboosts={"title": 3.0, "tags": 2.0}
        )
        for plugin in (FieldsPlugin, WildcardPlugin, RangePlugin, BoostPlugin):
            parser.remove_plugin_class(plugin)
        try:
            return parser.parse(text)
        except Exception:  # noqa: BLE001  (whoosh's parser raises many kinds)
            words = " ".join(query_words(text))
            return parser.parse(words) if words else NullQuery

    def _user_filters(self, query: SearchQuery) -> list[Query]:
        parts: list[Query] = []
        if query.space_ids:
            parts.append(Or([Term("space", str(s)) for s in query.space_ids]))
        if query.types:
            parts.append(Or([Term("type", t) for t in query.types]))
        if query.author_id is not None:
            parts.append(Term("author", str(query.author_id)))
        if query.date_from or query.date_to:
            parts.append(DateRange("date", _naive_utc(query.date_from), _naive_utc(query.date_to)))
        return parts

    def _segment_docs(self, reader: Any, scopes: frozenset[str]) -> array:
        """Local numbers of a segment's documents whose scope is allowed (cached).

        Segments never change once written (deletions are applied by the searcher), so
        the answer is kept per segment and scope set: a query costs one pass over the
        scope column of each new segment, not one posting list per allowed scope.
        """
        try:
            segment_id = reader.segment().segment_id()
        except AttributeError:
            segment_id = None
        key = (segment_id, scopes)
        if segment_id is not None and key in self._scope_cache:
            self._scope_cache.move_to_end(key)
            return self._scope_cache[key]
        count = reader.doc_count_all()
        if not reader.has_column("scope") or count == 0:
            found = array("I")
        else:
            col = reader.column_reader("scope", translate=False)
            wanted = {s.encode("utf-8") for s in scopes}
            uniques = getattr(col, "_uniques", None)
            if isinstance(uniques, list) and hasattr(col, "_typecode"):
                allowed = {i for i, value in enumerate(uniques) if value in wanted}
                refs = col._dbfile.get_array(col._basepos, col._typecode, col._doccount)
                found = array("I", compress(range(count), map(allowed.__contains__, refs)))
            else:
                found = array("I", compress(range(count), (v in wanted for v in col)))
        if segment_id is not None:
            with self._lock:
                self._scope_cache[key] = found
                while len(self._scope_cache) > SCOPE_CACHE_SIZE:
                    self._scope_cache.popitem(last=False)
        return found

    def _scope_filter(self, searcher: Any, scopes: frozenset[str]) -> set[int]:
        """Global numbers of every document the scopes allow."""
        allowed: set[int] = set()
        for subsearcher, offset in searcher.leaf_searchers():
            local = self._segment_docs(subsearcher.reader(), scopes)
            allowed.update(local if offset == 0 else (offset + d for d in local))
        return allowed

    def search(self, query: SearchQuery) -> SearchResults:
        empty = SearchResults([], 0, query.page, query.per_page)
        if not query.scopes:
            return empty
        parsed = self._parse(query.text)
        if parsed is NullQuery or isinstance(parsed, type(NullQuery)):
            return empty
        searcher = self._search_with()
        extra = self._user_filters(query)
        if extra:
            parsed = And([parsed, *extra])
        kwargs: dict[str, Any] = {"filter": self._scope_filter(searcher, query.scopes)}
        if query.sort == "date":
            kwargs.update(sortedby="date", reverse=True)
        if query.facets:
            kwargs["groupedby"] = {
                "type": sorting.FieldFacet("type"),
                "space": sorting.FieldFacet("space"),
                "author": sorting.FieldFacet("author"),
            }
            kwargs["maptype"] = sorting.Count
        page = searcher.search_page(parsed, query.page, pagelen=query.per_page, **kwargs)
        results = page.results
        terms = {text for field, text in parsed.iter_all_terms() if field in ("title", "body", "tags")}
        terms = {t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in terms}
        hits = [self._hit(h, terms) for h in page]
        facets: dict[str, dict[str, int]] = {}
        if query.facets:
            for name in ("type", "space", "author"):
                groups = results.groups(name)
                facets[name] = {str(k): int(v) for k, v in groups.items() if k not in (None, "")}
        total = page.total
        suggestion = None
        if total == 0 and query.spelling:
            suggestion = self._suggestion(searcher, parsed, query.text)
        return SearchResults(hits, total, query.page, query.per_page, facets, suggestion)

    def _hit(self, hit: Any, terms: set[str]) -> Hit:
        stored = hit.fields()
        excerpt = stored.get("excerpt") or ""
        text = snippet(excerpt, terms, MARK_START, MARK_END) or excerpt[:220]
        date = stored.get("date")
        return Hit(
            type=stored["type"],
            object_id=int(stored["object_id"]),
            space_id=int(stored.get("space") or 0),
            module=stored.get("module", ""),
            title=stored.get("title", ""),
            url=stored.get("url", ""),
            author_id=int(stored["author"]) if stored.get("author") else None,
            date=date.replace(tzinfo=UTC) if isinstance(date, datetime) else None,
            snippet=text,
            tags=[t for t in (stored.get("tags") or "").split(",") if t],
            score=float(hit.score or 0.0),
        )

    def _suggestion(self, searcher: Any, parsed: Query, text: str) -> str | None:
        try:
            corrected = searcher.correct_query(parsed, text, prefix=1, maxdist=2)
        except Exception:  # noqa: BLE001
            return None
        if corrected.query != parsed and corrected.string and corrected.string != text:
            return corrected.string
        return None

    def suggest(self, text: str, scopes: frozenset[str], limit: int = 8) -> list[Hit]:
        complete, last = suggestion_words(text)
        if not scopes or (not complete and not last):
            return []
        analyzer = text_analyzer()
        parts: list[Query] = []
        for word in complete:
            parts.extend(Term("title", t.text) for t in analyzer(word))
        if last:
            stems = [t.text for t in analyzer(last)]
            last_query: Query = Prefix("title", fold(last))
            if stems:
                last_query = Or([last_query, *(Term("title", s) for s in stems)])
            parts.append(last_query)
        if not parts:
            return []
        searcher = self._search_with()
        results = searcher.search(And(parts), limit=limit, filter=self._scope_filter(searcher, scopes))
        return [self._hit_light(h) for h in results]

    def _hit_light(self, hit: Any) -> Hit:
        stored = hit.fields()
        return Hit(
            type=stored["type"],
            object_id=int(stored["object_id"]),
            space_id=int(stored.get("space") or 0),
            module=stored.get("module", ""),
            title=stored.get("title", ""),
            url=stored.get("url", ""),
            author_id=None,
            date=None,
        )
