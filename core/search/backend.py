"""The backend interface every search engine implements, and its value objects.

A backend stores :class:`~parvis.search.documents.SearchDocument` objects and answers
a :class:`SearchQuery`. It never decides who may see what: the service computes the
allowed scopes of the user (:mod:`parvis.search.access`) and passes them in every
query; the backend must return only documents whose scope is among them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .documents import SearchDocument

#: Longest query text accepted (longer input is cut, never refused).
MAX_QUERY_LENGTH = 200
#: Most words kept from a query.
MAX_QUERY_TERMS = 16
SORTS = ("relevance", "date")


class QueryError(ValueError):
    """The query text cannot be understood (shown to the user as a clear message)."""


@dataclass
class SearchQuery:
    """One search: the text, the user's allowed scopes and the chosen filters."""

    text: str
    scopes: frozenset[str]
    space_ids: tuple[int, ...] = ()
    types: tuple[str, ...] = ()
    author_id: int | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: bool = True
    spelling: bool = True


@dataclass
class Hit:
    """One result. ``snippet`` marks matches with MARK_START/MARK_END characters."""

    type: str
    object_id: int
    space_id: int
    module: str
    title: str
    url: str
    author_id: int | None
    date: datetime | None
    snippet: str = ""
    tags: list[str] = field(default_factory=list)
    score: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.type}:{self.object_id}"


@dataclass
class SearchResults:
    """A page of hits, the total, facet counts and an optional spelling suggestion."""

    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    #: True when the backend stopped counting: ``total`` is then a lower bound.
    capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class SearchBackend(ABC):
    """What the search service needs from an engine."""

    name: str = ""
    #: True when the backend can suggest a corrected query ("did you mean").
    supports_spelling: bool = False

    def setup(self) -> None:  # noqa: B027  (optional)
        """Create what the backend needs (index folder, tables); idempotent."""

    @abstractmethod
    def upsert(self, docs: list[SearchDocument]) -> None:
        """Add or replace documents (by type and object id)."""

    @abstractmethod
    def delete(self, keys: list[tuple[str, int]]) -> None:
        """Remove documents by ``(type, object_id)``; unknown keys are ignored."""

    @abstractmethod
    def delete_space(self, space_id: int) -> None:
        """Remove every document of a space (the space's own document included)."""

    @abstractmethod
    def rebuild(self, docs: Iterable[SearchDocument], space_id: int | None = None) -> int:
        """Replace everything (``space_id`` None) or one space's documents; return the count."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Run ``query``; only documents whose scope is in ``query.scopes``."""

    @abstractmethod
    def suggest(self, text: str, scopes: frozenset[str], limit: int = 8) -> list[Hit]:
        """Titles starting with the words typed so far (search as you type)."""

    @abstractmethod
    def count(self) -> int:
        """Number of documents in the index."""

    def close(self) -> None:  # noqa: B027  (optional)
        """Release files and connections."""

    def take_rebuild_request(self) -> bool:
        """True (once) when the backend lost its index and needs a full rebuild.

        The whoosh backend answers True after it replaced an index written in an older
        layout by an empty one; the search service then queues a full reindex.
        """
        return False


def query_words(text: str) -> list[str]:
    """The words of ``text`` (letters and digits), at most MAX_QUERY_TERMS."""
    import re

    return re.findall(r"\w+", text[:MAX_QUERY_LENGTH])[:MAX_QUERY_TERMS]


def suggestion_words(text: str) -> tuple[list[str], str | None]:
    """Complete words and the word being typed (None when shorter than two letters)."""
    words = query_words(text)
    if not words:
        return [], None
    *complete, last = words
    if len(last) < 2:
        return complete, None
    return complete, last
