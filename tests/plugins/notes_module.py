"""A tiny test module: notes with a ``notes.note`` content type and one page.

Exercises the core content services (comments, reactions, mentions, attachments)
through a module's :class:`~parvis.plugins.spec.ContentType`. A note marked
``private`` is visible only to its author (so ``resolve`` hides it from others).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template_string, url_for
from flask_login import current_user
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parvis import ContentType, ModuleSpec, hookimpl
from parvis.extensions import db
from parvis.models import Space
from parvis.services.permissions import can


class Note(db.Model):
    __tablename__ = "test_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    private: Mapped[bool] = mapped_column(default=False)
    #: Only the author may attach files to a locked note.
    locked: Mapped[bool] = mapped_column(default=False)


def resolve(note_id: int, user: Any) -> Note | None:
    note = db.session.get(Note, note_id)
    if note is None:
        return None
    space = db.session.get(Space, note.space_id)
    if not can(user, "space.read", space):
        return None
    if note.private and getattr(user, "id", None) != note.author_id:
        return None
    return note


def note_url(note: Note) -> str:
    space = db.session.get(Space, note.space_id)
    return url_for("notes.view", space_slug=space.slug, note_id=note.id, _external=False)


NOTE_TYPE = ContentType(
    id="notes.note",
    label="Note",
    resolve=resolve,
    url=note_url,
    title=lambda note: note.title,
    can_attach=lambda note, user: not note.locked or note.author_id == getattr(user, "id", None),
)

bp = Blueprint("notes", __name__)

PAGE = """{% extends "spaces/base.html" %}
{% from "content/macros.html" import comments, reactions, attachment_list, upload_form %}
{% block content %}
<h1>{{ note.title }}</h1>
{{ reactions("notes.note", note.id, request.path) }}
{{ attachment_list(attachments) }}
{{ upload_form(request.path, "notes.note", note.id) }}
{{ comments("notes.note", note.id, request.path) }}
{% endblock %}"""


@bp.get("/<int:note_id>")
def view(note_id: int):  # noqa: ANN201
    from parvis.services.attachments import attachments_for

    note = resolve(note_id, current_user)
    if note is None or note.space_id != g.space.id:
        abort(404)
    attachments = attachments_for("notes.note", [note.id])[note.id]
    return render_template_string(PAGE, note=note, attachments=attachments)


@hookimpl
def parvis_module() -> ModuleSpec:
    return ModuleSpec(
        id="notes",
        name="Notes (test)",
        blueprint=bp,
        content_types=(NOTE_TYPE,),
        order=900,
    )


def make_note(space: Space, author: Any, title: str = "A note", **kwargs: Any) -> Note:
    """Create and commit a note (test helper)."""
    note = Note(space_id=space.id, author_id=getattr(author, "id", None), title=title, **kwargs)
    db.session.add(note)
    db.session.commit()
    return note
