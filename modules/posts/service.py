"""Posts business rules shared by the web views, the JSON API, widgets and hooks.

Who sees what: readers see live posts (published, not hidden, ``published_at`` past);
authors also see their own drafts, pending, scheduled and hidden posts; moderators
(``posts.moderate``) also see others' pending, scheduled and hidden posts, never their
drafts. Functions here add to the session; callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import gettext
from sqlalchemy import and_, or_
from sqlalchemy.sql import Select

from parvis.extensions import db
from parvis.models import SPACE_ROLES, Membership, Space, role_rank, utcnow
from parvis.services import activity, audit, notifications, permissions, spaces
from parvis.services.markdown import mentioned_usernames
from parvis.services.search import index_later, remove_later

from .models import Post, Tag
from .tags import resolve_tags

MODULE_ID = "posts"
CONTENT_TYPE = "posts.post"
SETTINGS_DEFAULTS: dict[str, Any] = {
    "require_approval": False,
    "allow_comments": True,
    "posts_per_page": 10,
}
MAX_PER_PAGE = 50


# -- settings and permissions --------------------------------------------------------


def settings(space: Space) -> dict[str, Any]:
    """The module's settings in ``space`` with safe types and bounds."""
    raw = spaces.module_settings(space, MODULE_ID)
    try:
        per_page = int(raw.get("posts_per_page") or SETTINGS_DEFAULTS["posts_per_page"])
    except (TypeError, ValueError):
        per_page = SETTINGS_DEFAULTS["posts_per_page"]
    return {
        "require_approval": bool(raw.get("require_approval", False)),
        "allow_comments": bool(raw.get("allow_comments", True)),
        "posts_per_page": max(1, min(per_page, MAX_PER_PAGE)),
    }


def may_moderate(user: Any, space: Space) -> bool:
    return permissions.can(user, "posts.moderate", space)


def may_create(user: Any, space: Space) -> bool:
    return permissions.can(user, "posts.create", space)


def may_edit(user: Any, post: Post) -> bool:
    """Authors edit their own posts; moderators edit everyone's."""
    return permissions.can_edit_own(user, post, "posts.moderate")


def _user_id(user: Any) -> int | None:
    return user.id if user is not None and getattr(user, "is_authenticated", False) else None


def can_view(post: Post, user: Any) -> bool:
    """May ``user`` (already allowed to read the space) see ``post``?"""
    if post.is_live:
        return True
    if post.author_id is not None and post.author_id == _user_id(user):
        return True
    if post.status == "draft":
        return False
    return may_moderate(user, post.space)


# -- queries --------------------------------------------------------------------------


def live_clause(now: datetime | None = None) -> Any:
    """SQL condition of posts every reader of the space may see."""
    return and_(
        Post.status == "published",
        Post.hidden.is_(False),
        Post.published_at <= (now or utcnow()),
    )


def _with_relations(stmt: Select) -> Select:
    return stmt.options(
        db.joinedload(Post.author),
        db.joinedload(Post.cover),
        db.selectinload(Post.tags),
    )


FEED_ORDER = (Post.pinned.desc(), Post.published_at.desc(), Post.id.desc())


def feed_query(
    space: Space,
    *,
    tag: str | None = None,
    author_id: int | None = None,
    include_hidden: bool = False,
) -> Select:
    """Live posts of ``space`` (and hidden ones for moderators), pinned first."""
    now = utcnow()
    if include_hidden:
        visible = and_(Post.status == "published", Post.published_at <= now)
    else:
        visible = live_clause(now)
    stmt = db.select(Post).filter(Post.space_id == space.id, visible)
    if tag:
        stmt = stmt.filter(Post.tags.any(Tag.slug == tag))
    if author_id:
        stmt = stmt.filter(Post.author_id == author_id)
    return _with_relations(stmt).order_by(*FEED_ORDER)


@dataclass
class Page:
    """One page of posts; ``has_next`` is known by fetching one extra row."""

    items: list[Post]
    number: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.number > 1


#: Highest page number served (keeps OFFSET within any database's integer range).
MAX_PAGE = 100_000


def paginate(stmt: Select, number: int, per_page: int) -> Page:
    """Offset pagination with one query (no COUNT)."""
    number = max(1, min(number, MAX_PAGE))
    rows = list(
        db.session.scalars(stmt.limit(per_page + 1).offset((number - 1) * per_page)).unique()
    )
    return Page(rows[:per_page], number, per_page, len(rows) > per_page)


def latest(space: Space, limit: int, tag: str | None = None) -> list[Post]:
    """The ``limit`` most recently published live posts (widgets)."""
    stmt = db.select(Post).filter(Post.space_id == space.id, live_clause())
    if tag:
        stmt = stmt.filter(Post.tags.any(Tag.slug == tag))
    stmt = _with_relations(stmt).order_by(Post.published_at.desc(), Post.id.desc()).limit(limit)
    return list(db.session.scalars(stmt).unique())


def pinned_announcement(space: Space) -> Post | None:
    """The newest pinned live post, announcements first."""
    stmt = (
        db.select(Post)
        .filter(Post.space_id == space.id, Post.pinned.is_(True), live_clause())
        .order_by(Post.announcement.desc(), Post.published_at.desc(), Post.id.desc())
        .limit(1)
    )
    return db.session.scalars(_with_relations(stmt)).unique().first()


def own_unpublished(space: Space, user: Any) -> list[Post]:
    """The user's drafts, pending, scheduled and hidden posts in ``space``."""
    now = utcnow()
    stmt = db.select(Post).filter(
        Post.space_id == space.id,
        Post.author_id == _user_id(user),
        or_(Post.status != "published", Post.published_at > now, Post.hidden.is_(True)),
    )
    stmt = _with_relations(stmt).order_by(Post.updated_at.desc(), Post.id.desc()).limit(200)
    return list(db.session.scalars(stmt).unique())


def pending_query(space: Space) -> Select:
    """Posts waiting for a moderator's approval, oldest first."""
    stmt = db.select(Post).filter(Post.space_id == space.id, Post.status == "pending")
    return _with_relations(stmt).order_by(Post.created_at, Post.id)


def pending_count(space: Space) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(Post).filter_by(space_id=space.id, status="pending")
    ) or 0


def get_post(space: Space, post_id: int) -> Post | None:
    """The post ``post_id`` of ``space`` with its relations, whoever may see it."""
    stmt = _with_relations(db.select(Post).filter(Post.id == post_id, Post.space_id == space.id))
    return db.session.scalars(stmt).unique().first()


def get_visible(space: Space, post_id: int, user: Any) -> Post | None:
    """The post if it exists in ``space`` and ``user`` may see it, else None."""
    post = get_post(space, post_id)
    return post if post is not None and can_view(post, user) else None


# -- URLs -----------------------------------------------------------------------------


def post_url(post: Post, space_slug: str | None = None) -> str:
    """Path of a post's page, inside or outside a request."""
    values = {"space_slug": space_slug or post.space.slug, "post_id": post.id}
    if has_request_context():
        return url_for("posts.show", **values)
    return current_app.url_map.bind("localhost").build("posts.show", values)


def cover_url(post: Post, space_slug: str) -> str | None:
    if post.cover_id is None:
        return None
    values = {"space_slug": space_slug, "attachment_id": post.cover_id}
    if has_request_context():
        return url_for("content.attachment", **values)
    return current_app.url_map.bind("localhost").build("content.attachment", values)


# -- writing ----------------------------------------------------------------------------


@dataclass
class PostInput:
    """Cleaned values from the web form or the API; None means "leave unchanged"."""

    title: str | None = None
    body: str | None = None
    tags: list[str] | None = None
    publish: bool | None = None
    publish_at: datetime | None = None
    clear_publish_at: bool = False
    pinned: bool | None = None
    announcement: bool | None = None


def _apply_fields(post: Post, data: PostInput, user: Any) -> None:
    space = post.space
    if data.title is not None:
        post.title = data.title.strip()
    if data.body is not None:
        post.body = data.body
    if data.tags is not None:
        post.tags = resolve_tags(space.id, data.tags)
    if data.pinned is not None and permissions.can(user, "posts.pin", space):
        post.pinned = data.pinned
    if data.announcement is not None and permissions.can(user, "posts.announce", space):
        post.announcement = data.announcement
    if data.publish_at is not None:
        post.published_at = data.publish_at
    elif data.clear_publish_at and post.state != "published":
        post.published_at = None


def _apply_status(post: Post, publish: bool | None, user: Any) -> None:
    """Move between draft, pending and published according to the author's request.

    Publishing without a date, or with a planned date already past, publishes now;
    members wait for approval when the space requires it.
    """
    if publish is False:
        post.status = "draft"
    elif publish and post.status != "published":
        space = post.space
        if settings(space)["require_approval"] and not may_moderate(user, space):
            post.status = "pending"
        else:
            post.status = "published"
            if post.published_at is not None and post.published_at < utcnow():
                post.published_at = None
    if post.status == "published" and post.published_at is None:
        post.published_at = utcnow()


def create_post(space: Space, author: Any, data: PostInput) -> Post:
    """Create a post (draft, pending or published) and run what publication triggers."""
    post = Post(space=space, space_id=space.id, author_id=author.id, title="", body="")
    post.author = author
    db.session.add(post)
    _apply_fields(post, data, author)
    _apply_status(post, data.publish if data.publish is not None else True, author)
    post.created_at = post.updated_at = utcnow()
    db.session.flush()
    after_change(post, author, previous_body=None, previous_status=None)
    return post


def update_post(post: Post, editor: Any, data: PostInput) -> Post:
    """Edit a post; a moderator's edit of someone else's post is audited.

    A moderator who saves a pending post publishes it: that counts as approving it.
    """
    previous_body, previous_title, previous_status = post.body, post.title, post.status
    _apply_fields(post, data, editor)
    _apply_status(post, data.publish, editor)
    post.updated_at = utcnow()
    post.edited_by_id = editor.id
    db.session.flush()
    if editor.id != post.author_id:
        audit.record(
            "posts.edited_by_moderator",
            actor=editor,
            space=post.space,
            target=post,
            details={"title": previous_title[:120]},
        )
        if previous_status == "pending" and post.status == "published":
            _tell_author(post, editor, "posts.approved")
    after_change(post, editor, previous_body=previous_body, previous_status=previous_status)
    return post


def after_change(
    post: Post, actor: Any, previous_body: str | None, previous_status: str | None
) -> None:
    """Release a post that just became live; otherwise notify new mentions or moderators."""
    index_later(CONTENT_TYPE, post.id)
    if post.status == "pending":
        if previous_status != "pending":
            _notify_moderators(post, actor)
        return
    if not post.is_live:
        return
    if post.released_at is None:
        release(post)
        return
    if previous_body is not None:
        new = mentioned_usernames(post.body) - mentioned_usernames(previous_body)
        if new:
            _notify_mentions(post, " ".join(f"@{name}" for name in sorted(new)), actor)
    if post.announcement and post.announced_at is None:
        announce(post, actor)


def release(post: Post) -> None:
    """First publication: activity, mentions and (for announcements) every member notified."""
    author = post.author
    post.released_at = utcnow()
    index_later(CONTENT_TYPE, post.id)
    url = post_url(post)
    activity.record(
        "posts.published",
        actor=author,
        space=post.space,
        target_type=CONTENT_TYPE,
        target_id=post.id,
        title=post.title,
        url=url,
    )
    _notify_mentions(post, post.body, author)
    if post.announcement and post.announced_at is None:
        announce(post, author)


def announce(post: Post, actor: Any) -> int:
    """Notify every member of the space but ``actor`` of an announcement."""
    post.announced_at = utcnow()
    member_ids = db.session.scalars(
        db.select(Membership.user_id).filter_by(space_id=post.space_id)
    ).all()
    return notifications.notify(
        member_ids,
        kind="posts.announcement",
        title=gettext("Announcement: %(title)s", title=post.title),
        url=post_url(post),
        actor=actor,
        space=post.space,
    )


def _notify_mentions(post: Post, text: str, actor: Any) -> None:
    if not mentioned_usernames(text):
        return
    from parvis.services import mentions

    mentions.notify_mentions(
        text=text,
        space=post.space,
        actor=actor,
        title=gettext("You were mentioned in %(title)s", title=post.title),
        url=post_url(post),
    )


def _moderator_ids(space: Space) -> list[int]:
    least = role_rank(permissions.min_role(space, "posts.moderate"))
    roles = [role for role in SPACE_ROLES if role_rank(role) >= least]
    return list(
        db.session.scalars(
            db.select(Membership.user_id).filter(
                Membership.space_id == space.id, Membership.role.in_(roles)
            )
        )
    )


def _notify_moderators(post: Post, actor: Any) -> None:
    from flask import url_for as _url_for

    url = _url_for("posts.queue", space_slug=post.space.slug) if has_request_context() else ""
    notifications.notify(
        _moderator_ids(post.space),
        kind="posts.pending",
        title=gettext("A post awaits approval: %(title)s", title=post.title),
        url=url,
        actor=actor,
        space=post.space,
    )


def release_due(space: Space) -> int:
    """Release scheduled posts whose time has come (one query when none is due)."""
    due = list(
        db.session.scalars(
            db.select(Post)
            .filter(Post.space_id == space.id, live_clause(), Post.released_at.is_(None))
            .options(db.joinedload(Post.author))
            .limit(50)
        ).unique()
    )
    for post in due:
        release(post)
    if due:
        db.session.commit()
    return len(due)


# -- moderation -------------------------------------------------------------------------


def _tell_author(post: Post, moderator: Any, kind: str) -> None:
    titles = {
        "posts.approved": gettext("Your post was approved: %(title)s", title=post.title),
        "posts.rejected": gettext("Your post was not approved: %(title)s", title=post.title),
    }
    notifications.notify(
        [post.author_id] if post.author_id else [],
        kind=kind,
        title=titles[kind],
        url=post_url(post),
        actor=moderator,
        space=post.space,
    )


def approve(post: Post, moderator: Any) -> None:
    """Publish a pending post (at its planned date when that is still ahead)."""
    post.status = "published"
    if post.published_at is None or post.published_at < utcnow():
        post.published_at = utcnow()
    audit.record("posts.approved", actor=moderator, space=post.space, target=post)
    index_later(CONTENT_TYPE, post.id)
    _tell_author(post, moderator, "posts.approved")
    db.session.flush()
    if post.is_live and post.released_at is None:
        release(post)


def reject(post: Post, moderator: Any) -> None:
    """Send a pending post back to its author as a draft."""
    post.status = "draft"
    index_later(CONTENT_TYPE, post.id)
    audit.record("posts.rejected", actor=moderator, space=post.space, target=post)
    _tell_author(post, moderator, "posts.rejected")


def set_hidden(post: Post, hidden: bool, moderator: Any) -> None:
    post.hidden = hidden
    index_later(CONTENT_TYPE, post.id)
    audit.record(
        "posts.hidden" if hidden else "posts.unhidden",
        actor=moderator,
        space=post.space,
        target=post,
    )
    if not hidden and post.is_live and post.released_at is None:
        release(post)


def set_pinned(post: Post, pinned: bool, actor: Any) -> None:
    post.pinned = pinned
    audit.record("posts.pinned" if pinned else "posts.unpinned", actor=actor, space=post.space, target=post)


def delete_post(post: Post, actor: Any) -> None:
    """Delete a post with its comments, reactions and attachments (files included)."""
    from parvis.services import attachments

    if actor.id != post.author_id:
        audit.record(
            "posts.deleted_by_moderator",
            actor=actor,
            space=post.space,
            target=post,
            details={"title": post.title[:120]},
        )
    post.cover_id = None
    db.session.flush()
    for attachment in attachments.attachments_for(CONTENT_TYPE, [post.id])[post.id]:
        attachments.delete_attachment(attachment, actor)
    purge_content([post.id])
    remove_later(CONTENT_TYPE, post.id)
    db.session.delete(post)


def purge_content(post_ids: list[int] | Select) -> None:
    """Delete the core content rows (comments, reactions, attachments) of these posts.

    ``post_ids`` is a list of ids or a ``SELECT Post.id ...`` statement.
    """
    if isinstance(post_ids, list) and not post_ids:
        return
    from parvis.models import Attachment, Comment, Reaction

    db.session.execute(db.update(Post).filter(Post.id.in_(post_ids)).values(cover_id=None))
    for model in (Reaction, Comment, Attachment):
        db.session.execute(
            db.delete(model).filter(model.target_type == CONTENT_TYPE, model.target_id.in_(post_ids))
        )
