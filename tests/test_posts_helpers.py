"""Shared helpers of the posts module's tests (tests/test_posts*.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conftest import add_member, login, logout, make_space, make_user

from parvis.extensions import db
from parvis.models import SpaceModule, utcnow
from parvis_modules.posts.models import Post
from parvis_modules.posts.tags import resolve_tags


def sign_in(client: Any, user: Any) -> None:
    """Sign ``user`` in, signing out whoever was signed in."""
    logout(client)
    assert login(client, user).status_code == 302


def team(owner: Any, member: Any, other: Any, slug: str = "club", visibility: str = "public"):  # noqa: ANN201
    """A space owned by ``owner`` with ``member`` and ``other`` as members, a moderator and a guest."""
    space = make_space(owner, slug, visibility=visibility)
    add_member(space, member)
    add_member(space, other)
    mod = make_user(f"mod-{slug}@example.org", "Mona Moderator")
    add_member(space, mod, "moderator")
    guest = make_user(f"guest-{slug}@example.org", "Gus Guest")
    add_member(space, guest, "guest")
    return space, mod, guest


def make_post(space: Any, author: Any, title: str = "Hello", **kw: Any) -> Post:
    """A post written straight into the database (published now unless told otherwise)."""
    tags = kw.pop("tags", [])
    published_at = kw.pop("published_at", utcnow() - timedelta(minutes=1))
    post = Post(
        space_id=space.id,
        author_id=author.id,
        title=title,
        body=kw.pop("body", f"Body of {title}"),
        status=kw.pop("status", "published"),
        published_at=published_at,
        released_at=published_at,
        **kw,
    )
    post.tags = resolve_tags(space.id, tags)
    db.session.add(post)
    db.session.commit()
    return post


def set_settings(space: Any, **values: Any) -> None:
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=space.id, module_id="posts"))
    row.settings = {**(row.settings or {}), **values}
    db.session.commit()


def posts_enabled(space: Any, enabled: bool) -> None:
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=space.id, module_id="posts"))
    row.enabled = enabled
    db.session.commit()
