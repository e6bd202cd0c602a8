"""Widgets: the latest discussions of the space, and a live mini-chat of one channel.

Both load the data of every placement on a page at once (``WidgetSpec.load``): two
queries whatever the number of placements, channels or messages.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from parvis import WidgetContext, WidgetSpec
from parvis.extensions import db
from parvis.services.spaces import enabled_modules
from parvis.templating import render_fragment

from . import service
from .forms import LatestWidgetForm, MessageForm, MiniChatWidgetForm
from .models import Channel, Message


def _enabled(ctx: WidgetContext) -> bool:
    return any(spec.id == service.MODULE_ID for spec, _state in enabled_modules(ctx.space))


def _limit(ctx: WidgetContext, default: int, most: int) -> int:
    try:
        value = int(ctx.settings.get("limit", default))
    except (TypeError, ValueError):
        value = default
    return max(1, min(value, most))


def _ranked(partition: Any, order: Any, filters: list[Any], limit: int) -> list[Message]:
    """Up to ``limit`` top-level messages per ``partition`` value (one query)."""
    rank = db.func.row_number().over(partition_by=partition, order_by=order).label("rank")
    inner = db.select(Message.id, rank).filter(*filters).subquery()
    return list(
        db.session.scalars(
            db.select(Message)
            .join(inner, inner.c.id == Message.id)
            .filter(inner.c.rank <= limit)
            .options(db.joinedload(Message.channel))
            .order_by(Message.id.desc())
        )
    )


def load_latest(contexts: list[WidgetContext]) -> None:
    """Latest active threads of each placement's space (one query for all)."""
    live = [c for c in contexts if _enabled(c)]
    if not live:
        return
    most = max(_limit(c, 5, 20) for c in live)
    activity = db.func.coalesce(Message.last_reply_at, Message.created_at)
    rows = _ranked(
        Message.space_id,
        activity.desc(),
        [
            Message.space_id.in_({c.space.id for c in live}),
            Message.thread_id.is_(None),
            Message.deleted_at.is_(None),
        ],
        most,
    )
    rows.sort(key=lambda m: m.last_reply_at or m.created_at, reverse=True)
    for ctx in live:
        ctx.data = [m for m in rows if m.space_id == ctx.space.id][: _limit(ctx, 5, 20)]


def render_latest(ctx: WidgetContext) -> Markup:
    if not _enabled(ctx):
        return Markup("")
    if ctx.data is None:
        load_latest([ctx])
    return render_fragment(
        "discussions/widgets/latest.html", space=ctx.space, messages=ctx.data or []
    )


def load_minichat(contexts: list[WidgetContext]) -> None:
    """Each placement's channel (chosen or default) and its latest messages: two queries."""
    live = [c for c in contexts if _enabled(c)]
    if not live:
        return
    spaces = {c.space.id for c in live}
    channels = list(
        db.session.scalars(
            db.select(Channel)
            .filter(Channel.space_id.in_(spaces))
            .order_by(Channel.is_default.desc(), Channel.position, Channel.id)
        )
    )
    chosen: dict[int, Channel | None] = {}
    for ctx in live:
        wanted = ctx.settings.get("channel_id")
        match = [ch for ch in channels if ch.space_id == ctx.space.id]
        pick = next((ch for ch in match if wanted and str(ch.id) == str(wanted)), None)
        chosen[id(ctx)] = pick or (match[0] if match else None)
    ids = {ch.id for ch in chosen.values() if ch is not None}
    most = max(_limit(c, 8, 30) for c in live)
    rows = (
        _ranked(
            Message.channel_id,
            Message.id.desc(),
            [Message.channel_id.in_(ids), Message.thread_id.is_(None)],
            most,
        )
        if ids
        else []
    )
    for ctx in live:
        channel = chosen[id(ctx)]
        msgs = [m for m in rows if channel is not None and m.channel_id == channel.id]
        ctx.data = {"channel": channel, "messages": list(reversed(msgs[: _limit(ctx, 8, 30)]))}


def render_minichat(ctx: WidgetContext) -> Markup:
    if not _enabled(ctx):
        return Markup("")
    if ctx.data is None:
        load_minichat([ctx])
    data = ctx.data or {"channel": None, "messages": []}
    return render_fragment(
        "discussions/widgets/minichat.html",
        space=ctx.space,
        channel=data["channel"],
        messages=data["messages"],
        may_post=service.may_post(ctx.user, ctx.space),
        form=MessageForm() if data["channel"] is not None else None,
    )


WIDGETS = (
    WidgetSpec(
        "discussions.latest",
        _l("Latest discussions"),
        render_latest,
        description=_l("The threads with the most recent messages."),
        icon="discussions",
        form=LatestWidgetForm,
        defaults={"limit": 5},
        load=load_latest,
        cache_ttl=60,
    ),
    WidgetSpec(
        "discussions.minichat",
        _l("Live mini-chat"),
        render_minichat,
        description=_l("The latest messages of a channel, updated live, with a box to answer."),
        icon="discussions",
        form=MiniChatWidgetForm,
        defaults={"channel_id": None, "limit": 8},
        load=load_minichat,
    ),
)
