"""Performance budget of issue 10 on a seeded platform (``parvis seed``).

Run from the repository root, on a database filled by ``parvis seed`` (the same
``PARVIS_*`` variables as the seed: database, search index)::

    export PARVIS_DATABASE_URL=sqlite:////tmp/perf/seed.db PARVIS_SEARCH_INDEX_DIR=/tmp/perf/index
    .venv/bin/parvis seed --users 25000 --spaces 2000 --items 200000
    .venv/bin/python benchmarks/budget.py [--requests 50] [--no-write]

Signed in as ``bench@seed.example.org`` (a member of 20 spaces), it times through
Flask's test client (the whole request: session, guards, SQL, templates) the space home
(12 widgets), a wiki page, the news feed of the posts module, the calendar month, a
document folder, the search page and the "my spaces" dashboard, each in the busiest of
the reader's spaces: p50/p99 and the SQL queries of one request, and the share of the
time spent inside the database driver. In the same run a bare Flask route returns each
page's HTML from memory (the ratio of issue 3).

It also measures app start time (fresh processes), the first-load page weight of the
space home (HTML and every same-origin stylesheet and script it references, gzip) and
the resident memory of this process after serving the pages. The load test under
gunicorn is ``benchmarks/load_home.py``. Results go to ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).parent
BENCH_EMAIL = "bench@seed.example.org"
PASSWORD = "parvis seed password"  # noqa: S105 - the seeded load-test accounts


@dataclass
class PageResult:
    name: str
    path: str
    queries: int
    p50: float
    p99: float
    sql_share: float
    bare: float
    size: int
    cpu: float


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


class SqlTimer:
    """Sum of the time spent in cursor.execute (SQLAlchemy engine events)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.total = 0.0
        self._start: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._start.append(time.perf_counter())

    def _after(self, *_args: Any) -> None:
        self.total += time.perf_counter() - self._start.pop()


def pick_pages(app: Any) -> list[tuple[str, str]]:
    """The pages to time, each in the busiest of the reader's spaces for that module."""
    from parvis.extensions import db
    from parvis.models import Activity, Membership, Space, SpaceModule, User
    from parvis_modules.calendar.models import CalendarEvent
    from parvis_modules.documents.models import Document
    from parvis_modules.posts.models import Post
    from parvis_modules.wiki.models import WikiPage

    with app.app_context():
        bench = db.session.scalar(db.select(User).filter_by(email=BENCH_EMAIL))
        if bench is None:
            sys.exit("No seeded platform here: run parvis seed first (see the docstring).")
        mine = db.select(Membership.space_id).filter_by(user_id=bench.id)

        def busiest(model: Any, module_id: str | None) -> Any:
            stmt = (db.select(model.space_id, db.func.count().label("n")).where(model.space_id.in_(mine))
                    .group_by(model.space_id).order_by(db.text("n DESC")))
            if module_id:
                stmt = stmt.join(SpaceModule, db.and_(SpaceModule.space_id == model.space_id,
                                                      SpaceModule.module_id == module_id, SpaceModule.enabled))
            space_id = db.session.execute(stmt.limit(1)).first()[0]
            return db.session.get(Space, space_id)

        home = busiest(Activity, None)
        wiki_space = busiest(WikiPage, "wiki")
        wiki_page = db.session.scalar(db.select(WikiPage).filter_by(space_id=wiki_space.id, parent_id=None)
                                      .order_by(WikiPage.id.desc()).limit(1))
        posts = busiest(Post, "posts")
        cal = busiest(CalendarEvent, "calendar")
        docs = busiest(Document, "documents")
        folder_id = db.session.execute(
            db.select(Document.folder_id, db.func.count().label("n")).filter_by(space_id=docs.id)
            .where(Document.folder_id.is_not(None)).group_by(Document.folder_id).order_by(db.text("n DESC"))
            .limit(1)).first()[0]
        month = datetime.now(UTC).strftime("%Y-%m")
        return [
            ("space home, 12 widgets", f"/s/{home.slug}/"),
            ("wiki page", f"/s/{wiki_space.slug}/wiki/p/{wiki_page.slug}"),
            ("news feed (posts)", f"/s/{posts.slug}/posts/"),
            ("calendar month", f"/s/{cal.slug}/calendar/?month={month}"),
            ("document folder", f"/s/{docs.slug}/documents/f/{folder_id}"),
            ("search page", "/search?q=administrations"),
            ("my spaces dashboard", "/"),
        ]


def time_get(client: Any, path: str, n: int) -> list[float]:
    """Milliseconds of ``n`` GETs of ``path`` (each must answer 200)."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(path)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return out


def measure_pages(app: Any, pages: list[tuple[str, str]], requests: int) -> tuple[list[PageResult], dict[str, str]]:
    from flask import Flask, Response

    from parvis.extensions import db
    from parvis.testing.queries import count_queries

    with app.app_context():
        engine = db.engine
    timer = SqlTimer(engine)
    client = app.test_client()
    response = client.post("/login", data={"email": BENCH_EMAIL, "password": PASSWORD})
    assert response.status_code == 302, "sign-in failed"
    results, htmls = [], {}
    for name, path in pages:
        html = client.get(path).get_data(as_text=True)
        htmls[path] = html
        time_get(client, path, 3)
        with count_queries(engine) as log:
            client.get(path)
        if os.environ.get("BUDGET_SQL"):
            print(name, log.report())
        timer.total = 0.0
        cpu0 = time.process_time()
        timings = time_get(client, path, requests)
        cpu = (time.process_time() - cpu0) * 1000 / requests
        sql_share = timer.total * 1000 / sum(timings)
        bare = Flask("bare")
        bare.add_url_rule("/page", "page", lambda html=html: Response(html, mimetype="text/html"))
        bare_client = bare.test_client()
        time_get(bare_client, "/page", 5)
        bare_ms = statistics.median(time_get(bare_client, "/page", requests))
        result = PageResult(name, path, log.count, statistics.median(timings), percentile(timings, 99),
                            sql_share, bare_ms, len(html.encode()), cpu)
        results.append(result)
        print(f"{name:24} {path:60} {result.queries:3d} queries  p50 {result.p50:7.1f} ms  "
              f"p99 {result.p99:7.1f} ms  CPU {cpu:6.1f} ms  SQL {sql_share:4.0%}  bare {bare_ms:.2f} ms  "
              f"ratio {result.p50 / bare_ms:6.0f}x", flush=True)
    return results, htmls


ASSET_RE = re.compile(r"""<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src)="([^"]+)\"""")


def page_weight(app: Any, path: str) -> dict[str, Any]:
    """Gzip size of the page's HTML and of every same-origin stylesheet and script."""
    client = app.test_client()
    client.post("/login", data={"email": BENCH_EMAIL, "password": PASSWORD})
    html = client.get(path).get_data()
    rows = [("HTML " + path, len(html), len(gzip.compress(html, 6)))]
    seen = set()
    for url in ASSET_RE.findall(html.decode()):
        url = url.replace("&amp;", "&")
        parts = urlsplit(url)
        if parts.netloc or url in seen:
            continue  # other origins are not ours (there should be none)
        seen.add(url)
        body = client.get(url).get_data()
        rows.append((url, len(body), len(gzip.compress(body, 6))))
        if url.endswith(".css") or "css" in url:
            for imported in re.findall(r"@import\s+(?:url\()?[\"']?([^\"')]+)", body.decode(errors="ignore")):
                full = imported if imported.startswith("/") else url.rsplit("/", 1)[0] + "/" + imported
                if full not in seen:
                    seen.add(full)
                    sub = client.get(full).get_data()
                    rows.append((full, len(sub), len(gzip.compress(sub, 6))))
    return {"rows": rows, "raw": sum(r[1] for r in rows), "gzip": sum(r[2] for r in rows)}


START_CODE = """
import time, sys
t0 = time.perf_counter()
from parvis import create_app
app = create_app()
print(time.perf_counter() - t0, time.process_time())
"""


def start_time(runs: int = 5) -> tuple[float, float, float]:
    """Median and max wall time, median CPU time of ``create_app()`` in fresh processes."""
    walls, cpus = [], []
    subprocess.run([sys.executable, "-c", START_CODE], check=True, capture_output=True)  # noqa: S603 - warm the caches
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", START_CODE], check=True, capture_output=True, text=True)  # noqa: S603
        wall, cpu = map(float, out.stdout.split()[-2:])
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), max(walls), statistics.median(cpus)


def rss_mb() -> float:
    """Resident memory of this process now (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="do not update benchmarks/README.md")
    args = parser.parse_args()

    from parvis import create_app

    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "SEARCH_QUEUE": "manual"})
    with app.app_context():
        from parvis.extensions import db

        url = db.engine.url.render_as_string(hide_password=True)
        counts = {t: db.session.scalar(db.text(f"SELECT count(*) FROM {t}"))  # noqa: S608 - fixed names
                  for t in ("users", "spaces", "memberships", "activities")}
    pages = pick_pages(app)
    results, _htmls = measure_pages(app, pages, args.requests)
    rss = rss_mb()
    weight = page_weight(app, pages[0][1])
    print(f"page weight of {pages[0][1]}: {weight['gzip'] / 1024:.1f} KB gzip ({weight['raw'] / 1024:.1f} KB raw)")
    for row in weight["rows"]:
        print(f"   {row[0]:70} {row[1]:8d} {row[2]:8d}")
    start = start_time()
    print(f"app start: median {start[0]:.2f} s (max {start[1]:.2f} s), CPU {start[2]:.2f} s; RSS {rss:.0f} MB")
    if not args.no_write:
        write_result(results, weight, start, rss, args.requests, url, counts)


def write_result(results: list[PageResult], weight: dict[str, Any], start: tuple[float, float, float], rss: float,
                 requests: int, url: str, counts: dict[str, int]) -> None:
    """Replace this benchmark's section of benchmarks/README.md."""
    load = os.getloadavg()[0]
    rows = "\n".join(
        f"| {r.name} | `{r.path}` | {r.queries} | {r.p50:.1f} ms | {r.p99:.1f} ms | {r.cpu:.1f} ms | {r.sql_share:.0%} "
        f"| {r.bare:.2f} ms | {r.p50 / r.bare:.0f}x |"
        for r in results
    )
    home = results[0]
    assets = "\n".join(f"| `{name}` | {raw / 1024:.1f} KB | {gz / 1024:.1f} KB |" for name, raw, gz in weight["rows"])
    size = ", ".join(f"{v:,} {k}" for k, v in counts.items())
    section = f"""<!-- benchmarks/budget.py: begin -->
### Pages on the seeded platform (test client)

Command: `.venv/bin/python benchmarks/budget.py --requests {requests}` on the database of
`parvis seed --users 25000 --spaces 2000 --items 200000` ({size}; `{url}`).

Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} cores shared with other agents' jobs,
{platform.system()} {platform.machine()}, Python {platform.python_version()}, load average {load:.1f}
when measured: timings are inflated.

Signed in as `bench@seed.example.org` (member of 20 spaces); each page in the busiest of
its spaces for that module. Queries: one request after warm-up. CPU per request: CPU time
of the process over the timed requests (steadier than wall time on a loaded machine). SQL
share: time inside the database driver over the request time (the ORM's own Python work
is outside it: see "Where the home's time goes"). Bare: a plain `Flask` route returning the same
HTML from memory.

| page | path | queries | p50 | p99 | CPU per request | SQL share | bare route p50 | ratio |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
{rows}

| budget | result | target | met |
| --- | --- | --- | --- |
| space home queries | {home.queries} | at most 15 | {"yes" if home.queries <= 15 else "no"} |
| space home first-load weight (HTML+CSS+JS, gzip) | {weight["gzip"] / 1024:.1f} KB ({weight["raw"] / 1024:.1f} KB raw) | < 150 KB | {"yes" if weight["gzip"] < 150 * 1024 else "no"} |
| app start, `create_app()` in a fresh process: wall median of 5 (max; CPU median) | {start[0]:.2f} s (max {start[1]:.2f} s; CPU {start[2]:.2f} s) | < 1.5 s | {"yes" if start[0] < 1.5 else "no"} (CPU: {"yes" if start[2] < 1.5 else "no"}) |
| resident memory of the benchmark process after serving every page above | {rss:.0f} MB | < 150 MB | {"yes" if rss < 150 else "no"} |

First load of the space home (every same-origin stylesheet and script it references; gzip level 6):

| resource | raw | gzip |
| --- | --- | --- |
{assets}
<!-- benchmarks/budget.py: end -->"""
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(r"<!-- benchmarks/budget.py: begin -->.*?<!-- benchmarks/budget.py: end -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
