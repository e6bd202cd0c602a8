"""``exercise``: a test-only module that implements every hook in hookspecs.py.

It is listed in ``TEST_PLUGINS`` (tests/conftest.py), so every test app loads it, and
it is the reference a module author can compare their own module with.

What it contributes:

* a blueprint (``/s/<space_slug>/exercise/``): ``index`` lists the space's items
  (reads ``g.space``), ``act`` (POST) creates one and needs the ``exercise.act``
  permission (default role: member), ``item`` shows one item;
* an API blueprint (``/api/v1/spaces/<space_slug>/exercise/items``, GET);
* a model (table ``exercise_items``), a widget with a WTForms settings form, a
  navigation entry, two permissions, a content type (``exercise.item``) and an
  activity type (``exercise.acted``).

Choices that keep other tests unsurprised:

* ``default_enabled=False``: spaces created by other tests do not get it switched on,
  so their navigation, widgets and hook calls are those of the real modules. Tests
  that need it call :func:`enable` (or ``create_space(..., modules=[..., "exercise"])``).
* Hook calls are appended to the module-level :data:`CALLS` (a bounded deque; the
  Python module is shared by every app built in the test session, while each app has
  its own plugin manager). Tests call :func:`reset` first and then read :func:`calls`.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any

import click
from flask import Blueprint, abort, g, jsonify, redirect, render_template_string, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import Form, IntegerField, StringField
from wtforms.validators import NumberRange, Optional

from parvis import (
    ContentType,
    ModuleSpec,
    NavEntry,
    Permission,
    WidgetContext,
    WidgetSpec,
    hookimpl,
)
from parvis.extensions import db
from parvis.models import utcnow
from parvis.models.base import UTCDateTime
from parvis.services import activity
from parvis.services.permissions import can

MODULE_ID = "exercise"

#: ``(hook name, keyword arguments)`` of every hook call, oldest first.
CALLS: deque[tuple[str, dict[str, Any]]] = deque(maxlen=2000)


def reset() -> None:
    """Forget the recorded hook calls."""
    CALLS.clear()


def calls(name: str) -> list[dict[str, Any]]:
    """The keyword arguments of each recorded call of hook ``name``."""
    return [kwargs for hook, kwargs in CALLS if hook == name]


def _record(name: str, **kwargs: Any) -> None:
    CALLS.append((name, kwargs))


# -- model ----------------------------------------------------------------------------


class ExerciseItem(db.Model):
    """One thing done in the exercise module of a space."""

    __tablename__ = "exercise_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def items_of(space: Any) -> list[ExerciseItem]:
    """Items of ``space``, newest first (one query)."""
    return list(
        db.session.scalars(
            db.select(ExerciseItem)
            .filter_by(space_id=space.id)
            .order_by(ExerciseItem.id.desc())
        )
    )


# -- content type -----------------------------------------------------------------------


def _resolve(object_id: int, user: Any) -> ExerciseItem | None:
    item = db.session.get(ExerciseItem, object_id)
    if item is None:
        return None
    from parvis.models import Space

    space = db.session.get(Space, item.space_id)
    return item if space is not None and can(user, "space.read", space) else None


def _item_url(item: ExerciseItem) -> str:
    from parvis.models import Space

    space = db.session.get(Space, item.space_id)
    return url_for("exercise.item", space_slug=space.slug, item_id=item.id)


def _search_document(object_id: int) -> dict[str, Any] | None:
    item = db.session.get(ExerciseItem, object_id)
    return None if item is None else {
        "type": "exercise.item", "object_id": item.id, "title": item.title, "body": "",
        "url": _item_url(item), "author_id": item.author_id, "updated_at": item.created_at,
    }


ITEM_TYPE = ContentType(
    id="exercise.item",
    label=_l("Exercise item"),
    resolve=_resolve,
    url=_item_url,
    title=lambda item: item.title,
    search_document=_search_document,
)


# -- routes -------------------------------------------------------------------------------

bp = Blueprint(MODULE_ID, __name__)
api_bp = Blueprint(f"{MODULE_ID}_api", __name__)

PAGE = """{% extends "spaces/base.html" %}
{% block title %}{{ _("Exercise") }} · {{ space.name }}{% endblock %}
{% block content %}
<h1>{{ _("Exercise") }}</h1>
<p data-exercise-space="{{ space.slug }}">{{ space.name }}</p>
<ul class="list">{% for item in items %}<li class="list__item"><a href="{{ url_for('exercise.item', item_id=item.id) }}">{{ item.title }}</a></li>{% endfor %}</ul>
{% if can(current_user, 'exercise.act', space) %}
<form method="post" action="{{ url_for('exercise.act') }}">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <button type="submit" class="button">{{ _("Act") }}</button>
</form>
{% endif %}
{% endblock %}"""

ITEM_PAGE = """{% extends "spaces/base.html" %}
{% block content %}<h1>{{ item.title }}</h1>{% endblock %}"""


@bp.get("/")
def index():  # noqa: ANN201
    """The module's page in a space: reads ``g.space``, set by the core."""
    return render_template_string(PAGE, space=g.space, items=items_of(g.space))


@bp.get("/items/<int:item_id>")
def item(item_id: int):  # noqa: ANN201
    found = db.session.get(ExerciseItem, item_id)
    if found is None or found.space_id != g.space.id:
        abort(404)
    return render_template_string(ITEM_PAGE, item=found)


@bp.post("/act")
def act():  # noqa: ANN201
    """Create an item; needs ``exercise.act`` (member by default)."""
    if not can(current_user, "exercise.act", g.space):
        abort(403)
    entry = ExerciseItem(space_id=g.space.id, author_id=current_user.id, title=gettext("Done"))
    db.session.add(entry)
    db.session.flush()
    activity.record(
        "exercise.acted",
        actor=current_user,
        space=g.space,
        target_type=ITEM_TYPE.id,
        target_id=entry.id,
        title=entry.title,
    )
    db.session.commit()
    return redirect(url_for("exercise.index"))


@api_bp.get("/items")
def api_items():  # noqa: ANN201
    return jsonify({"items": [{"id": i.id, "title": i.title} for i in items_of(g.space)]})


# -- widget -------------------------------------------------------------------------------


class CounterForm(Form):
    """Settings of the counter widget."""

    heading = StringField(_l("Heading"), validators=[Optional()])
    limit = IntegerField(_l("How many"), default=3, validators=[NumberRange(min=1, max=20)])


def _render_counter(ctx: WidgetContext) -> Markup:
    count = db.session.scalar(
        db.select(db.func.count()).select_from(ExerciseItem).filter_by(space_id=ctx.space.id)
    )
    heading = ctx.settings.get("heading") or gettext("Exercise")
    return Markup('<section class="widget widget--exercise"><h2>{}</h2><p>{}</p></section>').format(
        heading, gettext("%(n)s items", n=count)
    )


def _render_hello(ctx: WidgetContext) -> Markup:
    return Markup('<section class="widget"><p>{}</p></section>').format(gettext("Hello"))


COUNTER = WidgetSpec(
    id="exercise.counter",
    label=_l("Exercise counter"),
    render=_render_counter,
    form=CounterForm,
    defaults={"limit": 3},
)
HELLO = WidgetSpec(id="exercise.hello", label=_l("Hello"), render=_render_hello)


class SettingsForm(Form):
    """Per-space settings of the module."""

    motto = StringField(_l("Motto"), validators=[Optional()])


SPEC = ModuleSpec(
    id=MODULE_ID,
    name=_l("Exercise"),
    description=_l("Test-only module that implements every hook."),
    icon="check",
    blueprint=bp,
    api_blueprint=api_bp,
    settings_form=SettingsForm,
    settings_defaults={"motto": ""},
    permissions=(
        Permission("exercise.act", _l("Act in the exercise"), "member"),
        Permission("exercise.manage", _l("Manage the exercise"), "admin"),
    ),
    widgets=(COUNTER,),
    nav=(NavEntry(_l("Exercise"), "exercise.index", icon="check", order=50),),
    activity_types={"exercise.acted": _l("acted in the exercise")},
    content_types=(ITEM_TYPE,),
    default_enabled=False,
    order=900,
)


def enable(space: Any, actor: Any) -> None:
    """Switch the module on in ``space`` through the core service (fires the hook)."""
    from parvis.services.spaces import set_module_enabled

    set_module_enabled(space, MODULE_ID, True, actor)
    db.session.commit()


# -- hooks ----------------------------------------------------------------------------------


@hookimpl
def parvis_module() -> ModuleSpec:
    _record("parvis_module")
    return SPEC


@hookimpl
def parvis_widgets() -> list[WidgetSpec]:
    _record("parvis_widgets")
    return [HELLO]


@hookimpl
def parvis_search_documents(space: Any) -> list[dict[str, Any]]:
    _record("parvis_search_documents", space=space)
    return [
        {
            "type": ITEM_TYPE.id,
            "object_id": entry.id,
            "title": entry.title,
            "body": "",
            "url": url_for("exercise.item", space_slug=space.slug, item_id=entry.id),
            "author_id": entry.author_id,
            "updated_at": entry.created_at,
        }
        for entry in items_of(space)
    ]


@hookimpl
def parvis_space_module_enabled(space: Any, module_id: str) -> None:
    _record("parvis_space_module_enabled", space=space, module_id=module_id)


@hookimpl
def parvis_space_module_disabled(space: Any, module_id: str) -> None:
    # Data is kept: nothing is deleted when the module is switched off.
    _record("parvis_space_module_disabled", space=space, module_id=module_id)


@hookimpl
def parvis_space_deleted(space: Any) -> None:
    _record("parvis_space_deleted", space=space)
    db.session.execute(db.delete(ExerciseItem).filter_by(space_id=space.id))


@hookimpl
def parvis_member_removed(space: Any, user: Any) -> None:
    _record("parvis_member_removed", space=space, user=user)


@hookimpl
def parvis_space_access_changed(space: Any) -> None:
    _record("parvis_space_access_changed", space=space)


@hookimpl
def parvis_export_space(space: Any, module_id: str) -> dict[str, Any] | None:
    _record("parvis_export_space", space=space, module_id=module_id)
    if module_id != MODULE_ID:
        return None
    return {
        "items": [
            {"id": i.id, "title": i.title, "created_at": i.created_at.isoformat()}
            for i in items_of(space)
        ]
    }


@hookimpl
def parvis_template_slot(slot: str, context: dict[str, Any]) -> Markup | None:
    _record("parvis_template_slot", slot=slot)
    if slot == "head":
        return Markup('<meta name="parvis-exercise" content="on">')
    return None


@hookimpl
def parvis_layouts() -> list[Any]:
    _record("parvis_layouts")
    return []


@hookimpl
def parvis_themes() -> list[Any]:
    _record("parvis_themes")
    return []


@click.command("exercise-hello")
def hello_command() -> None:
    """Say hello (shows that modules can add CLI commands)."""
    click.echo("hello from exercise")


@hookimpl
def parvis_cli_commands(cli: Any) -> None:
    _record("parvis_cli_commands", cli=cli)
    cli.add_command(hello_command)


@hookimpl
def parvis_app_ready(app: Any) -> None:
    _record("parvis_app_ready", app=app)
    app.extensions.setdefault("exercise", {"ready": True})


@hookimpl
def parvis_demo_seed(space: Any, module_id: str, users: list[Any]) -> None:
    _record("parvis_demo_seed", space=space, module_id=module_id, users=users)
    if module_id != MODULE_ID:
        return
    for n, user in enumerate(users[:3], 1):
        db.session.add(ExerciseItem(space_id=space.id, author_id=user.id, title=f"Demo {n}"))


@hookimpl
def parvis_storage_keys() -> list[str]:
    _record("parvis_storage_keys")
    return []


@hookimpl
def parvis_seed_content(space: Any, module_id: str, users: list[Any], count: int, rng: Any) -> int | None:
    _record("parvis_seed_content", space=space, module_id=module_id, count=count)
    if module_id != MODULE_ID:
        return None
    db.session.add_all(
        ExerciseItem(space_id=space.id, author_id=rng.choice(users).id if users else None, title=f"Seed {n}")
        for n in range(count)
    )
    return count


@hookimpl
def parvis_coedit_kinds() -> list[Any]:
    _record("parvis_coedit_kinds")
    return []
