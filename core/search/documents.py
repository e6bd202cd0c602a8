"""The search document: what a module hands to the search service, checked once.

Modules return plain dicts (see docs/hooks.md, ``parvis_search_documents``); the
service turns each into a :class:`SearchDocument`, dropping what it cannot use, so a
backend only ever sees clean, bounded values.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

#: Module id of the core's own documents (spaces, people).
CORE_MODULE = "core"
SPACE_TYPE = "core.space"
PERSON_TYPE = "core.person"
#: Scopes of the core's documents (see :attr:`SearchDocument.scope`).
OPEN_SPACES_SCOPE = "core:spaces"
PEOPLE_SCOPE = "core:people"

MAX_TITLE = 300
MAX_BODY = 100_000
#: Characters of the body kept for snippets.
MAX_EXCERPT = 4_000
MAX_TAGS = 30
MAX_URL = 500
#: Control characters used as highlight markers in snippets; stripped from input.
MARK_START, MARK_END = "\x02", "\x03"
_STRIP = str.maketrans({MARK_START: " ", MARK_END: " ", "\x00": " "})


@dataclass
class SearchDocument:
    """One findable object, as the backends store it."""

    type: str
    object_id: int
    space_id: int
    module: str
    title: str
    body: str = ""
    url: str = ""
    author_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    tags: list[str] = field(default_factory=list)
    #: Access scope checked at query time: ``"<space_id>:<module>"`` for module content,
    #: :data:`OPEN_SPACES_SCOPE` for a space that is not secret, ``"<id>:core"`` for a
    #: secret space, :data:`PEOPLE_SCOPE` for a person.
    scope: str = ""

    def __post_init__(self) -> None:
        if not self.scope:
            self.scope = f"{self.space_id}:{self.module}"

    @property
    def key(self) -> str:
        """Unique key in the index: ``"<type>:<object_id>"``."""
        return f"{self.type}:{self.object_id}"

    @property
    def date(self) -> datetime | None:
        """The date shown and sorted on: last update, else creation."""
        return self.updated_at or self.created_at

    @property
    def excerpt(self) -> str:
        """The start of the body, kept for snippets."""
        return self.body[:MAX_EXCERPT]


def clean_text(value: Any, limit: int) -> str:
    """``value`` as a string without marker or NUL characters, at most ``limit`` long."""
    if value is None:
        return ""
    return str(value).translate(_STRIP)[:limit]


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def normalise(raw: Any, modules_by_type: dict[str, str], space_id: int | None = None) -> SearchDocument | None:
    """Check one module document; None (and a log line) when it cannot be indexed.

    :param modules_by_type: content type id -> module id, for every installed type.
    :param space_id: the space being indexed (the hook's ``space``); a document of
        ``search_document(object_id)`` must carry its own ``space_id``.
    """
    if not isinstance(raw, dict):
        log.warning("search: ignoring a document that is not a dict: %r", type(raw))
        return None
    type_id = raw.get("type")
    module = modules_by_type.get(type_id) if isinstance(type_id, str) else None
    object_id = _as_int(raw.get("object_id", raw.get("id")))
    doc_space = _as_int(raw.get("space_id")) if raw.get("space_id") is not None else space_id
    if space_id is not None and doc_space != space_id:
        doc_space = space_id  # a hook document belongs to the space it was asked for
    if module is None or object_id is None or doc_space is None:
        log.warning("search: ignoring document %r/%r (unknown type or missing ids)", type_id, raw.get("object_id"))
        return None
    tags = raw.get("tags") or []
    if not isinstance(tags, list | tuple):
        tags = [tags]
    return SearchDocument(
        type=type_id,
        object_id=object_id,
        space_id=doc_space,
        module=module,
        title=clean_text(raw.get("title"), MAX_TITLE) or type_id,
        body=clean_text(raw.get("body"), MAX_BODY),
        url=clean_text(raw.get("url"), MAX_URL),
        author_id=_as_int(raw.get("author_id")),
        created_at=_as_datetime(raw.get("created_at")),
        updated_at=_as_datetime(raw.get("updated_at")),
        tags=[clean_text(t, 80) for t in list(tags)[:MAX_TAGS] if t],
    )
