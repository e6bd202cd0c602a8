"""The search service of one app: documents in, access-filtered results out."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from flask import Flask, current_app

from ..extensions import db
from ..models import Space, User
from ..plugins.manager import current_platform
from .access import Access, access_for
from .backend import Hit, SearchBackend, SearchQuery, SearchResults
from .core_documents import core_document, people_documents, space_document
from .documents import PERSON_TYPE, SPACE_TYPE, SearchDocument, normalise
from .queue import IndexQueue, Job

log = logging.getLogger(__name__)

EXTENSION_KEY = "parvis_search"


class _SystemReader:
    """Who the indexer is when it asks a content type for an object: may read everything."""

    id = 0
    name = "system"
    platform_role = "admin"
    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_platform_admin = True
    is_community_manager = True


SYSTEM_READER = _SystemReader()


@dataclass
class Result:
    """A hit with what a results page shows next to it (loaded in bounded queries)."""

    hit: Hit
    space: Space | None
    author: User | None
    type_label: str
    module_label: str


class SearchService:
    """Owns the backend and the index queue of an app."""

    def __init__(self, app: Flask, backend: SearchBackend, mode: str = "thread") -> None:
        self.app = app
        self.backend = backend
        self.queue = IndexQueue(app, self.process, mode)

    # -- documents ----------------------------------------------------------------

    def modules_by_type(self) -> dict[str, str]:
        """Content type id -> module id, for every installed module."""
        return {ct.id: spec.id for spec in current_platform().ordered_modules() for ct in spec.content_types}

    def document(self, type_id: str, object_id: int) -> SearchDocument | None:
        """The current document of one object, or None when it must not be findable."""
        if type_id in (SPACE_TYPE, PERSON_TYPE):
            return core_document(type_id, object_id)
        content_type = current_platform().content_type(type_id)
        if content_type is None or content_type.search_document is None:
            return None
        raw = content_type.search_document(object_id)
        if raw is None:
            return None
        if isinstance(raw, dict) and raw.get("space_id") is None:
            # Older modules leave the space out of a single document: ask the object.
            obj = content_type.resolve(object_id, SYSTEM_READER)
            raw = {**raw, "space_id": getattr(obj, "space_id", None)}
        return normalise(raw, self.modules_by_type())

    def space_documents(self, space: Space) -> Iterator[SearchDocument]:
        """The space itself and every module document of it (enabled modules or not).

        Content of a switched-off module is indexed too and hidden at query time, so
        switching it back on makes it findable at once.
        """
        yield space_document(space)
        types = self.modules_by_type()
        for answer in current_platform().hook.parvis_search_documents(space=space):
            for raw in answer or ():
                doc = normalise(raw, types, space_id=space.id)
                if doc is not None:
                    yield doc

    def all_documents(self) -> Iterator[SearchDocument]:
        """People, then every space and its content."""
        # The caller's objects (a signed-in user, the demo's spaces) stay attached.
        keep = set(db.session.identity_map.keys())
        yield from people_documents()
        ids = list(db.session.scalars(db.select(Space.id).order_by(Space.id)))
        for space_id in ids:
            space = db.session.get(Space, space_id)
            if space is not None:
                yield from self.space_documents(space)
            # Keep memory flat over thousands of spaces: let go of what this space loaded.
            for key, obj in list(db.session.identity_map.items()):
                if key not in keep:
                    db.session.expunge(obj)

    # -- writing ------------------------------------------------------------------

    def process(self, jobs: list[Job]) -> None:
        """Apply queued jobs: the last job about an object wins."""
        latest: dict[tuple[Any, ...], Job] = {}
        spaces: list[Job] = []
        if any(job[0] == "rebuild-all" for job in jobs):
            # Everything from the database first; the other jobs then change nothing
            # but are cheap and keep the order of events.
            count = self.backend.rebuild(self.all_documents())
            log.warning("search: index rebuilt (%d documents)", count)
            jobs = [job for job in jobs if job[0] != "rebuild-all"]
        for job in jobs:
            if job[0] in ("drop-space", "rebuild-space"):
                spaces.append(job)
            else:
                latest.pop((job[1], job[2]), None)
                latest[(job[1], job[2])] = job
        upserts: list[SearchDocument] = []
        deletes: list[tuple[str, int]] = []
        for (type_id, object_id), job in latest.items():
            try:
                doc = self.document(type_id, object_id) if job[0] == "index" else None
            except Exception:  # noqa: BLE001  (one module's bug must not stop the others)
                log.exception("search: no document for %s %s; kept as it was", type_id, object_id)
                continue
            if doc is None:
                deletes.append((type_id, object_id))
            else:
                upserts.append(doc)
        self.backend.delete(deletes)
        self.backend.upsert(upserts)
        for op, space_id in spaces:
            if op == "drop-space":
                self.backend.delete_space(space_id)
            else:
                space = db.session.get(Space, space_id)
                if space is None:
                    self.backend.delete_space(space_id)
                else:
                    self.backend.rebuild(self.space_documents(space), space_id=space.id)

    def submit(self, jobs: Iterable[Job]) -> None:
        self.queue.submit(jobs)

    def flush(self, timeout: float = 30.0) -> bool:
        """Index everything queued so far (tests, CLI)."""
        return self.queue.flush(timeout)

    def reindex(self, space: Space | None = None) -> int:
        """Rebuild the whole index (or one space's part) from the database."""
        self.flush()
        if space is None:
            return self.backend.rebuild(self.all_documents())
        return self.backend.rebuild(self.space_documents(space), space_id=space.id)

    # -- reading ------------------------------------------------------------------

    def _rebuild_if_lost(self) -> None:
        """Queue a full reindex when the backend replaced an index of an old layout."""
        if self.backend.take_rebuild_request():
            log.warning("search: the index was replaced (new layout); rebuilding it from the database")
            self.submit([("rebuild-all",)])

    def search(self, user: Any, query: SearchQuery) -> tuple[SearchResults, Access]:
        """Run ``query`` for ``user``: only what they may open now."""
        self._rebuild_if_lost()
        if self.queue.mode == "manual":
            self.flush()
        access = access_for(user)
        query = replace(query, scopes=access.scopes)
        if not access.scopes:
            return SearchResults([], 0, query.page, query.per_page), access
        return self.backend.search(query), access

    def suggest(self, user: Any, text: str, limit: int = 8) -> list[Hit]:
        """Titles matching what is typed so far, among what ``user`` may open."""
        self._rebuild_if_lost()
        if self.queue.mode == "manual":
            self.flush()
        access = access_for(user)
        return self.backend.suggest(text, access.scopes, limit) if access.scopes else []

    def decorate(self, hits: list[Hit], access: Access) -> list[Result]:
        """Spaces, authors and labels of a page of hits (two queries).

        A space hit whose space turned secret since it was indexed is dropped here,
        from the space's current visibility.
        """
        space_ids = {h.space_id for h in hits if h.space_id}
        user_ids = {h.author_id for h in hits if h.author_id} | {
            h.object_id for h in hits if h.type == PERSON_TYPE
        }
        spaces = (
            {s.id: s for s in db.session.scalars(db.select(Space).filter(Space.id.in_(space_ids)))}
            if space_ids
            else {}
        )
        users = (
            {u.id: u for u in db.session.scalars(db.select(User).filter(User.id.in_(user_ids)))}
            if user_ids
            else {}
        )
        platform = current_platform()
        results = []
        for hit in hits:
            space = spaces.get(hit.space_id)
            if hit.type == SPACE_TYPE and (space is None or not access.may_see_space(space)):
                continue
            if hit.type not in (SPACE_TYPE, PERSON_TYPE) and space is None:
                continue
            results.append(
                Result(
                    hit=hit,
                    space=space if hit.type != PERSON_TYPE else None,
                    author=users.get(hit.author_id) if hit.author_id else None,
                    type_label=type_label(hit.type, platform),
                    module_label=module_label(hit.module, platform),
                )
            )
        return results


def type_label(type_id: str, platform: Any = None) -> str:
    """Human label of a content type (translated)."""
    from flask_babel import gettext

    if type_id == SPACE_TYPE:
        return gettext("Space")
    if type_id == PERSON_TYPE:
        return gettext("Person")
    platform = platform or current_platform()
    content_type = platform.content_type(type_id)
    return str(content_type.label) if content_type else type_id


def module_label(module_id: str, platform: Any = None) -> str:
    """Human name of a module (translated); the core's documents say "Platform"."""
    from flask_babel import gettext

    if module_id == "core":
        return gettext("Platform")
    platform = platform or current_platform()
    spec = platform.module(module_id)
    return str(spec.name) if spec else module_id


def current_service() -> SearchService | None:
    """The search service of the current app (None before ``init_app``)."""
    return current_app.extensions.get(EXTENSION_KEY)
