"""The core's own hook implementations: it dog-foods the module hooks.

It ships the platform's themes and layouts folders and the core widgets (space
description, members, recent activity, a markdown text block).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Form, IntegerField, TextAreaField
from wtforms.validators import NumberRange, Optional

from .plugins.manager import hookimpl
from .plugins.spec import WidgetContext, WidgetSpec
from .templating import render_fragment


def _package_folder(package: str) -> Path:
    return Path(str(resources.files(package)))


@hookimpl
def parvis_themes() -> list[Path]:
    return [_package_folder("parvis_themes")]


@hookimpl
def parvis_layouts() -> list[Path]:
    return [_package_folder("parvis_layouts")]


class TextWidgetForm(Form):
    body = TextAreaField(_l("Text (markdown)"), validators=[Optional()])


class CountWidgetForm(Form):
    limit = IntegerField(_l("How many"), default=5, validators=[NumberRange(min=1, max=50)])


def _render_description(ctx: WidgetContext) -> Markup:
    return render_fragment("widgets/description.html", space=ctx.space)


def _render_text(ctx: WidgetContext) -> Markup:
    return render_fragment("widgets/text.html", body=ctx.settings.get("body", ""))


def _render_members(ctx: WidgetContext) -> Markup:
    from .extensions import db
    from .models import Membership

    limit = int(ctx.settings.get("limit", 8))
    rows = db.session.scalars(
        db.select(Membership)
        .filter_by(space_id=ctx.space.id)
        .order_by(Membership.created_at.desc())
        .limit(limit)
        .options(db.joinedload(Membership.user))
    ).all()
    total = db.session.scalar(
        db.select(db.func.count()).select_from(Membership).filter_by(space_id=ctx.space.id)
    )
    return render_fragment("widgets/members.html", memberships=rows, total=total)


def _render_activity(ctx: WidgetContext) -> Markup:
    from .services.activity import recent

    items = recent(ctx.space, int(ctx.settings.get("limit", 8)))
    return render_fragment("widgets/activity.html", items=items)


@hookimpl
def parvis_widgets() -> list[WidgetSpec]:
    return [
        WidgetSpec("core.description", _l("Space description"), _render_description, icon="info"),
        WidgetSpec("core.text", _l("Text block"), _render_text, form=TextWidgetForm, icon="text"),
        WidgetSpec(
            "core.members", _l("Members"), _render_members, form=CountWidgetForm,
            defaults={"limit": 8}, icon="people",
        ),
        WidgetSpec(
            "core.activity", _l("Recent activity"), _render_activity, form=CountWidgetForm,
            defaults={"limit": 8}, icon="activity",
        ),
    ]
