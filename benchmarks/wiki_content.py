"""The page content both wiki benchmarks render (no dependency: shared by both venvs)."""

from __future__ import annotations

TREE_PAGES = 500
REVISIONS = 200
PAGE_TITLE = "Benchmark page"


def tree_title(n: int) -> str:
    """Title of the ``n``-th page of the tree."""
    return f"Page {n}"


def tree_parent(n: int) -> int | None:
    """Index of the parent of page ``n``: a tree three children wide (0 is a root)."""
    return None if n == 0 else (n - 1) // 3


def page_body(revision: int) -> str:
    """The benchmarked page's markdown at ``revision`` (about 4 KB, links, table, code)."""
    links = " ".join(f"[[{tree_title(k)}]]" for k in (1, 2, 3, 40, 120, 250, 499))
    rows = "\n".join(f"| {k} | item {k} | {k * 3} |" for k in range(12))
    paragraphs = "\n\n".join(
        f"Paragraph {k} of revision {revision}: the community keeps what it knows here, "
        f"with *emphasis*, **strong text** and `inline code`; see {tree_title(k)} for more."
        for k in range(8)
    )
    return f"""# Benchmark page

Introduction for revision {revision}. Related pages: {links} and [[Missing page]].

## Context

{paragraphs}

## Steps

1. Read the guide
2. Ask questions
3. Share what you learnt

- one
- two
- three

## Data

| # | label | value |
| --- | --- | --- |
{rows}

## Code

```python
def hello(name):
    return f"Hello {{name}}"
```

### Notes

> A quote to render.

## Conclusion

The end of revision {revision}.
"""


def write_row(path, prefix: str, row: str) -> None:  # noqa: ANN001 - a pathlib.Path
    """Put ``row`` in the results table of ``path`` (replacing the row starting with ``prefix``)."""
    lines = path.read_text().splitlines() if path.exists() else []
    lines = [line for line in lines if not line.startswith(prefix)]
    try:
        at = next(i for i, line in enumerate(lines) if line.startswith("| --- |")) + 1
    except StopIteration:
        lines += ["", "| Wiki | median | p95 | SQL queries | command |", "| --- | --- | --- | --- | --- |"]
        at = len(lines)
    lines.insert(at, row)
    path.write_text("\n".join(lines) + "\n")
