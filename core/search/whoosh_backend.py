"""The embedded backend: a whoosh index in the instance folder.

Whoosh allows one writer at a time per index. The search service makes sure only its
writer thread (or the ``parvis search reindex`` command) writes; a writer that finds
the lock taken (another process) retries with a back-off instead of failing. Readers
never wait for writers: each query uses the latest committed segments.

Queries are parsed by whoosh but matched here, segment by segment, with set operations
on the posting lists' document numbers (C-speed intersections) instead of whoosh's
matchers, which walk every posting of every word in pure Python: a word of a third of
the documents cost tens of milliseconds per field. Every word is looked up in one
``content`` field (title, tags and body together), a phrase in the ``pairs`` field of
adjacent word pairs (one posting list per pair of words, no positions), and only the
matches of the user's scopes are ranked (BM25F, whoosh's scorer, title matches count
more). See docs/search.md, "What a query costs".
"""

from __future__ import annotations

import heapq
import logging
import os
import shutil
import threading
import time
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from itertools import accumulate, compress
from pathlib import Path
from typing import Any

from whoosh import columns, index
from whoosh import query as wq
from whoosh.analysis import Analyzer, BiWordFilter
from whoosh.codec.whoosh3 import LENGTHS_COLUMN as W3_LENGTHS_COLUMN
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.qparser import (
    BoostPlugin,
    FieldsPlugin,
    QueryParser,
    RangePlugin,
    WildcardPlugin,
)
from whoosh.query import And, NullQuery, Or, Prefix, Query, Term
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length
from whoosh.writing import CLEAR

from .analysis import fold, snippet, text_analyzer
from .backend import Hit, SearchBackend, SearchQuery, SearchResults, query_words, suggestion_words
from .documents import MARK_END, MARK_START, SearchDocument

log = logging.getLogger(__name__)

#: Version of the index layout (fields, analysis, codec). An index written by another
#: version is replaced by an empty one and rebuilt from the database (see
#: :meth:`WhooshBackend.take_rebuild_request`).
INDEX_VERSION = 2
#: The file of the index folder holding its :data:`INDEX_VERSION`.
VERSION_FILE = "parvis-index-version"
WRITE_RETRIES = 40
#: Memory of one writer's posting pool (MB): bigger means fewer sorted runs to merge.
WRITER_LIMIT_MB = 256
#: Documents per job handed to the indexing processes of a full rebuild.
REBUILD_BATCH = 1000
#: Processes indexing a full rebuild (``PARVIS_SEARCH_REBUILD_PROCS``; 1, the default:
#: the calling process only). Each extra process writes its own segment.
REBUILD_PROCS = max(1, min(os.cpu_count() or 1, int(os.environ.get("PARVIS_SEARCH_REBUILD_PROCS") or 1)))
#: Entries of each per-segment cache kept in memory (segments x scope sets whose
#: allowed documents are known; segments x fields whose length column is read).
SEGMENT_CACHE_SIZE = 128
#: Postings per block, blocks not compressed: reading a posting list is then one
#: ``pickle.loads`` per 512 postings (whoosh's default: 128, zlib-compressed).
CODEC_BLOCK = 512
#: How much more a word counts in the title than in the rest (BM25F score multiplier).
TITLE_BOOST = 2.0
#: Separator of the two words of a ``pairs`` term.
PAIR_SEP = "-"
#: Field length of each of whoosh's length bytes (0: no length, counted as 1).
_LENGTH_OF_BYTE = [max(1, byte_to_length(b) or 1) for b in range(256)]


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


def _segment_key(reader: Any, part: Any) -> tuple[str, Any] | None:
    """A cache key for ``part`` of a segment (segments never change), or None when the
    reader does not name its segment."""
    try:
        return (reader.segment().segment_id(), part)
    except AttributeError:
        return None


def pair_analyzer() -> Analyzer:
    """Adjacent word pairs of the text (``formation des élèves`` gives ``format-elev``)."""
    return text_analyzer() | BiWordFilter(sep=PAIR_SEP)


def build_schema() -> Schema:
    """The fields of the index (see docs/search.md).

    ``content`` (title, tags and body, analysed, no positions) is where the words of a
    query are looked up, ``pairs`` where its phrases are; ``title`` serves the
    suggestions, the spelling corrections and the title boost of the ranking.
    """
    analyzer = text_analyzer()
    return Schema(
        key=ID(unique=True, stored=True),
        type=ID(stored=True, sortable=True),
        object_id=STORED,
        space=ID(stored=True, sortable=True),
        module=ID(stored=True),
        scope=ID(sortable=columns.RefBytesColumn()),
        title=TEXT(analyzer=analyzer, stored=True, phrase=False, spelling=True),
        content=TEXT(analyzer=analyzer, phrase=False),
        pairs=TEXT(analyzer=pair_analyzer(), phrase=False),
        excerpt=STORED,
        tags=STORED,
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
    tags = " ".join(doc.tags)
    # One text for the words and the pairs; a pair may join the title's last word to the
    # next part's first (it only matters to a phrase spanning both, which nobody types).
    content = "\n".join(part for part in (doc.title, tags, doc.body) if part)
    fields: dict[str, Any] = {
        "key": doc.key,
        "type": doc.type,
        "object_id": doc.object_id,
        "space": str(doc.space_id),
        "module": doc.module,
        "scope": doc.scope,
        "title": doc.title,
        "content": content,
        "pairs": content,
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


def _postings(reader: Any, fieldname: str, text: str) -> tuple[list[int], list[float]]:
    """Sorted local numbers of the documents holding ``text`` in ``fieldname`` (deleted
    ones too) and the term's frequency in each.

    Reads whoosh's posting blocks directly (a tuple of id deltas per block, summed in C)
    instead of stepping a matcher posting by posting.
    """
    if (fieldname, text) not in reader:
        return [], []
    matcher = reader._terms.matcher(fieldname, reader._text_to_bytes(fieldname, text),
                                    reader.schema[fieldname].format)
    if not isinstance(matcher, W3LeafMatcher) or not hasattr(matcher, "_lastblock"):
        items = list(matcher.items_as("weight"))
        return [d for d, _ in items], [w for _, w in items]
    ids: list[int] = []
    weights: list[float] = []
    while True:
        if matcher._data is None:
            matcher._read_data()
        block, block_weights = matcher._data[0], matcher._data[1]
        before = len(ids)
        ids.extend(block if matcher._byteids else accumulate(block))
        if block_weights is None or isinstance(block_weights, float):  # one for the block
            weights.extend([block_weights or 1.0] * (len(ids) - before))
        else:
            weights.extend(block_weights)
        if matcher._lastblock:
            return ids, weights
        matcher._goto(matcher._nextoffset)


class _Plan:
    """A parsed query reduced to what the set matcher understands.

    ``words`` are the content terms that count for the ranking and the snippet (the
    positive ones); ``query`` is the whoosh query with phrases rewritten to pairs.
    """

    def __init__(self, parsed: Query) -> None:
        self.words: list[str] = []
        self.query = self._rewrite(parsed, positive=True)

    def _rewrite(self, node: Query, positive: bool) -> Query:
        if isinstance(node, wq.Phrase):
            words = [w for w in node.words if w]
            if positive:
                self.words.extend(words)
            if len(words) == 1:
                return Term("content", words[0])
            if not words:
                return NullQuery
            return And([Term("pairs", f"{a}{PAIR_SEP}{b}") for a, b in zip(words, words[1:], strict=False)])
        if isinstance(node, Term):
            if positive and node.fieldname == "content":
                self.words.append(node.text)
            return node
        if isinstance(node, wq.Not):
            return wq.Not(self._rewrite(node.query, not positive))
        if isinstance(node, wq.AndNot):
            return wq.AndNot(self._rewrite(node.a, positive), self._rewrite(node.b, not positive))
        if isinstance(node, (wq.AndMaybe, wq.Require)):
            return type(node)(self._rewrite(node.a, positive), self._rewrite(node.b, positive))
        if isinstance(node, wq.CompoundQuery):
            return type(node)([self._rewrite(child, positive) for child in node.subqueries])
        return node


class _SetMatcher:
    """Matches a rewritten query in one segment with Python sets of document numbers."""

    def __init__(self, searcher: Any, reader: Any) -> None:
        self.searcher = searcher
        self.reader = reader
        self._postings: dict[tuple[str, str], tuple[list[int], list[float]]] = {}

    def postings(self, fieldname: str, text: str) -> tuple[list[int], list[float]]:
        """The term's documents and frequencies (read once per query)."""
        key = (fieldname, text)
        if key not in self._postings:
            self._postings[key] = _postings(self.reader, fieldname, text)
        return self._postings[key]

    def docs(self, node: Query, within: set[int] | frozenset[int]) -> set[int]:
        """Those of ``within`` (local document numbers) that match ``node``.

        Each step narrows the set it was given (the user's allowed documents at the
        top), so an intersection costs a lookup per posting in a small set, in C.
        """
        if not within:
            return set()
        if isinstance(node, Term):
            if node.fieldname not in self.reader.schema:
                return set()
            return within.intersection(self.postings(node.fieldname, node.text)[0])
        if node is NullQuery or isinstance(node, type(NullQuery)):
            return set()
        if isinstance(node, wq.Not):
            return set(within) - self.docs(node.query, within)
        if isinstance(node, wq.AndNot):
            found = self.docs(node.a, within)
            return found - self.docs(node.b, found)
        if isinstance(node, wq.Require):
            return self.docs(node.b, self.docs(node.a, within))
        if isinstance(node, wq.AndMaybe):
            return self.docs(node.a, within)
        if isinstance(node, And):
            found = set(within)
            positive = [c for c in node.subqueries if not isinstance(c, wq.Not)]
            negative = [c.query for c in node.subqueries if isinstance(c, wq.Not)]
            for child in positive:
                found = self.docs(child, found)
                if not found:
                    return found
            for child in negative:
                found -= self.docs(child, found)
            return found
        if isinstance(node, Or):
            found = set()
            for child in node.subqueries:
                found |= self.docs(child, within)
            return found
        # Anything else the parser may produce: whoosh's own matcher.
        return within.intersection(node.matcher(self.searcher).all_ids())


class WhooshBackend(SearchBackend):
    """Whoosh index in ``path`` (created when missing)."""

    name = "whoosh"
    supports_spelling = True

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._ix: index.Index | None = None
        self._searcher: Any = None
        self._searcher_generation = -1
        self._scope_cache: OrderedDict[tuple[str, frozenset[str]], frozenset[int]] = OrderedDict()
        self._length_cache: OrderedDict[Any, Callable[[int], int]] = OrderedDict()
        self._lock = threading.Lock()
        self._stale = False
        self.schema = build_schema()

    # -- set-up -------------------------------------------------------------------

    def setup(self) -> None:
        self._index()

    def _index(self) -> index.Index:
        if self._ix is None:
            with self._lock:
                if self._ix is None:
                    self.path.mkdir(parents=True, exist_ok=True)
                    if index.exists_in(str(self.path)) and self._version() == INDEX_VERSION:
                        self._ix = index.open_dir(str(self.path))
                    else:
                        if index.exists_in(str(self.path)):
                            self._replace_old_index()
                        self._ix = index.create_in(str(self.path), self.schema)
                        (self.path / VERSION_FILE).write_text(f"{INDEX_VERSION}\n")
        return self._ix

    def _version(self) -> int:
        try:
            return int((self.path / VERSION_FILE).read_text().strip())
        except (OSError, ValueError):
            return 1  # the first layout had no version file

    def _replace_old_index(self) -> None:
        """Empty the folder of an index of another layout; it is rebuilt from the database."""
        log.warning("search: the index in %s has an old layout (version %s, now %s); "
                    "it is replaced and rebuilt", self.path, self._version(), INDEX_VERSION)
        for child in self.path.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
        self._stale = True

    def take_rebuild_request(self) -> bool:
        """True once after an index of an old layout was replaced by an empty one."""
        self._index()
        with self._lock:
            stale, self._stale = self._stale, False
        return stale

    def _writer(self, **kwargs: Any) -> Any:
        """A writer, retrying while another process holds the lock."""
        delay = 0.05
        codec = W3Codec(blocklimit=CODEC_BLOCK, compression=0)
        for _attempt in range(WRITE_RETRIES):
            try:
                return self._index().writer(limitmb=WRITER_LIMIT_MB, codec=codec, **kwargs)
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
        parser = QueryParser("content", self.schema)
        for plugin in (FieldsPlugin, WildcardPlugin, RangePlugin, BoostPlugin):
            parser.remove_plugin_class(plugin)
        try:
            return parser.parse(text)
        except Exception:  # noqa: BLE001  (whoosh's parser raises many kinds)
            words = " ".join(query_words(text))
            return parser.parse(words) if words else NullQuery

    def _segment_docs(self, reader: Any, scopes: frozenset[str]) -> frozenset[int]:
        """Local numbers of a segment's documents whose scope is allowed (cached).

        Segments never change once written (deletions are applied by the searcher), so
        the answer is kept per segment and scope set: a query costs one pass over the
        scope column of each new segment, not one posting list per allowed scope.
        """
        key = _segment_key(reader, scopes)
        cached = self._recall(self._scope_cache, key)
        if cached is not None:
            return cached
        count = reader.doc_count_all()
        if not reader.has_column("scope") or count == 0:
            found: frozenset[int] = frozenset()
        else:
            col = reader.column_reader("scope", translate=False)
            wanted = {s.encode("utf-8") for s in scopes}
            uniques = getattr(col, "_uniques", None)
            if isinstance(uniques, list) and hasattr(col, "_typecode"):
                allowed = {i for i, value in enumerate(uniques) if value in wanted}
                refs = col._dbfile.get_array(col._basepos, col._typecode, col._doccount)
                found = frozenset(compress(range(count), map(allowed.__contains__, refs)))
            else:
                found = frozenset(compress(range(count), (v in wanted for v in col)))
        self._remember(self._scope_cache, key, found)
        return found

    def _recall(self, cache: OrderedDict[Any, Any], key: Any) -> Any:
        """What ``cache`` (one of the per-segment caches) holds for ``key``, or None."""
        if key is None:
            return None
        with self._lock:
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
            return found

    def _remember(self, cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
        """Keep ``value`` in ``cache`` (the least recently used go past SEGMENT_CACHE_SIZE)."""
        if key is None:
            return
        with self._lock:
            cache[key] = value
            while len(cache) > SEGMENT_CACHE_SIZE:
                cache.popitem(last=False)

    def _scope_filter(self, searcher: Any, scopes: frozenset[str]) -> set[int]:
        """Global numbers of every document the scopes allow."""
        allowed: set[int] = set()
        for subsearcher, offset in searcher.leaf_searchers():
            local = self._segment_docs(subsearcher.reader(), scopes)
            allowed.update(local if offset == 0 else (offset + d for d in local))
        return allowed

    def _matches(self, query: SearchQuery, plan: _Plan, matcher: _SetMatcher) -> set[int]:
        """Local numbers of the segment's live documents matching ``plan`` that the user
        may read and that pass the page's filters."""
        reader = matcher.reader
        allowed = self._segment_docs(reader, query.scopes)
        if not allowed:
            return set()
        found = matcher.docs(plan.query, allowed)
        if found and reader.has_deletions():
            found -= reader.deleted_docs_set
        keep: list[tuple[str, Any]] = []
        if query.space_ids:
            keep.append(("space", {str(s) for s in query.space_ids}))
        if query.types:
            keep.append(("type", set(query.types)))
        if query.author_id is not None:
            keep.append(("author", {str(query.author_id)}))
        for field, values in keep:
            if not found:
                break
            col = reader.column_reader(field) if reader.has_column(field) else None
            found = {d for d in found if col is not None and col[d] in values}
        if found and (query.date_from or query.date_to):
            col = reader.column_reader("date") if reader.has_column("date") else None
            low, high = _naive_utc(query.date_from), _naive_utc(query.date_to)
            found = {
                d for d in found
                if col is not None and (value := col[d]) is not None
                and (low is None or value >= low) and (high is None or value <= high)
            }
        return found

    def _field_lengths(self, reader: Any, field: str) -> Callable[[int], int]:
        """The length of ``field`` in a segment's document, by local number.

        Whoosh keeps one byte per document (a logarithmic approximation of the length);
        the segment's whole column is read once (segments never change) instead of one
        column lookup per document and word, a third of a common word's ranking time.
        """
        key = _segment_key(reader, field)
        cached = self._recall(self._length_cache, key)
        if cached is not None:
            return cached
        column = None
        perdoc = getattr(reader, "_perdoc", None)
        if perdoc is not None and hasattr(perdoc, "_cached_reader"):
            column = perdoc._cached_reader(f"_{field}_len", W3_LENGTHS_COLUMN)
        if column is None or not hasattr(column, "_dbfile") or getattr(column, "_fixedlen", 0) != 1:
            def length(docnum: int) -> int:
                return reader.doc_field_length(docnum, field, 1) or 1
        else:
            raw = column._dbfile.get(column._basepos, column._count)
            table = _LENGTH_OF_BYTE
            size = len(raw)

            def length(docnum: int) -> int:
                return table[raw[docnum]] if docnum < size else 1
        self._remember(self._length_cache, key, length)
        return length

    def _scores(self, searcher: Any, matcher: _SetMatcher, words: list[str], docs: set[int]) -> dict[int, float]:
        """BM25F score of each of ``docs`` (content words, title words boosted).

        Each word's postings are intersected with ``docs`` from the shorter side (a walk
        over the postings testing set membership, or a binary search per document when
        the postings are much longer), then scored with whoosh's BM25F formula inline.
        """
        scores = dict.fromkeys(docs, 0.0)
        if not docs:
            return scores
        reader = matcher.reader
        weighting = BM25F()
        ordered: list[int] | None = None
        for field, boost in (("content", 1.0), ("title", TITLE_BOOST)):
            length = self._field_lengths(reader, field)
            for word in dict.fromkeys(words):
                ids, weights = matcher.postings(field, word)
                if not ids:
                    continue
                if len(docs) * 16 < len(ids):  # few documents, long postings: bisect
                    if ordered is None:
                        ordered = sorted(docs)
                    pairs = []
                    position = 0
                    for d in ordered:  # both sorted: one forward walk
                        position = bisect_left(ids, d, position)
                        if position == len(ids):
                            break
                        if ids[position] == d:
                            pairs.append((d, weights[position]))
                else:
                    pairs = [(d, w) for d, w in zip(ids, weights, strict=True) if d in docs]
                if not pairs:
                    continue
                scorer = weighting.scorer(searcher, field, word)
                idf, avgfl = scorer.idf * boost, scorer.avgfl
                k1 = weighting.K1
                fixed, per_length = k1 * (1 - weighting.B), k1 * weighting.B / avgfl
                for d, tf in pairs:  # bm25(): idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * fl / avgfl))
                    scores[d] += idf * tf * (k1 + 1) / (tf + fixed + per_length * length(d))
        return scores

    def search(self, query: SearchQuery) -> SearchResults:
        empty = SearchResults([], 0, query.page, query.per_page)
        if not query.scopes:
            return empty
        parsed = self._parse(query.text)
        if parsed is NullQuery or isinstance(parsed, type(NullQuery)):
            return empty
        plan = _Plan(parsed)
        searcher = self._search_with()
        ranked: list[tuple[Any, int]] = []  # (sort key, global document number)
        total = 0
        facets: dict[str, Counter[str]] = {"type": Counter(), "space": Counter(), "author": Counter()}
        wanted = query.page * query.per_page
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            matcher = _SetMatcher(sub, reader)
            found = self._matches(query, plan, matcher)
            if not found:
                continue
            total += len(found)
            if query.facets:
                for name in facets:
                    if reader.has_column(name):
                        col = reader.column_reader(name)
                        facets[name].update(v for v in map(col.__getitem__, found) if v not in (None, ""))
            if query.sort == "date":
                col = reader.column_reader("date", translate=False) if reader.has_column("date") else None
                for d in found:
                    value = col[d] if col is not None else None
                    ranked.append(((value or 0, -(offset + d)), offset + d))
            else:
                scores = self._scores(searcher, matcher, plan.words, found)
                ranked.extend(((score, -(offset + d)), offset + d) for d, score in scores.items())
        top = heapq.nlargest(wanted, ranked, key=lambda item: item[0])
        start = (query.page - 1) * query.per_page
        terms = set(plan.words)
        hits = [self._hit(searcher, docnum, terms, key) for key, docnum in top[start:wanted]]
        suggestion = None
        if total == 0 and query.spelling:
            suggestion = self._suggestion(searcher, parsed, query.text)
        facet_counts = {name: dict(counts) for name, counts in facets.items()} if query.facets else {}
        return SearchResults(hits, total, query.page, query.per_page, facet_counts, suggestion)

    def _hit(self, searcher: Any, docnum: int, terms: set[str], key: Any) -> Hit:
        stored = searcher.stored_fields(docnum)
        excerpt = stored.get("excerpt") or ""
        text = snippet(excerpt, terms, MARK_START, MARK_END) or excerpt[:220]
        date = stored.get("date")
        score = key[0] if isinstance(key[0], float) else 0.0
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
            score=float(score),
        )

    def _suggestion(self, searcher: Any, parsed: Query, text: str) -> str | None:
        try:
            # Words are looked up in ``content``; the spelling dictionary is the titles'.
            correctors = {"content": searcher.corrector("title")}
            corrected = searcher.correct_query(parsed, text, correctors=correctors, prefix=1, maxdist=2)
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
