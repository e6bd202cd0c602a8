"""Jobs follow commits: session bookkeeping and the core's own model events."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, object_session

from ..models import Space, User
from .documents import PERSON_TYPE, SPACE_TYPE
from .queue import Job

PENDING_KEY = "parvis_search_jobs"
SERVICE_KEY = "parvis_search_service"
_PERSON_FIELDS = ("name", "job_title", "organisation", "bio", "expertise", "active")
_installed = False


def enqueue(job: Job, session: Session | None = None) -> None:
    """Remember ``job`` on the session; it is submitted when the session commits."""
    if not has_app_context():
        return
    service = current_app.extensions.get("parvis_search")
    if service is None:
        return
    if session is None:
        from ..extensions import db

        session = db.session()
    session.info.setdefault(PENDING_KEY, []).append(job)
    session.info[SERVICE_KEY] = service


def _after_commit(session: Session) -> None:
    jobs = session.info.pop(PENDING_KEY, None)
    service = session.info.pop(SERVICE_KEY, None)
    if jobs and service is not None:
        service.submit(jobs)


def _after_rollback(session: Session) -> None:
    """The transaction is undone: so are its jobs. A savepoint rolled back undoes its own
    rows only; the jobs of what the transaction wrote before it stay (a job for a row the
    savepoint undid is harmless: indexing reads the database)."""
    if session.in_nested_transaction():
        return
    session.info.pop(PENDING_KEY, None)
    session.info.pop(SERVICE_KEY, None)


def _changed(target: Any, names: tuple[str, ...]) -> bool:
    state = inspect(target)
    return any(state.attrs[name].history.has_changes() for name in names)


def _space_saved(mapper: Any, connection: Any, target: Space) -> None:
    session = object_session(target)
    if _changed(target, ("slug",)) and inspect(target).attrs.slug.history.deleted:
        enqueue(("rebuild-space", target.id), session)  # every URL of the space moved
    else:
        enqueue(("index", SPACE_TYPE, target.id), session)


def _space_deleted(mapper: Any, connection: Any, target: Space) -> None:
    enqueue(("drop-space", target.id), object_session(target))


def _user_inserted(mapper: Any, connection: Any, target: User) -> None:
    enqueue(("index", PERSON_TYPE, target.id), object_session(target))


def _user_updated(mapper: Any, connection: Any, target: User) -> None:
    if _changed(target, _PERSON_FIELDS):
        enqueue(("index", PERSON_TYPE, target.id), object_session(target))


def _user_deleted(mapper: Any, connection: Any, target: User) -> None:
    enqueue(("remove", PERSON_TYPE, target.id), object_session(target))


def install() -> None:
    """Register the listeners once per process (they serve every app)."""
    global _installed
    if _installed:
        return
    _installed = True
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)
    event.listen(Space, "after_insert", _space_saved)
    event.listen(Space, "after_update", _space_saved)
    event.listen(Space, "after_delete", _space_deleted)
    event.listen(User, "after_insert", _user_inserted)
    event.listen(User, "after_update", _user_updated)
    event.listen(User, "after_delete", _user_deleted)
