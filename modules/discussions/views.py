"""Pages of the discussions module, mounted at ``/s/<space_slug>/discussions/``.

Everything works without JavaScript: channel and thread pages with a post form (post,
then redirect), cursor links to older and newer messages, and small forms for edit,
delete, reactions, pin and lock. ``discussions.js`` enhances the same pages with
Socket.IO when it can connect.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from parvis.extensions import limiter
from parvis.input_guards import valid_id
from parvis.services import attachments as attachment_service
from parvis.services import reactions as reaction_service
from parvis.services.content_errors import ContentError
from parvis.services.markdown import mentioned_usernames
from parvis.services.permissions import can
from parvis.services.safe_redirect import safe_next
from parvis.templating import prime_mentions

from . import history, links, service
from .forms import ChannelForm, EditForm, MessageForm
from .models import Channel, Message

bp = Blueprint("discussions", __name__, template_folder="templates")

#: Static files at ``/m/discussions/static/`` (one URL for every space, cached once).
assets_bp = Blueprint(
    "discussions_assets", __name__, static_folder="static", static_url_path="/static"
)


def palette_json() -> str:
    """The reaction palette as JSON, for the live client (a Jinja global)."""
    import json

    return json.dumps(
        [
            {"key": key, "char": kind.char, "label": str(kind.label)}
            for key, kind in reaction_service.ALLOWED_REACTIONS.items()
        ]
    )


def _post_limit() -> str:
    return current_app.config.get("RATELIMIT_DISCUSSIONS_POST", "30 per minute")


def _user_key() -> str:
    return f"discussions:{getattr(current_user, 'id', None) or request.remote_addr}"


# -- helpers -----------------------------------------------------------------------


def _me() -> Any:
    return current_user._get_current_object()


def _channel_or_404(channel_id: int) -> Channel:
    channel = service.get_channel(g.space, channel_id)
    if channel is None:
        abort(404)
    return channel


def _message_or_404(message_id: int) -> Message:
    message = service.get_message(g.space, message_id)
    if message is None:
        abort(404)
    return message


def _cursor(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    value = valid_id(raw)
    if value is None:
        abort(400)
    return value


def _decorations(messages: list[Message]) -> dict[str, Any]:
    """Reactions and files of a page of messages (two queries) and primed mentions."""
    ids = [m.id for m in messages]
    handles: set[str] = set()
    for m in messages:
        if not m.is_deleted:
            handles |= mentioned_usernames(m.body)
    if handles:
        prime_mentions(handles)
    return {
        "reactions": reaction_service.reaction_summary(service.CONTENT_TYPE, ids, _me()),
        "files": attachment_service.attachments_for(service.CONTENT_TYPE, ids),
        "palette": reaction_service.ALLOWED_REACTIONS,
    }


def _rights() -> dict[str, Any]:
    space, me = g.space, _me()
    return {
        "may_post": service.may_post(me, space),
        "may_moderate": service.may_moderate(me, space),
        "may_manage": service.may_manage_channels(me, space),
        "may_react": can(me, "space.react", space),
        "may_upload": can(me, "space.upload", space),
        "may_edit": lambda m: service.may_edit(me, m),
    }


def _sidebar() -> dict[str, Any]:
    return {"channels": service.channels_of(g.space), "unread": service.unread_counts(g.space, _me())}


def _back(default: str) -> str:
    return safe_next(request.form.get("next")) or default


def _refused(exc: ContentError, default: str) -> Any:
    flash(exc.message, "error")
    return redirect(_back(default))


# -- channels ----------------------------------------------------------------------


@bp.get("/")
def index() -> Any:
    """The space's channels with their topics and unread counts."""
    channels = service.channels_of(g.space)
    if not channels and service.may_post(_me(), g.space):
        service.ensure_default_channel(g.space, _me())
        from parvis.extensions import db

        db.session.commit()
        channels = service.channels_of(g.space)
    return render_template(
        "discussions/index.html",
        space=g.space,
        channels=channels,
        unread=service.unread_counts(g.space, _me()),
        **_rights(),
    )


def _channel_page(channel: Channel, form: MessageForm | None = None, status: int = 200) -> Any:
    before, after = _cursor("before"), _cursor("after")
    window = history.stream(channel, before=before, after=after)
    me = _me()
    last = service.last_read(channel, me)
    first_unread = history.first_unread(channel, me, last)
    at_latest = not window.has_newer
    if at_latest and channel.last_seq > last:
        service.mark_read(channel, me)
    return (
        render_template(
            "discussions/channel.html",
            space=g.space,
            channel=channel,
            window=window,
            first_unread=first_unread,
            at_latest=at_latest,
            pinned=history.pinned(channel),
            form=form or MessageForm(),
            content_type=service.CONTENT_TYPE,
            **_decorations(window.messages),
            **_sidebar(),
            **_rights(),
        ),
        status,
    )


@bp.get("/c/<int:channel_id>")
def channel(channel_id: int) -> Any:
    """A channel: its latest messages (or a page before/after a message) and the form."""
    return _channel_page(_channel_or_404(channel_id))


@bp.post("/c/<int:channel_id>")
@limiter.limit(_post_limit, key_func=_user_key)
def post(channel_id: int) -> Any:
    """Post a message (with files) in a channel, then go back to the channel."""
    channel = _channel_or_404(channel_id)
    if not service.may_post(_me(), g.space):
        abort(403)
    form = MessageForm()
    if not form.validate_on_submit():
        return _channel_page(channel, form, 422)
    try:
        message = service.post_message(
            space=g.space, channel=channel, author=_me(), body=form.body.data,
            files=request.files.getlist("files"),
        )
    except PermissionError:
        abort(403)
    except ContentError as exc:
        getattr(form, exc.field or "body", form.body).errors = [exc.message]
        return _channel_page(channel, form, 422)
    return redirect(url_for("discussions.channel", channel_id=channel.id) + f"#msg-{message.id}")


@bp.route("/channels/new", methods=["GET", "POST"])
def new_channel() -> Any:
    """Add a channel (space admins)."""
    if not service.may_manage_channels(_me(), g.space):
        abort(403)
    form = ChannelForm()
    if form.validate_on_submit():
        try:
            channel = service.create_channel(g.space, _me(), form.name.data, form.topic.data)
        except ContentError as exc:
            getattr(form, exc.field or "name").errors = [exc.message]
        else:
            flash(gettext("Channel created."), "success")
            return redirect(url_for("discussions.channel", channel_id=channel.id))
    status = 422 if form.errors else 200
    return render_template("discussions/channel_form.html", space=g.space, form=form, channel=None), status


@bp.route("/c/<int:channel_id>/settings", methods=["GET", "POST"])
def channel_settings(channel_id: int) -> Any:
    """Rename a channel, change its topic, or delete it (space admins)."""
    channel = _channel_or_404(channel_id)
    if not service.may_manage_channels(_me(), g.space):
        abort(403)
    form = ChannelForm(obj=channel)
    if form.validate_on_submit():
        try:
            service.update_channel(channel, g.space, _me(), form.name.data, form.topic.data)
        except ContentError as exc:
            getattr(form, exc.field or "name").errors = [exc.message]
        else:
            flash(gettext("Channel saved."), "success")
            return redirect(url_for("discussions.channel", channel_id=channel.id))
    status = 422 if form.errors else 200
    return render_template("discussions/channel_form.html", space=g.space, form=form, channel=channel), status


@bp.post("/c/<int:channel_id>/delete")
def delete_channel(channel_id: int) -> Any:
    """Delete a channel and its messages (not the default channel)."""
    channel = _channel_or_404(channel_id)
    if not service.may_manage_channels(_me(), g.space):
        abort(403)
    try:
        service.delete_channel(channel, g.space, _me())
    except ContentError as exc:
        return _refused(exc, url_for("discussions.channel_settings", channel_id=channel.id))
    flash(gettext("Channel deleted."), "success")
    return redirect(url_for("discussions.index"))


# -- threads and messages ----------------------------------------------------------


def _thread_page(root: Message, form: MessageForm | None = None, status: int = 200) -> Any:
    window = history.replies(root, before=_cursor("before"), after=_cursor("after"))
    shown = [root, *window.messages]
    return (
        render_template(
            "discussions/thread.html",
            space=g.space,
            channel=root.channel,
            root=root,
            window=window,
            form=form or MessageForm(),
            may_reply=service.may_reply(_me(), root, g.space),
            content_type=service.CONTENT_TYPE,
            **_decorations(shown),
            **_sidebar(),
            **_rights(),
        ),
        status,
    )


@bp.get("/t/<int:message_id>")
def thread(message_id: int) -> Any:
    """A message and its thread of replies."""
    root = _message_or_404(message_id)
    if root.thread_id is not None:
        return redirect(url_for("discussions.thread", message_id=root.thread_id) + f"#msg-{root.id}")
    return _thread_page(root)


@bp.post("/t/<int:message_id>")
@limiter.limit(_post_limit, key_func=_user_key)
def reply(message_id: int) -> Any:
    """Reply in a thread."""
    root = _message_or_404(message_id)
    if root.thread_id is not None:
        abort(404)
    if not service.may_post(_me(), g.space):
        abort(403)
    form = MessageForm()
    if not form.validate_on_submit():
        return _thread_page(root, form, 422)
    try:
        message = service.post_message(
            space=g.space, channel=root.channel, author=_me(), body=form.body.data,
            thread=root, files=request.files.getlist("files"),
        )
    except PermissionError:
        abort(403)
    except ContentError as exc:
        form.body.errors = [exc.message]
        return _thread_page(root, form, 422)
    return redirect(url_for("discussions.thread", message_id=root.id) + f"#msg-{message.id}")


@bp.get("/m/<int:message_id>")
def permalink(message_id: int) -> Any:
    """Where a message is shown: its thread, or its channel page ending with it."""
    message = _message_or_404(message_id)
    anchor = f"#{links.message_anchor(message)}"
    if message.thread_id is not None:
        return redirect(url_for("discussions.thread", message_id=message.thread_id) + anchor)
    target = url_for("discussions.channel", channel_id=message.channel_id, before=message.id + 1)
    return redirect(target + anchor)


@bp.route("/messages/<int:message_id>/edit", methods=["GET", "POST"])
def edit(message_id: int) -> Any:
    """Edit a message (its author, or a moderator)."""
    message = _message_or_404(message_id)
    if not service.may_edit(_me(), message):
        abort(403)
    form = EditForm(body=message.body) if request.method == "GET" else EditForm()
    if form.validate_on_submit():
        try:
            service.edit_message(message, g.space, _me(), form.body.data)
        except ContentError as exc:
            form.body.errors = [exc.message]
        else:
            flash(gettext("Message edited."), "success")
            return redirect(links.message_url(g.space, message))
    status = 422 if form.errors else 200
    return render_template("discussions/edit.html", space=g.space, message=message, form=form), status


def _message_action(message_id: int, action: Any, done: str) -> Any:
    message = _message_or_404(message_id)
    try:
        action(message)
    except PermissionError:
        abort(403)
    except ContentError as exc:
        return _refused(exc, links.message_url(g.space, message))
    if done:
        flash(done, "success")
    return redirect(_back(links.message_url(g.space, message)))


@bp.post("/messages/<int:message_id>/delete")
def delete(message_id: int) -> Any:
    """Delete a message (its author, or a moderator)."""
    return _message_action(
        message_id, lambda m: service.delete_message(m, g.space, _me()), gettext("Message deleted.")
    )


@bp.post("/messages/<int:message_id>/pin")
def pin(message_id: int) -> Any:
    """Pin or unpin a message (moderators)."""
    pinned = request.form.get("value", "1") == "1"
    return _message_action(
        message_id, lambda m: service.set_pinned(m, g.space, _me(), pinned), ""
    )


@bp.post("/messages/<int:message_id>/lock")
def lock(message_id: int) -> Any:
    """Lock or reopen a thread (moderators)."""
    locked = request.form.get("value", "1") == "1"
    return _message_action(
        message_id, lambda m: service.set_locked(m, g.space, _me(), locked), ""
    )


@bp.post("/messages/<int:message_id>/react")
def react(message_id: int) -> Any:
    """Add or remove a reaction."""
    emoji = request.form.get("emoji", "")
    return _message_action(
        message_id, lambda m: service.toggle_reaction(m, g.space, _me(), emoji), ""
    )


@bp.get("/search")
def search() -> Any:
    """Messages of the space's channels containing every word typed."""
    q = (request.args.get("q") or "").strip()[:200]
    channels = service.channels_of(g.space)
    results = history.search(g.space, q, [c.id for c in channels]) if q else []
    names = {c.id: c for c in channels}
    return render_template(
        "discussions/search.html",
        space=g.space,
        q=q,
        results=results,
        channels_by_id=names,
        **_decorations(results),
        **_sidebar(),
        **_rights(),
    )
