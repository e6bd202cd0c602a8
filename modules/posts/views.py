"""Web pages of the posts module, mounted at ``/s/<space_slug>/posts/``.

The core has already loaded ``g.space``, answered 404 when the module is off or the
space secret, and 403 when the user may not read it; each view checks the action.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from parvis.extensions import db
from parvis.input_guards import valid_id
from parvis.models import User
from parvis.services.markdown import plain_text

from . import content, service
from .forms import PostForm
from .models import Post
from .service import PostInput
from .tags import space_tags

bp = Blueprint("posts", __name__, template_folder=str(Path(__file__).parent / "templates"))


def _post_or_404(post_id: int) -> Post:
    post = service.get_visible(g.space, post_id, current_user)
    if post is None:
        abort(404)
    return post


def _editable_or_404(post_id: int) -> Post:
    post = _post_or_404(post_id)
    if not service.may_edit(current_user, post):
        abort(403)
    return post


def _moderated_or_404(post_id: int) -> Post:
    post = _post_or_404(post_id)
    if not service.may_moderate(current_user, g.space):
        abort(403)
    return post


def _feed_batch(posts: list[Post]) -> dict[str, Any]:
    ids = [p.id for p in posts]
    return {
        "excerpts": {p.id: plain_text(p.body, 280) for p in posts},
        "comment_counts": content.comment_counts(ids),
        "reaction_summary": content.reaction_summaries(ids, current_user),
    }


@bp.get("/")
def index() -> str:
    """The feed: pinned posts first, then the newest; filter by tag and author."""
    space = g.space
    service.release_due(space)
    opts = service.settings(space)
    tag = (request.args.get("tag") or "").strip()[:64] or None
    author_id = valid_id(request.args.get("author")) if request.args.get("author") else None
    page_number = request.args.get("page", 1, type=int) or 1
    moderator = service.may_moderate(current_user, space)
    stmt = service.feed_query(space, tag=tag, author_id=author_id, include_hidden=moderator)
    page = service.paginate(stmt, page_number, opts["posts_per_page"])
    author = db.session.get(User, author_id) if author_id else None
    return render_template(
        "posts/feed.html",
        space=space,
        page=page,
        tags=space_tags(space.id),
        tag=tag,
        author=author,
        author_id=author_id,
        may_create=service.may_create(current_user, space),
        may_moderate=moderator,
        pending=service.pending_count(space) if moderator else 0,
        allow_comments=opts["allow_comments"],
        **_feed_batch(page.items),
    )


@bp.get("/mine")
def mine() -> str:
    """The current user's drafts, pending, scheduled and hidden posts."""
    posts = service.own_unpublished(g.space, current_user)
    return render_template("posts/mine.html", space=g.space, posts=posts)


@bp.get("/queue")
def queue() -> str:
    """Posts waiting for approval (moderators)."""
    if not service.may_moderate(current_user, g.space):
        abort(403)
    page = service.paginate(
        service.pending_query(g.space), request.args.get("page", 1, type=int) or 1, 20
    )
    return render_template("posts/queue.html", space=g.space, page=page)


def _input_from(form: PostForm, *, publish: bool | None) -> PostInput:
    return PostInput(
        title=form.title.data,
        body=form.body.data,
        tags=form.tag_names(),
        publish=publish,
        publish_at=form.publish_at_utc(),
        clear_publish_at=form.publish_at.data is None,
        pinned=form.pinned.data,
        announcement=form.announcement.data,
    )


def _uploads(form: PostForm) -> list[FileStorage]:
    return [f for f in (form.attachments.data or []) if isinstance(f, FileStorage) and f.filename]


def _store_files(form: PostForm, post: Post) -> bool:
    """Save the cover and attachments; on a refused file add a form error and return False.

    Files already stored when one is refused are deleted again (the caller rolls back).
    """
    saved: list[Any] = []
    try:
        cover = form.cover.data
        if isinstance(cover, FileStorage) and cover.filename:
            attachment = content.save_upload(cover, space=g.space, uploader=current_user, post_id=post.id)
            saved.append(attachment)
            if not attachment.is_image:
                form.cover.errors.append(gettext("Choose a PNG, JPEG, GIF or WebP image."))
                raise _Refused
            post.cover_id = attachment.id
        elif form.remove_cover.data:
            post.cover_id = None
        for upload in _uploads(form):
            saved.append(
                content.save_upload(upload, space=g.space, uploader=current_user, post_id=post.id)
            )
    except _Refused:
        pass
    except ValueError as exc:  # ContentError: too large, empty, ...
        form.attachments.errors.append(getattr(exc, "message", str(exc)))
    else:
        return True
    post.cover_id = None
    content.discard(saved, current_user)
    return False


class _Refused(Exception):
    """A file was refused; its error is already on the form."""


def _render_form(form: PostForm, post: Post | None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "posts/form.html",
        space=g.space,
        form=form,
        post=post,
        may_pin=service.permissions.can(current_user, "posts.pin", g.space),
        may_announce=service.permissions.can(current_user, "posts.announce", g.space),
        require_approval=service.settings(g.space)["require_approval"]
        and not service.may_moderate(current_user, g.space),
    ), status


def _flash_state(post: Post) -> None:
    messages = {
        "draft": gettext("Draft saved."),
        "pending": gettext("Your post awaits a moderator's approval."),
        "scheduled": gettext("Post scheduled."),
        "published": gettext("Post published."),
    }
    flash(messages[post.state], "success")


@bp.route("/new", methods=["GET", "POST"])
def create() -> Response | tuple[str, int]:
    """Write a new post."""
    if not service.may_create(current_user, g.space):
        abort(403)
    form = PostForm()
    if request.method == "POST":
        if form.validate_on_submit():
            post = service.create_post(
                g.space, current_user, _input_from(form, publish=not form.save_draft.data)
            )
            if _store_files(form, post):
                db.session.commit()
                _flash_state(post)
                return redirect(url_for("posts.show", post_id=post.id))
            db.session.rollback()
        return _render_form(form, None, 422)
    return _render_form(form, None)


@bp.get("/<int:post_id>")
def show(post_id: int) -> str:
    """One post with its attachments, reactions and comments."""
    post = _post_or_404(post_id)
    if post.is_live and post.released_at is None:
        service.release(post)
        db.session.commit()
    attachments = [a for a in content.attachments_of([post.id]).get(post.id, []) if a.id != post.cover_id]
    opts = service.settings(g.space)
    return render_template(
        "posts/show.html",
        space=g.space,
        post=post,
        attachments=attachments,
        allow_comments=opts["allow_comments"] and post.is_live,
        may_edit=service.may_edit(current_user, post),
        may_moderate=service.may_moderate(current_user, g.space),
        may_pin=service.permissions.can(current_user, "posts.pin", g.space),
    )


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
def edit(post_id: int) -> Response | tuple[str, int]:
    """Edit a post (its author, or a moderator)."""
    post = _editable_or_404(post_id)
    if request.method == "GET":
        form = PostForm(
            data={
                "title": post.title,
                "body": post.body,
                "tags": ", ".join(t.name for t in post.tags),
                "pinned": post.pinned,
                "announcement": post.announcement,
            }
        )
        form.set_publish_at(post.published_at if post.state != "published" else None)
    else:
        form = PostForm()
    if request.method == "POST":
        if form.validate_on_submit():
            publish = not form.save_draft.data
            service.update_post(post, current_user, _input_from(form, publish=publish))
            if _store_files(form, post):
                db.session.commit()
                _flash_state(post)
                return redirect(url_for("posts.show", post_id=post.id))
            db.session.rollback()
        return _render_form(form, post, 422)
    return _render_form(form, post)


@bp.route("/<int:post_id>/delete", methods=["GET", "POST"])
def delete(post_id: int) -> Response | str:
    """Confirm, then delete a post."""
    post = _editable_or_404(post_id)
    if request.method == "POST":
        service.delete_post(post, current_user)
        db.session.commit()
        flash(gettext("Post deleted."), "success")
        return redirect(url_for("posts.index"))
    return render_template("posts/delete.html", space=g.space, post=post)


@bp.post("/<int:post_id>/pin")
def pin(post_id: int) -> Response:
    """Pin or unpin a post (``pinned=1`` or ``0``)."""
    post = _post_or_404(post_id)
    if not service.permissions.can(current_user, "posts.pin", g.space):
        abort(403)
    pinned = request.form.get("pinned") == "1"
    service.set_pinned(post, pinned, current_user)
    db.session.commit()
    flash(gettext("Post pinned.") if pinned else gettext("Post unpinned."), "success")
    return redirect(url_for("posts.show", post_id=post.id))


@bp.post("/<int:post_id>/hide")
def hide(post_id: int) -> Response:
    """Hide a post from readers, or show it again (``hidden=1`` or ``0``)."""
    post = _moderated_or_404(post_id)
    hidden = request.form.get("hidden") == "1"
    service.set_hidden(post, hidden, current_user)
    db.session.commit()
    flash(gettext("Post hidden.") if hidden else gettext("Post visible again."), "success")
    return redirect(url_for("posts.show", post_id=post.id))


@bp.post("/<int:post_id>/approve")
def approve(post_id: int) -> Response:
    """Publish a pending post."""
    post = _moderated_or_404(post_id)
    if post.status != "pending":
        abort(409)
    service.approve(post, current_user)
    db.session.commit()
    flash(gettext("Post approved."), "success")
    return redirect(url_for("posts.queue"))


@bp.post("/<int:post_id>/reject")
def reject(post_id: int) -> Response:
    """Send a pending post back to its author as a draft."""
    post = _moderated_or_404(post_id)
    if post.status != "pending":
        abort(409)
    service.reject(post, current_user)
    db.session.commit()
    flash(gettext("Post sent back to its author."), "success")
    return redirect(url_for("posts.queue"))
