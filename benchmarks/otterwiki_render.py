"""Render time of the same page in otterwiki (a Flask wiki storing pages in git).

otterwiki is not a Parvis dependency: install it in a scratch virtualenv and run
this script with that interpreter, from the repository root::

    python3 -m venv /tmp/otterwiki-venv && /tmp/otterwiki-venv/bin/pip install otterwiki
    /tmp/otterwiki-venv/bin/python benchmarks/otterwiki_render.py [--requests 50]

It builds a git repository with the same 500-page tree (sub-folders) and commits the
benchmarked page 200 times, then times ``GET /<page>`` through Flask's test client
with anonymous read access. The figure is written to ``benchmarks/wiki.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess  # noqa: S404 - git, with fixed arguments
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


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)  # noqa: S603, S607


def page_path(n: int) -> str:
    """Folder path of tree page ``n`` (its ancestors' names), like otterwiki sub-pages."""
    parts = []
    node: int | None = n
    while node is not None:
        parts.append(tree_title(node).lower().replace(" ", "-"))
        node = tree_parent(node)
    return "/".join(reversed(parts))


def build(repo: Path) -> str:
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "bench@example.org")
    git(repo, "config", "user.name", "Bench Mark")
    for n in range(TREE_PAGES - 1):
        path = repo / f"{page_path(n)}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {tree_title(n)}\n\nText of {tree_title(n)}.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "tree")
    target = repo / f"{page_path(7)}/{PAGE_TITLE.lower().replace(' ', '-')}.md"
    for number in range(1, REVISIONS + 1):
        target.write_text(page_body(number))
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"revision {number}")
    return "/" + str(target.relative_to(repo))[:-3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        started = time.perf_counter()
        url = build(repo)
        build_s = time.perf_counter() - started
        os.environ.update(
            REPOSITORY=str(repo),
            SECRET_KEY="benchmark-secret-key-0123456789",  # noqa: S106 - throw-away wiki
            READ_ACCESS="ANONYMOUS",
        )
        from otterwiki import __version__
        from otterwiki.server import app

        client = app.test_client()
        for _ in range(5):
            response = client.get(url)
            assert response.status_code == 200, response.status_code
        assert b"Benchmark" in response.data
        timings = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
    median = statistics.median(timings)
    p95 = sorted(timings)[int(len(timings) * 0.95) - 1]
    print(f"otterwiki {__version__} ({TREE_PAGES} pages, {REVISIONS} commits): median {median:.1f} ms, "
          f"p95 {p95:.1f} ms (set-up {build_s:.1f} s)")
    if not args.no_write:
        write_row(
            HERE / "wiki.md", "| otterwiki ",
            f"| otterwiki {__version__} | {median:.1f} ms | {p95:.1f} ms | (git) | "
            f"`/tmp/otterwiki-venv/bin/python benchmarks/otterwiki_render.py --requests {args.requests}` |",
        )


if __name__ == "__main__":
    main()
