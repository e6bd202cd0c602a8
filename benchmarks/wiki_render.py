"""Render time of a Parvis wiki page with 200 revisions in a 500-page tree.

Run from the repository root::

    .venv/bin/python benchmarks/wiki_render.py [--requests 50]

It builds a throw-away SQLite database in a temporary folder, signs a member in,
and times ``GET /s/bench/wiki/p/benchmark-page`` through Flask's test client (the
whole request: routing, permission checks, SQL, markdown, templates). The result is
written to ``benchmarks/wiki.md`` (the otterwiki figure there comes from
``benchmarks/otterwiki_render.py``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from wiki_content import (  # noqa: E402
    PAGE_TITLE,
    REVISIONS,
    TREE_PAGES,
    page_body,
    tree_parent,
    tree_title,
    write_row,
)

PASSWORD = "benchmark password 1"  # noqa: S105 - throw-away account


def build(app) -> str:  # noqa: ANN001
    """Fill the database; return the benchmarked page's URL."""
    from parvis.extensions import db
    from parvis.services.spaces import create_space
    from parvis.services.users import create_user
    from parvis_modules.wiki import services
    from parvis_modules.wiki.links import title_key
    from parvis_modules.wiki.models import WikiPage, WikiRevision

    db.create_all()
    user = create_user("bench@example.org", "Bench Mark", PASSWORD)
    space = create_space(name="Bench", slug="bench", owner=user, visibility="public", modules=["wiki"])
    db.session.flush()
    rows = [
        WikiPage(space_id=space.id, title=tree_title(n), title_key=title_key(tree_title(n)),
                 slug=f"page-{n}", position=n, author_id=user.id)
        for n in range(TREE_PAGES - 1)
    ]
    db.session.add_all(rows)
    db.session.flush()
    for n, row in enumerate(rows):
        parent = tree_parent(n)
        row.parent_id = rows[parent].id if parent is not None else None
    revisions = [
        WikiRevision(page_id=row.id, number=1, title=row.title, body=f"Text of {row.title}.", author_id=user.id)
        for row in rows
    ]
    db.session.add_all(revisions)
    db.session.flush()
    for row, rev in zip(rows, revisions, strict=True):
        row.current_revision_id = rev.id
    page = services.create_page(space, user, title=PAGE_TITLE, body=page_body(1), parent_id=rows[7].id)
    db.session.commit()
    for number in range(2, REVISIONS + 1):
        services.save_page(page, space, user, title=PAGE_TITLE, body=page_body(number),
                           base_revision_id=page.current_revision_id)
        db.session.commit()
    return f"/s/bench/wiki/p/{page.slug}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="do not update benchmarks/wiki.md")
    args = parser.parse_args()

    from parvis import create_app
    from parvis.testing.queries import count_queries

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
             "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "MAIL_BACKEND": "memory"},
            instance_path=f"{tmp}/instance",
        )
        with app.app_context():
            started = time.perf_counter()
            url = build(app)
            build_s = time.perf_counter() - started
            from parvis.extensions import db

            engine = db.engine
        # Requests run without an outer app context, as in production (no shared ``g``).
        client = app.test_client()
        client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
        for _ in range(5):
            assert client.get(url).status_code == 200
        with count_queries(engine) as queries:
            client.get(url)
        timings = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        engine.dispose()
    median = statistics.median(timings)
    p95 = sorted(timings)[int(len(timings) * 0.95) - 1]
    print(queries.report()) if os.environ.get("WIKI_BENCH_SQL") else None
    print(f"Parvis wiki page ({TREE_PAGES} pages, {REVISIONS} revisions): median {median:.1f} ms, "
          f"p95 {p95:.1f} ms, {queries.count} SQL queries (set-up {build_s:.1f} s)")
    if not args.no_write:
        write_result(median, p95, queries.count, args.requests)


def write_result(median: float, p95: float, count: int, requests: int) -> None:
    """Replace the Parvis row of the table in benchmarks/wiki.md."""
    write_row(
        HERE / "wiki.md", "| Parvis ",
        f"| Parvis (this repository) | {median:.1f} ms | {p95:.1f} ms | {count} | "
        f"`.venv/bin/python benchmarks/wiki_render.py --requests {requests}` |",
    )


if __name__ == "__main__":
    main()
