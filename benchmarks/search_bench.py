"""Search benchmark: indexing throughput, index size, query latency and memory per backend.

Usage::

    python benchmarks/search_bench.py --backend whoosh --items 200000
    python benchmarks/search_bench.py --backend postgres --items 1000000
    python benchmarks/search_bench.py --backend fts5 --items 200000
    python benchmarks/search_bench.py --report      # writes the table into README.md
    python benchmarks/search_bench.py --backend whoosh --items 200000 --keep   # build once, reuse

Each run appends one JSON line to ``benchmarks/search_results.jsonl``. With ``--keep`` the
built index is kept (whoosh: a folder under ``--keep-dir``; PostgreSQL: the schema
``search_bench_<items>``) and a later ``--keep`` run with the same backend and size reuses
it when it is complete and built by the same index format: only the queries run, and the
indexing figures of the build are reported again (``"reused": true``).

The corpus and
the workload come from ``search_corpus.py`` (2,000 spaces; a user in 20 spaces, 10 % of
spaces public). Latency is measured on the backend's own ``search`` call (what a results
page costs, facets excluded) for 200 one-word, 200 multi-word and 200 phrase queries
after 20 warm-up queries. PostgreSQL runs in its own schema (``search_bench``, dropped at
the end, or ``search_bench_<items>`` with ``--keep``) of ``PARVIS_BENCH_DATABASE_URL``
(default: the local ``parvis_searchbench`` database).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from search_corpus import Workload, generate, workload  # noqa: E402

RESULTS = HERE / "search_results.jsonl"
README = HERE / "README.md"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/parvis_searchbench"
DEFAULT_KEEP_DIR = Path(tempfile.gettempdir()) / "parvis-search-bench"
#: Name of the file describing a kept index (count, build time, size, format).
BUILD_INFO = "build.json"


def documents(items: int) -> Iterator:
    from parvis.search.documents import SearchDocument

    for it in generate(items):
        yield SearchDocument(
            type=it.type, object_id=it.object_id, space_id=it.space_id, module=it.module,
            title=it.title, body=it.body, url=f"/s/{it.space_id}/{it.module}/{it.object_id}",
            author_id=it.author_id, updated_at=it.updated_at,
        )


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def time_queries(run: Callable[[str], int], queries: list[str]) -> dict[str, float]:
    for text in queries[:20]:
        run(text)
    times, hits = [], []
    for text in queries:
        start = time.perf_counter()
        hits.append(run(text))
        times.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(percentile(times, 99), 2),
        "mean_hits": round(statistics.mean(hits), 1),
    }


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- backends ---------------------------------------------------------------------------


def _format(module: str) -> int:
    """The index format version of a backend module (a kept index of another is rebuilt)."""
    import importlib

    return int(getattr(importlib.import_module(module), "INDEX_VERSION", 0))


def _kept_build(info: Path, items: int, version: int) -> dict | None:
    """The build figures of a complete kept index of ``items`` items in ``version``."""
    try:
        build = json.loads(info.read_text())
    except (OSError, ValueError):
        return None
    if build.get("count") != items or build.get("version") != version:
        return None
    return build


def bench_whoosh(items: int, load: Workload, keep: Path | None = None) -> dict:
    from parvis.search.backend import SearchQuery
    from parvis.search.whoosh_backend import INDEX_VERSION, REBUILD_PROCS, WhooshBackend

    folder = keep / f"whoosh-{items}" if keep else Path(tempfile.mkdtemp(prefix="parvis-bench-whoosh-"))
    build = _kept_build(folder / BUILD_INFO, items, INDEX_VERSION) if keep else None
    try:
        if build is None:
            shutil.rmtree(folder, ignore_errors=True)
            backend = WhooshBackend(folder / "index")
            backend.setup()
            start = time.perf_counter()
            count = backend.rebuild(documents(items))
            build = {"count": count, "index_s": time.perf_counter() - start, "size": dir_size(folder / "index"),
                     "procs": REBUILD_PROCS, "version": INDEX_VERSION}
            (folder / BUILD_INFO).write_text(json.dumps(build))
        else:
            backend = WhooshBackend(folder / "index")
            backend.setup()
            build["reused"] = True

        def run(text: str) -> int:
            query = SearchQuery(text, load.scopes, facets=False, spelling=False)
            return len(backend.search(query).hits)

        result = {**build, "queries": queries(run, load)}
        result.pop("version", None)
        backend.close()
        return result
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def bench_postgres(items: int, load: Workload, keep: Path | None = None) -> dict:
    from sqlalchemy import create_engine, text

    from parvis.search.backend import SearchQuery
    from parvis.search.models import SearchEntry
    from parvis.search.postgres_backend import INDEX_VERSION, PostgresBackend

    url = os.environ.get("PARVIS_BENCH_DATABASE_URL", DEFAULT_PG)
    schema = f"search_bench_{items}" if keep else "search_bench"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {schema}.bench_build (info json)")
        stored = conn.execute(text(f"SELECT info FROM {schema}.bench_build")).scalar()  # noqa: S608
        build = None
        if keep and stored and stored.get("count") == items and stored.get("version") == INDEX_VERSION:
            build = dict(stored)
        if build is None:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            conn.exec_driver_sql(f"CREATE TABLE {schema}.bench_build (info json)")
    admin.dispose()
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema},public"})
    try:
        backend = PostgresBackend(lambda: engine)
        if build is None:
            SearchEntry.__table__.create(engine)
            backend.setup()
            start = time.perf_counter()
            count = backend.rebuild(documents(items))
            elapsed = time.perf_counter() - start
            with engine.begin() as conn:
                size = conn.execute(text(f"SELECT pg_total_relation_size('{schema}.search_entries')")).scalar()
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM ANALYZE {schema}.search_entries")
            build = {"count": count, "index_s": elapsed, "size": int(size), "config": backend.config,
                     "version": INDEX_VERSION}
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO bench_build VALUES (CAST(:info AS json))"),
                             {"info": json.dumps(build)})
        else:
            backend.setup()
            build["reused"] = True

        def run(text_: str) -> int:
            query = SearchQuery(text_, load.scopes, facets=False, spelling=False)
            return len(backend.search(query).hits)

        result = {**build, "queries": queries(run, load)}
        result.pop("version", None)
        return result
    finally:
        if not keep:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine.dispose()


def bench_fts5(items: int, load: Workload, keep: Path | None = None) -> dict:  # noqa: ARG001
    """SQLite FTS5 (always rebuilt: it indexes in minutes)."""
    folder = Path(tempfile.mkdtemp(prefix="parvis-bench-fts5-"))
    path = folder / "fts.db"
    try:
        conn = sqlite3.connect(path)
        conn.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(title, body, scope UNINDEXED, date UNINDEXED, "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        start = time.perf_counter()
        batch, count = [], 0
        for it in generate(items):
            batch.append((it.title, it.body, f"{it.space_id}:{it.module}", it.updated_at.isoformat()))
            if len(batch) >= 1000:
                conn.executemany("INSERT INTO fts VALUES (?, ?, ?, ?)", batch)
                conn.commit()
                count += len(batch)
                batch = []
        conn.executemany("INSERT INTO fts VALUES (?, ?, ?, ?)", batch)
        conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        conn.commit()
        count += len(batch)
        elapsed = time.perf_counter() - start
        size = path.stat().st_size
        scopes = sorted(load.scopes)
        marks = ",".join("?" * len(scopes))
        scope_filter = f"scope IN ({marks})"  # placeholders only: values are bound
        sql = " ".join((
            "SELECT rowid, title, snippet(fts, 1, '[', ']', '…', 12) FROM fts WHERE fts MATCH ? AND",
            scope_filter,
            "ORDER BY bm25(fts, 3.0, 1.0) LIMIT 20",
        ))

        def fts_query(text: str) -> str:
            if text.startswith('"'):
                return text
            return " ".join('"' + w.replace('"', "") + '"' for w in text.split())

        def run(text: str) -> int:
            return len(conn.execute(sql, [fts_query(text), *scopes]).fetchall())

        result = {"count": count, "index_s": elapsed, "size": size, "queries": queries(run, load)}
        conn.close()
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def queries(run: Callable[[str], int], load: Workload) -> dict[str, dict[str, float]]:
    return {
        "one_word": time_queries(run, load.one_word),
        "multi_word": time_queries(run, load.multi_word),
        "phrase": time_queries(run, load.phrase),
    }


BENCHES = {"whoosh": bench_whoosh, "postgres": bench_postgres, "fts5": bench_fts5}


def main_run(backend: str, items: int, keep: Path | None = None) -> None:
    load = workload()
    result = BENCHES[backend](items, load, keep)
    result.update(
        backend=backend, items=items,
        items_per_s=round(result["count"] / result["index_s"], 1),
        index_s=round(result["index_s"], 1),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        load_average=round(os.getloadavg()[0], 1),
        readable_spaces=len(load.space_ids),
        scopes=len(load.scopes),
        command=f"python benchmarks/search_bench.py --backend {backend} --items {items}"
        + (" --keep" if keep else ""),
    )
    with RESULTS.open("a") as fh:
        fh.write(json.dumps(result) + "\n")
    print(json.dumps(result, indent=2))


NOTES = """
Read with care: the machine has 2 cores; the load average sampled at the end of each
run is in the column "load avg". The rows dated 2026-12-07 were measured on a quiet
machine (load about 1: nothing else running but the benchmark and PostgreSQL); older
rows under loads of 2 to 16 (other engineers' test suites), where the same code varied
by up to 4x.

- whoosh at 200,000 items (2026-12-07, index layout 2: one `content` field, word pairs
  for phrases, queries matched with set operations on posting blocks and only the
  readable matches ranked, each segment's length column read once; docs/search.md "What
  a whoosh query costs"): one word p50 3 ms, several words 26 ms, phrases 28 ms, all
  under the 50 ms target, and faster than FTS5 on the same corpus for all three kinds
  (FTS5: 116 / 40 / 187 ms). Indexing in one process: 232 items/s (the
  analysis and the pairs are pure Python; `PARVIS_SEARCH_REBUILD_PROCS=2` spreads it).
  The index is bigger than layout 1's (610 MB against 408 MB: uncompressed blocks of
  512 postings and the pairs field).
- PostgreSQL at 1,000,000 items, re-measured on the quiet machine (2026-12-07, two
  runs on the same index, the second in the table): one word p50 45-52 ms / p99
  149-155 ms, several words 74-88 / 137 ms, phrases 106-138 / 236-262 ms: **over the
  30 ms p50 target** (the figures of 2026-11-29, 30 / 58 / 66 ms under load 7.7, were
  not reproduced). `EXPLAIN (ANALYZE, BUFFERS)` of the candidates statement: the GIN
  bitmap of a common word over the whole platform (168,000 rows: 36 ms) and the bitmap
  of the user's 219 readable spaces (90,000 rows: 10-12 ms, the same for every query of
  that user) are ANDed before any row is read; a phrase adds the positional recheck of
  every candidate's tsvector. Without `ts_rank_cd` at all the several-word p50 is still
  56 ms. `gin_fuzzy_search_limit` (tried per query, not applied) cuts one-word p50/p99
  to 30 / 65 ms at 50,000 without losing a result, but at 20,000 an AND of two common
  words loses most candidates (mean 950 -> 122), so it cannot be used blindly.
- FTS5 (2026-12-07, 200,000, quiet): 116 / 40 / 187 ms p50: the reference.
- FTS5 at 1,000,000 items ran under load 7-15: its phrase p50 (10 s) is mostly the load.
- The corpus is a worst case for common words: its prose comes from a 300-word bigram
  chain, so a common word matches a third to a half of all items; half of the one-word
  queries are such words, the other half rare place names.
"""


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def report() -> None:
    rows = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]
    latest: dict[tuple[str, int], dict] = {}
    for row in rows:
        latest[(row["backend"], row["items"])] = row
    lines = [
        "<!-- benchmarks/search_bench.py: begin -->",
        "## Search backends",
        "",
        "`benchmarks/search_bench.py` indexes a generated corpus of French community content",
        "(`benchmarks/search_corpus.py`: 2,000 spaces, six content types, bigram-chain French",
        "prose with a long tail of place names) and queries it as a user who is a member of 20",
        "spaces (plus the 10 % of spaces that are public: "
        f"{next(iter(latest.values()))['readable_spaces'] if latest else '?'} readable spaces,",
        f"{next(iter(latest.values()))['scopes'] if latest else '?'} access scopes in every query).",
        "Latency is the backend's `search()` call for one page of 20 results (facets excluded),",
        "200 queries of each kind after 20 warm-up queries. SQLite FTS5 (`unicode61",
        "remove_diacritics 2`, no stemming, bm25 ranking, same scope filter) is the reference.",
        "Memory is the peak resident size of the benchmark process (corpus generation included).",
        "",
        f"Machine: {os.cpu_count()} cores shared with other jobs, {platform.system()} {platform.machine()},",
        f"Python {platform.python_version()}; PostgreSQL 15 on the same machine.",
        "",
        "| backend | items | indexing (items/s) | index size | one word p50 / p99 | several words p50 / p99 | phrase p50 / p99 | peak memory | load avg | date |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    order = {"postgres": 0, "whoosh": 1, "fts5": 2}
    for (backend, items), row in sorted(latest.items(), key=lambda kv: (kv[0][1], order.get(kv[0][0], 9))):
        q = row["queries"]
        cells = [
            backend + (f" ({row['config']})" if row.get("config") else "")
            + (f" ({row['procs']} procs)" if row.get("procs", 1) > 1 else ""),
            f"{items:,}",
            f"{row['items_per_s']:,.0f}",
            _mb(row["size"]),
            *(f"{q[k]['p50_ms']:.1f} / {q[k]['p99_ms']:.1f} ms" for k in ("one_word", "multi_word", "phrase")),
            f"{row['peak_rss_mb']:.0f} MB",
            f"{row['load_average']}",
            row["date"],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", NOTES.strip()]
    lines += ["", "Commands:", ""]
    lines += [
        "- `" + (f"PARVIS_SEARCH_REBUILD_PROCS={row['procs']} " if row.get("procs", 1) > 1 else "")
        + row["command"] + "`"
        for row in latest.values()
    ]
    lines += ["- `python benchmarks/search_bench.py --report` (this table)", "", "<!-- benchmarks/search_bench.py: end -->"]
    section = "\n".join(lines)
    text = README.read_text()
    begin, end = "<!-- benchmarks/search_bench.py: begin -->", "<!-- benchmarks/search_bench.py: end -->"
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(text)
    print(section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=sorted(BENCHES))
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--keep", action="store_true",
                        help="keep the built index and reuse a kept one (whoosh, postgres)")
    parser.add_argument("--keep-dir", type=Path, default=DEFAULT_KEEP_DIR,
                        help=f"where kept whoosh indexes live (default {DEFAULT_KEEP_DIR})")
    args = parser.parse_args()
    if args.report:
        report()
    elif args.backend:
        main_run(args.backend, args.items, args.keep_dir if args.keep else None)
    else:
        parser.error("--backend or --report")


if __name__ == "__main__":
    main()
