"""Entry point of the calendar module (``parvis.modules``: ``calendar``).

Events with RFC 5545 recurrence and exceptions, answers with capacity and waiting list,
reminders, month/week/agenda pages, iCal export, import and token-protected feeds, a
personal agenda across spaces, widgets and a JSON API. The module meets the core only
through these hooks, the spec classes of :mod:`parvis` and the public services.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from parvis import ContentType, ModuleSpec, NavEntry, Permission, hookimpl
from parvis.extensions import db
from parvis.models import Space
from parvis.services.permissions import can

from . import lifecycle, models, queries, service  # noqa: F401  (models: tables known at start)
from .api import api_bp
from .global_views import feeds_bp
from .reminders import calendar_cli
from .seed import parvis_seed_content  # noqa: F401 - hook implementation
from .views import bp
from .widgets import WIDGETS

HERE = Path(__file__).parent
MODULE_ID = queries.MODULE_ID


def _resolve(object_id: int, user: Any) -> models.CalendarEvent | None:
    """The event if it exists and ``user`` may read its space."""
    from parvis.input_guards import valid_id

    ident = valid_id(object_id)
    event = db.session.get(models.CalendarEvent, ident) if ident else None
    if event is None:
        return None
    space = db.session.get(Space, event.space_id)
    if space is None or not can(user, "space.read", space):
        return None
    return event


EVENT_TYPE = ContentType(
    id=queries.CONTENT_TYPE,
    label=_l("Event"),
    resolve=_resolve,
    url=lambda event: service.event_url(event),
    title=lambda event: event.title,
    can_attach=lambda event, user: queries.may_edit(user, event),
    can_comment=lambda event, user: not event.cancelled,
    search_document=lifecycle.search_document,
)

SPEC = ModuleSpec(
    id=MODULE_ID,
    name=_l("Calendar"),
    description=_l(
        "Events and meetings of the space: repetitions, answers with places, reminders, "
        "and subscription links for Outlook, Thunderbird and phones."
    ),
    icon="calendar",
    version="1.0.0",
    blueprint=bp,
    api_blueprint=api_bp,
    global_blueprint=feeds_bp,
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    permissions=(
        Permission("calendar.create", _l("Create events"), "member"),
        Permission("calendar.moderate", _l("Edit or cancel anyone's events"), "moderator"),
        Permission("calendar.rsvp", _l("Answer invitations to events"), "guest"),
        Permission("calendar.see_attendees", _l("See who attends events"), "member"),
        Permission("calendar.import", _l("Import events from an .ics file"), "moderator"),
    ),
    widgets=WIDGETS,
    nav=(NavEntry(label=_l("Calendar"), endpoint="calendar.index", icon="calendar", order=40),),
    activity_types={
        "calendar.created": _l("created an event"),
        "calendar.updated": _l("changed an event"),
    },
    content_types=(EVENT_TYPE,),
    order=40,
)


@hookimpl
def parvis_module() -> ModuleSpec:
    return SPEC


@hookimpl
def parvis_search_documents(space: Any) -> Iterable[dict[str, Any]]:
    return lifecycle.search_documents(space)


@hookimpl
def parvis_export_space(space: Any, module_id: str) -> dict[str, Any] | None:
    if module_id != MODULE_ID:
        return None
    return lifecycle.export_space(space)


@hookimpl
def parvis_space_deleted(space: Any) -> None:
    lifecycle.delete_space_data(space)


@hookimpl
def parvis_member_removed(space: Any, user: Any) -> None:
    lifecycle.member_removed(space, user)


@hookimpl
def parvis_demo_seed(space: Any, module_id: str, users: list[Any]) -> None:
    if module_id != MODULE_ID:
        return
    from .demo import seed

    seed(space, users)


@hookimpl
def parvis_cli_commands(cli: Any) -> None:
    cli.add_command(calendar_cli)

