"""Refuse input no database can hold, before it reaches a query.

* ``<int:...>`` URL segments are bounded to the 32-bit range of the ``INTEGER``
  primary keys, so an absurd id is a 404, not a database overflow (500).
* A NUL byte in any query-string or form value is refused with 400: PostgreSQL text
  cannot contain one.
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

#: Largest id a 32-bit signed ``INTEGER`` column holds.
MAX_ID = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """Werkzeug's ``int`` converter limited to 0..MAX_ID."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002, ANN001, ANN002, ANN003
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def valid_id(raw: object) -> int | None:
    """``raw`` as a usable id (1..MAX_ID), or None."""
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_ID else None


def _refuse_nul_bytes() -> None:
    try:
        form = request.form
    except RequestEntityTooLarge:
        return  # the view answers it with its own message
    for values in (request.args, form):
        for key, items in values.lists():
            if "\x00" in key or any("\x00" in item for item in items):
                abort(400)


def init_app(app: Flask) -> None:
    """Install the bounded ``int`` converter (before any blueprint) and the NUL guard."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(_refuse_nul_bytes)
