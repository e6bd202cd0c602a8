"""Generic routes for comments, reactions and attachments on any module object.

Mounted at ``/s/<space_slug>/content/`` so :mod:`parvis.space_context` finds the
space and refuses readers who may not see it. Each route resolves its target through
the module's :class:`~parvis.plugins.spec.ContentType` (not visible: 404), checks the
object lies in ``g.space`` (else 404), then checks the action's permission (403).
Forms post back and redirect to a safe local ``next``; clients asking for JSON get
JSON answers (errors in the API's ``{"error": {...}}`` shape).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..errors import MESSAGES, api_error
from ..extensions import db, login_manager
from ..models import Attachment, Comment
from ..services import attachments as attachment_service
from ..services import comments as comment_service
from ..services import reactions as reaction_service
from ..services.content_errors import ContentError
from ..services.content_targets import Target, resolve_target, valid_id
from ..services.permissions import can, can_edit_own
from ..services.safe_redirect import safe_next
from ..storage import StorageError, get_storage

bp = Blueprint("content", __name__, url_prefix="/s/<space_slug>/content")

#: Headers of every download: never sniffed, never scripted, never framed.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


# -- helpers -----------------------------------------------------------------------


def wants_json() -> bool:
    """Did the client explicitly ask for JSON (``Accept: application/json``)?"""
    accept = request.accept_mimetypes
    explicit = any(mimetype == "application/json" for mimetype, _q in accept)
    return explicit and accept.quality("application/json") >= accept.quality("text/html")


def _user() -> Any:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _target_or_404(type_id: Any, object_id: Any) -> Target:
    target = resolve_target(type_id, object_id, _user(), g.space)
    if target is None:
        abort(404)
    return target


def _back(target: Target | None = None, anchor: str | None = None) -> str:
    """The safe ``next`` of the form, else the target's page, else the space home."""
    try:
        url = safe_next(request.form.get("next") or request.args.get("next"))
    except RequestEntityTooLarge:
        url = None
    if url is None and target is not None:
        url = safe_next(target.url)
    if url is None:
        url = url_for("spaces.home", space_slug=g.space.slug)
    if anchor:
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(fragment=anchor))
    return url


def _fail(error: ContentError | str, target: Target | None = None, code: int = 400) -> Any:
    """Bad input: a 400 JSON error, or a flashed message and a redirect back."""
    db.session.rollback()
    message = error.message if isinstance(error, ContentError) else error
    if wants_json():
        fields = {error.field: message} if isinstance(error, ContentError) and error.field else None
        return api_error(code, message, fields)
    flash(message, "error")
    return redirect(_back(target))


def _comment_or_404(comment_id: int) -> tuple[Comment, Target]:
    comment = db.session.get(Comment, comment_id) if valid_id(comment_id) else None
    if comment is None or comment.space_id != g.space.id:
        abort(404)
    target = resolve_target(comment.target_type, comment.target_id, _user(), g.space)
    if target is None:
        abort(404)
    return comment, target


def _attachment_or_404(attachment_id: int) -> Attachment:
    """The attachment if the current user may see it: its target is visible to them,
    or (not yet attached) they uploaded it or moderate the space."""
    att = db.session.get(Attachment, attachment_id) if valid_id(attachment_id) else None
    if att is None or att.space_id != g.space.id:
        abort(404)
    if att.target_type:
        if resolve_target(att.target_type, att.target_id, _user(), g.space) is None:
            abort(404)
    elif att.uploader_id != current_user.id and not can(current_user, "space.moderate", g.space):
        abort(404)
    return att


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):  # noqa: ANN202
    """JSON clients (uploads from scripts) get JSON errors; browsers the usual page."""
    code = exc.code or 500
    if wants_json():
        return api_error(code)
    if code == 401:
        return login_manager.unauthorized()
    message = gettext(MESSAGES.get(code, exc.name))
    return render_template("errors/error.html", code=code, message=message), code


# -- comments ----------------------------------------------------------------------


def _takes_comments(target: Any) -> bool:
    """Does the module let ``target`` take comments and reactions now?"""
    may_comment = target.content_type.can_comment
    return may_comment is None or bool(may_comment(target.obj, _user()))


@bp.post("/comments")
def comment_create():  # noqa: ANN201
    target = _target_or_404(request.form.get("target_type"), request.form.get("target_id"))
    if not can(current_user, "space.comment", g.space) or not _takes_comments(target):
        abort(403)
    try:
        comment = comment_service.add_comment(
            space=g.space,
            target_type=target.content_type.id,
            target_id=int(request.form["target_id"]),
            author=_user(),
            body=request.form.get("body", ""),
            parent_id=request.form.get("parent_id") or None,
            target=target,
        )
    except ContentError as exc:
        return _fail(exc, target)
    db.session.commit()
    if wants_json():
        return jsonify({"id": comment.id, "url": comment_service.comment_url(target, comment)}), 201
    flash(gettext("Your comment is published."), "success")
    return redirect(_back(target, f"comment-{comment.id}"))


@bp.post("/comments/<int:comment_id>/edit")
def comment_edit(comment_id: int):  # noqa: ANN201
    comment, target = _comment_or_404(comment_id)
    if not can_edit_own(current_user, comment, "space.moderate"):
        abort(403)
    try:
        comment_service.edit_comment(comment, request.form.get("body", ""), _user())
    except ContentError as exc:
        return _fail(exc, target)
    db.session.commit()
    if wants_json():
        return jsonify({"id": comment.id})
    flash(gettext("Your changes are saved."), "success")
    return redirect(_back(target, f"comment-{comment.id}"))


@bp.post("/comments/<int:comment_id>/delete")
def comment_delete(comment_id: int):  # noqa: ANN201
    comment, target = _comment_or_404(comment_id)
    if not can_edit_own(current_user, comment, "space.moderate"):
        abort(403)
    comment_service.delete_comment(comment, _user())
    db.session.commit()
    if wants_json():
        return jsonify({"deleted": True})
    flash(gettext("The comment is deleted."), "success")
    return redirect(_back(target))


@bp.post("/comments/<int:comment_id>/hide")
def comment_hide(comment_id: int):  # noqa: ANN201
    comment, target = _comment_or_404(comment_id)
    if not can(current_user, "space.moderate", g.space):
        abort(403)
    hidden = request.form.get("hidden", "1").lower() in {"1", "true", "on", "yes"}
    comment_service.set_hidden(comment, hidden, _user())
    db.session.commit()
    if wants_json():
        return jsonify({"id": comment.id, "hidden": comment.hidden})
    flash(
        gettext("The comment is hidden.") if hidden else gettext("The comment is visible again."),
        "success",
    )
    return redirect(_back(target, f"comment-{comment.id}"))


# -- reactions ---------------------------------------------------------------------


@bp.post("/reactions")
def reaction_toggle():  # noqa: ANN201
    target = _target_or_404(request.form.get("target_type"), request.form.get("target_id"))
    if not can(current_user, "space.react", g.space) or not _takes_comments(target):
        abort(403)
    target_id = int(request.form["target_id"])
    try:
        added = reaction_service.toggle_reaction(
            user=_user(),
            target_type=target.content_type.id,
            target_id=target_id,
            emoji=request.form.get("emoji", ""),
        )
    except ContentError as exc:
        return _fail(exc, target)
    db.session.commit()
    if wants_json():
        summary = reaction_service.reaction_summary(target.content_type.id, [target_id], _user())
        return jsonify(
            {
                "added": added,
                "reactions": [
                    {"emoji": emoji, "count": count, "mine": mine}
                    for emoji, count, mine in summary[target_id]
                ],
            }
        )
    return redirect(_back(target))


# -- attachments -------------------------------------------------------------------


def _attachment_json(att: Attachment) -> dict[str, Any]:
    return {
        "id": att.id,
        "url": url_for("content.attachment", space_slug=g.space.slug, attachment_id=att.id),
        "filename": att.label,
        "size": att.size,
        "content_type": att.content_type,
    }


@bp.post("/attachments")
def attachment_upload():  # noqa: ANN201
    if not can(current_user, "space.upload", g.space):
        abort(403)
    try:
        files = [f for f in request.files.getlist("file") + request.files.getlist("files") if f.filename]
    except RequestEntityTooLarge:
        message = gettext(
            "This file is too large: the limit is %(limit)s.",
            limit=attachment_service.format_size(attachment_service.max_bytes()),
        )
        return _fail(ContentError(message, "file"), code=413)
    target = None
    type_id = request.form.get("target_type") or None
    object_id = request.form.get("target_id") or None
    if type_id or object_id:
        target = _target_or_404(type_id, object_id)
        may_attach = target.content_type.can_attach
        if may_attach is not None and not may_attach(target.obj, _user()):
            abort(403)
    if not files:
        return _fail(ContentError(gettext("Choose a file to upload."), "file"), target)
    saved: list[Attachment] = []
    try:
        for upload in files:
            saved.append(
                attachment_service.save_upload(
                    upload,
                    space=g.space,
                    uploader=_user(),
                    target_type=target.content_type.id if target else None,
                    target_id=int(object_id) if target else None,
                )
            )
    except ContentError as exc:
        keys = [att.storage_key for att in saved]
        response = _fail(exc, target)
        for key in keys:
            get_storage().delete(key)
        return response
    db.session.commit()
    if wants_json():
        payload = _attachment_json(saved[0])
        payload["attachments"] = [_attachment_json(att) for att in saved]
        return jsonify(payload), 201
    flash(
        gettext("%(n)s file(s) uploaded.", n=len(saved)),
        "success",
    )
    return redirect(_back(target))


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):  # noqa: ANN201
    att = _attachment_or_404(attachment_id)
    try:
        stream = attachment_service.open_attachment(att)
    except StorageError:
        abort(404)
    inline = att.content_type in attachment_service.INLINE_IMAGE_TYPES and not request.args.get(
        "download"
    )
    response: Response = send_file(
        stream,
        mimetype=att.content_type if inline else (att.content_type or attachment_service.OCTET_STREAM),
        as_attachment=not inline,
        download_name=att.label,
        etag=att.storage_key.replace("/", "-"),
        last_modified=att.created_at,
        max_age=0,
    )
    if response.content_length is None:
        response.content_length = att.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.cache_control.private = True
    response.cache_control.public = False
    return response


@bp.post("/attachments/<int:attachment_id>/delete")
def attachment_delete(attachment_id: int):  # noqa: ANN201
    att = _attachment_or_404(attachment_id)
    if not attachment_service.can_delete(current_user, att):
        abort(403)
    attachment_service.delete_attachment(att, _user())
    db.session.commit()
    if wants_json():
        return jsonify({"deleted": True})
    flash(gettext("The file is deleted."), "success")
    return redirect(_back())


# -- template helpers --------------------------------------------------------------


#: Most recent top-level comments shown under an object (all with ``?comments=all``).
COMMENTS_SHOWN = 50


@dataclass
class CommentsView:
    """What the ``comments`` macro needs about one target's comments."""

    comments: list[Comment] = field(default_factory=list)
    can_comment: bool = False
    can_moderate: bool = False
    user: Any = None
    #: Older top-level comments not shown (see ``?comments=all``).
    earlier: int = 0
    #: Every comment of the target, replies included (shown or not).
    total: int = 0

    @property
    def count(self) -> int:
        return self.total

    def can_edit(self, comment: Comment) -> bool:
        return self.user is not None and can_edit_own(self.user, comment, "space.moderate")

    def shows_body(self, comment: Comment) -> bool:
        """Hidden comments show their text to moderators and to their author only."""
        if not comment.hidden or self.can_moderate:
            return True
        return self.user is not None and comment.author_id == self.user.id


@dataclass
class ReactionItem:
    key: str
    char: str
    label: str
    count: int
    mine: bool


@dataclass
class ReactionsView:
    items: list[ReactionItem]
    can_react: bool


def _space() -> Any:
    return g.get("space")


def content_comments(target_type: str, target_id: int, closed: bool = False) -> CommentsView:
    """Data of the ``comments`` macro (comments with replies and what the user may do).

    :param closed: no new comments or replies (the module turned comments off).
    """
    space = _space()
    user = _user() if current_user.is_authenticated else None
    latest = None if request.args.get("comments") == "all" else COMMENTS_SHOWN
    shown, top_total, total = comment_service.comments_for(target_type, target_id, latest=latest)
    return CommentsView(
        comments=shown,
        earlier=top_total - len(shown),
        total=total,
        can_comment=not closed and space is not None and can(user, "space.comment", space),
        can_moderate=space is not None and can(user, "space.moderate", space),
        user=user,
    )


def content_reactions(
    target_type: str, target_id: int, summary: dict[int, list[tuple[str, int, bool]]] | None = None
) -> ReactionsView:
    """Data of the ``reactions`` macro; pass ``summary`` from one batched
    :func:`~parvis.services.reactions.reaction_summary` call on list pages."""
    user = _user() if current_user.is_authenticated else None
    target_id = int(target_id)
    if summary is None or target_id not in summary:
        summary = reaction_service.reaction_summary(target_type, [target_id], user)
    counts = {emoji: (count, mine) for emoji, count, mine in summary.get(target_id, [])}
    items = [
        ReactionItem(key, kind.char, str(kind.label), *counts.get(key, (0, False)))
        for key, kind in reaction_service.ALLOWED_REACTIONS.items()
    ]
    space = _space()
    return ReactionsView(items=items, can_react=space is not None and can(user, "space.react", space))


def attachment_url(att: Attachment, download: bool = False) -> str:
    """Link to download (or, for raster images, show) an attachment."""
    from ..models import Space

    space = _space()
    if space is None or space.id != att.space_id:
        space = db.session.get(Space, att.space_id)
    params = {"download": 1} if download else {}
    return url_for("content.attachment", space_slug=space.slug, attachment_id=att.id, **params)


def can_delete_attachment(att: Attachment) -> bool:
    return current_user.is_authenticated and attachment_service.can_delete(_user(), att)


def init_app(app: Flask) -> None:
    """Expose the helpers the ``content/macros.html`` macros use as Jinja globals."""
    app.jinja_env.globals.update(
        content_comments=content_comments,
        content_reactions=content_reactions,
        content_attachment_url=attachment_url,
        content_can_delete_attachment=can_delete_attachment,
        content_can_upload=lambda: bool(_space() is not None and can(current_user, "space.upload", _space())),
        format_file_size=attachment_service.format_size,
    )
