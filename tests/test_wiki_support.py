"""Helpers shared by the wiki tests (no tests here)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from conftest import add_member, login, logout, make_space, make_user

from parvis.extensions import db
from parvis_modules.wiki import services
from parvis_modules.wiki.models import WikiPage

ROLES = ("owner", "admin", "moderator", "member", "guest")


def people() -> SimpleNamespace:
    """One user per space role, plus an outsider."""
    users = {role: make_user(f"{role}@example.org", f"{role.title()} Person") for role in ROLES}
    users["outsider"] = make_user("outsider@example.org", "Outsider Person")
    return SimpleNamespace(**users)


def wiki_space(crew: SimpleNamespace, slug: str = "wiki-space", visibility: str = "public") -> Any:
    """A space where each of ``crew`` has the role of the same name."""
    space = make_space(crew.owner, slug, visibility)
    for role in ROLES[1:]:
        add_member(space, getattr(crew, role), role)
    return space


def page(space: Any, author: Any, title: str, body: str = "", **kwargs: Any) -> WikiPage:
    """Create a page directly through the service and commit."""
    created = services.create_page(space, author, title=title, body=body, **kwargs)
    db.session.commit()
    return created


def edit(space: Any, author: Any, wiki_page: WikiPage, body: str, **kwargs: Any) -> Any:
    """Save a new revision of ``wiki_page`` from its current revision and commit."""
    revision = services.save_page(
        wiki_page, space, author,
        title=kwargs.pop("title", wiki_page.title),
        body=body,
        summary=kwargs.pop("summary", ""),
        base_revision_id=wiki_page.current_revision_id,
    )
    db.session.commit()
    return revision


def as_user(client: Any, user: Any) -> Any:
    logout(client)
    if user is not None:
        login(client, user)
    return client


def url(space: Any, path: str = "") -> str:
    return f"/s/{space.slug}/wiki/{path}"
