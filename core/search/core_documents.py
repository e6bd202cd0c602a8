"""The core's own search documents: spaces and people."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import current_app, has_request_context, url_for

from ..extensions import db
from ..models import Space, User
from .documents import (
    CORE_MODULE,
    MAX_BODY,
    MAX_TITLE,
    OPEN_SPACES_SCOPE,
    PEOPLE_SCOPE,
    PERSON_TYPE,
    SPACE_TYPE,
    SearchDocument,
    clean_text,
)


def _path(endpoint: str, **values: Any) -> str:
    """A URL path inside a request or not (the writer thread has no request)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def space_document(space: Space) -> SearchDocument:
    """The document of a space: name and description, findable by whoever may see it."""
    scope = OPEN_SPACES_SCOPE if space.visibility != "secret" else f"{space.id}:{CORE_MODULE}"
    return SearchDocument(
        type=SPACE_TYPE,
        object_id=space.id,
        space_id=space.id,
        module=CORE_MODULE,
        title=clean_text(space.name, MAX_TITLE),
        body=clean_text(space.description, MAX_BODY),
        url=_path("spaces.home", space_slug=space.slug),
        author_id=space.created_by_id,
        created_at=space.created_at,
        scope=scope,
    )


def person_document(user: User) -> SearchDocument | None:
    """The document of a person: name, job, organisation, bio; expertise as tags."""
    if not user.active:
        return None
    body = " ".join(p for p in (user.job_title, user.organisation, user.bio) if p)
    expertise = [str(t) for t in (user.expertise or []) if t]
    return SearchDocument(
        type=PERSON_TYPE,
        object_id=user.id,
        space_id=0,
        module=CORE_MODULE,
        title=clean_text(user.name, MAX_TITLE),
        body=clean_text(f"{body} {' '.join(expertise)}", MAX_BODY),
        url=_path("auth.profile", user_id=user.id),
        created_at=user.created_at,
        tags=[clean_text(t, 80) for t in expertise[:30]],
        scope=PEOPLE_SCOPE,
    )


def core_document(type_id: str, object_id: int) -> SearchDocument | None:
    """The current document of a core object, or None when it is gone."""
    if type_id == SPACE_TYPE:
        space = db.session.get(Space, object_id)
        return space_document(space) if space is not None else None
    if type_id == PERSON_TYPE:
        user = db.session.get(User, object_id)
        return person_document(user) if user is not None else None
    return None


def people_documents() -> Iterator[SearchDocument]:
    """Every active person."""
    ids = list(db.session.scalars(db.select(User.id).filter_by(active=True).order_by(User.id)))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for user in db.session.scalars(db.select(User).filter(User.id.in_(chunk)).order_by(User.id)):
            doc = person_document(user)
            if doc is not None:
                yield doc
