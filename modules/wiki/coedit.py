"""Live co-editing of wiki pages: the ``wiki.page`` kind given to :mod:`parvis.coedit`.

The page's body (markdown) is the shared text; the title stays a plain form field. A
revision cut from the live text is an ordinary wiki revision (same service, links,
activity, mentions and search indexing); the core records its co-authors.
"""

from __future__ import annotations

from typing import Any

from parvis.coedit import CoeditKind, CoeditTarget, doc_key
from parvis.extensions import db
from parvis.services.permissions import can

from . import services
from .models import MAX_BODY, WikiPage

KIND = "wiki.page"


def live_key(page: WikiPage) -> str:
    """The live document's key for ``page`` (``wiki.page:12``)."""
    return doc_key(KIND, page.id)


def _load(object_id: int) -> CoeditTarget | None:
    page = db.session.get(WikiPage, object_id)
    if page is None or page.is_deleted:
        return None
    revision = page.current_revision
    return CoeditTarget(
        kind=KIND,
        object_id=page.id,
        space=page.space,
        text=revision.body if revision else "",
        revision_key=str(revision.id) if revision else None,
        obj=page,
    )


def _can_read(user: Any, target: CoeditTarget) -> bool:
    return can(user, "space.read", target.space)


def _can_edit(user: Any, target: CoeditTarget) -> bool:
    return can(user, "wiki.edit", target.space) and not target.obj.is_deleted


def _save_revision(target: CoeditTarget, text: str, actor: Any, summary: str) -> str | None:
    """A new revision of the page with ``text`` as body (title unchanged); not committed."""
    page: WikiPage = target.obj
    db.session.refresh(page)
    current = page.current_revision
    revision = services.save_page(
        page,
        page.space,
        actor,
        title=current.title if current else page.title,
        body=text,
        summary=summary,
        base_revision_id=page.current_revision_id,
    )
    return str(revision.id) if revision is not None else None


def _url(target: CoeditTarget) -> str:
    return services.page_url(target.obj, target.space)


WIKI_PAGE = CoeditKind(
    name=KIND,
    module_id="wiki",
    load=_load,
    can_read=_can_read,
    can_edit=_can_edit,
    save_revision=_save_revision,
    url=_url,
    max_chars=MAX_BODY,
)
