"""Count the SQL statements a block of code sends to the database.

Used by Parvis's own tests and by module authors to prove that a list page issues a
fixed number of queries whatever the amount of data (see docs/testing.md)::

    from parvis.testing.queries import count_queries

    with count_queries() as queries:
        client.get("/s/demo/")
    assert queries.count <= 15, queries.report()

Importing this module needs neither a Parvis app nor a database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: Statements that are bookkeeping, not application queries.
IGNORED_PREFIXES = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "PRAGMA")


@dataclass
class QueryLog:
    """What :func:`count_queries` saw: the SQL text of each statement, in order."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many statements were executed."""
        return len(self.statements)

    def matching(self, fragment: str) -> list[str]:
        """Statements containing ``fragment`` (case-insensitive), e.g. a table name."""
        fragment = fragment.lower()
        return [s for s in self.statements if fragment in s.lower()]

    def report(self) -> str:
        """A numbered listing, handy as an assertion message."""
        lines = [f"{self.count} SQL statements:"]
        lines += [f"{n:3d}. {' '.join(s.split())[:300]}" for n, s in enumerate(self.statements, 1)]
        return "\n".join(lines)


def _default_engine() -> Any:
    from flask import has_app_context

    if not has_app_context():
        raise RuntimeError("count_queries() needs an engine or an app context")
    from ..extensions import db

    return db.engine


@contextmanager
def count_queries(engine: Any = None) -> Iterator[QueryLog]:
    """Record every statement sent through ``engine`` (default: the current app's).

    The log is filled while the block runs; read ``.count`` and ``.statements`` after.
    Savepoint and SQLite pragma statements are not counted.
    """
    from sqlalchemy import event

    engine = engine if engine is not None else _default_engine()
    log = QueryLog()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202, PLR0913
        if not statement.lstrip().upper().startswith(IGNORED_PREFIXES):
            log.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
