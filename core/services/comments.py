"""Comments on any module object, with one level of replies.

Modules call these instead of writing their own comment tables; the routes of the
``content`` blueprint and the ``comments`` template macro use them too. Functions
raise :class:`~parvis.services.content_errors.ContentError` for bad input and leave
the commit to the caller. Permission checks belong to the caller (see
:mod:`parvis.views.content`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext

from ..extensions import db
from ..models import Comment, Space, User, utcnow
from . import activity, audit, mentions, notifications
from .content_errors import ContentError
from .content_targets import Target, resolve_target, valid_id
from .markdown import mentioned_usernames
from .permissions import can

MAX_BODY = 10_000


def clean_body(body: str | None) -> str:
    """The stripped body, or :class:`ContentError` when empty or too long."""
    body = (body or "").strip()
    if not body:
        raise ContentError(gettext("Write a comment first."), "body")
    if len(body) > MAX_BODY:
        raise ContentError(
            gettext("A comment may have at most %(n)s characters.", n=MAX_BODY), "body"
        )
    return body


def _target(target_type: str, target_id: int, user: Any, space: Space) -> Target:
    target = resolve_target(target_type, target_id, user, space)
    if target is None:
        raise ContentError(gettext("This content does not exist or is not visible."), "target_id")
    return target


def comment_url(target: Target, comment: Comment) -> str:
    """Link to ``comment`` on its target's page."""
    return f"{target.url}#comment-{comment.id}"


def add_comment(
    *,
    space: Space,
    target_type: str,
    target_id: int,
    author: User,
    body: str,
    parent_id: int | None = None,
    target: Target | None = None,
) -> Comment:
    """Add a comment (or a reply to a top-level comment) on a visible target.

    Records the ``comment.created`` activity, notifies the users mentioned and the
    target's author (and, for a reply, the parent comment's author).

    :param target: the already resolved target (skips resolving it again).
    """
    body = clean_body(body)
    if target is None:
        target = _target(target_type, target_id, author, space)
    target_id = int(target_id)
    parent = None
    if parent_id not in (None, ""):
        parent_key = valid_id(parent_id)
        parent = db.session.get(Comment, parent_key) if parent_key else None
        if (
            parent is None
            or parent.target_type != target_type
            or parent.target_id != target_id
            or parent.space_id != space.id
        ):
            raise ContentError(gettext("The comment you reply to does not exist."), "parent_id")
        if parent.parent_id is not None:
            raise ContentError(gettext("You can only reply to a top-level comment."), "parent_id")
    comment = Comment(
        space_id=space.id,
        target_type=target_type,
        target_id=target_id,
        parent_id=parent.id if parent else None,
        author_id=author.id,
        body=body,
    )
    db.session.add(comment)
    db.session.flush()
    title = target.title
    url = comment_url(target, comment)
    activity.record(
        "comment.created",
        actor=author,
        space=space,
        target_type=target_type,
        target_id=target_id,
        title=gettext("Comment on “%(title)s”", title=title),
        url=url,
    )
    mentioned = mentions.notify_mentions(
        text=body,
        space=space,
        actor=author,
        title=gettext("%(name)s mentioned you in a comment on “%(title)s”", name=author.name, title=title),
        url=url,
    )
    already = {u.id for u in mentioned} | {author.id}
    followers = []
    if parent is not None and parent.author_id:
        followers.append(parent.author_id)
    if target.author_id:
        followers.append(target.author_id)
    _notify_followers(
        [uid for uid in followers if uid not in already],
        space=space,
        actor=author,
        title=gettext("%(name)s commented on “%(title)s”", name=author.name, title=title),
        url=url,
    )
    return comment


def _notify_followers(user_ids: Iterable[int], *, space: Space, actor: User, title: str, url: str) -> None:
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return
    users = db.session.scalars(db.select(User).filter(User.id.in_(ids), User.active.is_(True)))
    readers = [u for u in users if can(u, "space.read", space)]
    notifications.notify(readers, kind="comment", title=title, url=url, actor=actor, space=space)


def edit_comment(comment: Comment, body: str, editor: User) -> Comment:
    """Replace the body, mark the comment edited and notify newly mentioned users."""
    body = clean_body(body)
    if body == comment.body:
        return comment
    before = mentioned_usernames(comment.body)
    comment.body = body
    comment.edited_at = utcnow()
    new_handles = mentioned_usernames(body) - before
    if new_handles:
        space = db.session.get(Space, comment.space_id)
        target = resolve_target(comment.target_type, comment.target_id, editor, space)
        if space is not None and target is not None:
            mentions.notify_mentions(
                text=" ".join(f"@{h}" for h in sorted(new_handles)),
                space=space,
                actor=editor,
                title=gettext(
                    "%(name)s mentioned you in a comment on “%(title)s”",
                    name=editor.name,
                    title=target.title,
                ),
                url=comment_url(target, comment),
            )
    if editor.id != comment.author_id:
        audit.record("comment.edited", actor=editor, space=_space_of(comment), target=comment)
    return comment


def _space_of(comment: Comment) -> Space | None:
    """The comment's space (usually already in the session: no query)."""
    return db.session.get(Space, comment.space_id)


def delete_comment(comment: Comment, actor: User) -> None:
    """Delete ``comment`` and its replies (audited when a moderator does it)."""
    if actor.id != comment.author_id:
        audit.record(
            "comment.deleted",
            actor=actor,
            space=_space_of(comment),
            target=comment,
            details={"author_id": comment.author_id, "target": f"{comment.target_type}:{comment.target_id}"},
        )
    db.session.execute(db.delete(Comment).where(Comment.parent_id == comment.id))
    db.session.delete(comment)
    db.session.flush()


def set_hidden(comment: Comment, hidden: bool, moderator: User) -> Comment:
    """Hide (or show again) a comment; hidden ones show a placeholder to non-moderators."""
    hidden = bool(hidden)
    if comment.hidden != hidden:
        comment.hidden = hidden
        audit.record(
            "comment.hidden" if hidden else "comment.shown",
            actor=moderator,
            space=_space_of(comment),
            target=comment,
        )
    return comment


def comments_for(
    target_type: str, target_id: int, latest: int | None = None
) -> tuple[list[Comment], int, int]:
    """Top-level comments of a target, oldest first, each with ``.replies``; then how
    many top-level comments and how many comments (replies included) there are in all.

    ``latest`` keeps only the most recent top-level comments (with all their replies):
    a target with thousands of comments renders a bounded page. Two queries (the
    comments with both counts, then their authors), whatever the number of comments.
    """
    on_target = (Comment.target_type == target_type, Comment.target_id == int(target_id))
    top_filter = Comment.parent_id.is_(None)
    top_total = db.select(db.func.count()).where(*on_target, top_filter).scalar_subquery()
    total = db.select(db.func.count()).where(*on_target).scalar_subquery()
    stmt = db.select(Comment, top_total, total).where(*on_target)
    if latest is not None:
        newest = (
            db.select(Comment.id).where(*on_target, top_filter)
            .order_by(Comment.created_at.desc(), Comment.id.desc()).limit(latest)
        )
        stmt = stmt.where(db.or_(Comment.id.in_(newest), Comment.parent_id.in_(newest)))
    result = db.session.execute(
        stmt.order_by(Comment.created_at, Comment.id).options(db.selectinload(Comment.author))
    ).all()
    rows = [row[0] for row in result]
    counts = (int(result[0][1]), int(result[0][2])) if result else (0, 0)
    shown: list[Comment] = []
    by_id: dict[int, Comment] = {}
    for comment in rows:
        comment.replies = []
        by_id[comment.id] = comment
    for comment in rows:
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent.replies.append(comment)
        elif comment.parent_id is None:
            shown.append(comment)
    return shown, counts[0], counts[1]


def comment_counts(target_type: str, ids: Iterable[int]) -> dict[int, int]:
    """Visible comments per target id (0 for targets without any), one query."""
    ids = [int(i) for i in ids]
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    rows = db.session.execute(
        db.select(Comment.target_id, db.func.count())
        .filter(
            Comment.target_type == target_type,
            Comment.target_id.in_(ids),
            Comment.hidden.is_(False),
        )
        .group_by(Comment.target_id)
    ).all()
    counts.update({target_id: count for target_id, count in rows})
    return counts


def delete_for(target_type: str, ids: Iterable[int]) -> int:
    """Delete every comment on these targets (a module deleting its objects calls it)."""
    ids = [int(i) for i in ids]
    if not ids:
        return 0
    where = (Comment.target_type == target_type, Comment.target_id.in_(ids))
    replies = db.session.execute(db.delete(Comment).where(*where, Comment.parent_id.is_not(None)))
    top = db.session.execute(db.delete(Comment).where(*where))
    return (replies.rowcount or 0) + (top.rowcount or 0)
