"""Test support for live co-editing: a test-only co-editable kind and a pycrdt client.

``plugins`` use: ``pytest.mark.config(EXTRA_PLUGINS=[*TEST_PLUGINS, "coedit_support"])``.
The module ``cotest`` (enabled by default in new spaces) holds texts (``cotest.text``)
with a revision history, editable by members (``cotest.edit``), readable by whoever may
read the space; a text marked ``hidden`` is readable by nobody.
"""

from __future__ import annotations

import base64
from typing import Any

from flask_babel import lazy_gettext as _l
from pycrdt import Doc, Text
from sqlalchemy import ForeignKey, String
from sqlalchemy import Text as SqlText
from sqlalchemy.orm import Mapped, mapped_column

from parvis import ModuleSpec, hookimpl
from parvis.coedit import CoeditKind, CoeditTarget
from parvis.extensions import db
from parvis.models import Space
from parvis.plugins.spec import Permission
from parvis.services.permissions import can

KIND = "cotest.text"


class CoText(db.Model):
    __tablename__ = "test_cotexts"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(SqlText, default="")
    revision_id: Mapped[int | None] = mapped_column()
    hidden: Mapped[bool] = mapped_column(default=False)


class CoTextRevision(db.Model):
    __tablename__ = "test_cotext_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    text_id: Mapped[int] = mapped_column(ForeignKey("test_cotexts.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(SqlText, default="")
    author_id: Mapped[int | None] = mapped_column()
    summary: Mapped[str] = mapped_column(String(255), default="")


def _load(object_id: int) -> CoeditTarget | None:
    row = db.session.get(CoText, object_id)
    if row is None:
        return None
    space = db.session.get(Space, row.space_id)
    key = str(row.revision_id) if row.revision_id else None
    return CoeditTarget(KIND, row.id, space, row.body, key, obj=row)


def _save_revision(target: CoeditTarget, text: str, actor: Any, summary: str) -> str | None:
    row = target.obj
    if text == row.body:
        return None
    revision = CoTextRevision(text_id=row.id, body=text, author_id=getattr(actor, "id", None), summary=summary)
    db.session.add(revision)
    db.session.flush()
    row.body = text
    row.revision_id = revision.id
    return str(revision.id)


COTEXT_KIND = CoeditKind(
    name=KIND,
    module_id="cotest",
    load=_load,
    can_read=lambda user, target: not target.obj.hidden,
    can_edit=lambda user, target: can(user, "cotest.edit", target.space),
    save_revision=_save_revision,
    url=lambda target: f"/s/{target.space.slug}/cotest/{target.object_id}",
    max_chars=20_000,
)


@hookimpl
def parvis_module() -> ModuleSpec:
    return ModuleSpec(
        id="cotest",
        name="Co-edit (test)",
        permissions=(Permission("cotest.edit", _l("Edit texts"), "member"),),
        order=950,
    )


@hookimpl
def parvis_coedit_kinds() -> list[CoeditKind]:
    return [COTEXT_KIND]


def make_text(space: Space, body: str = "", **kwargs: Any) -> CoText:
    """Create and commit a text (no revision yet)."""
    row = CoText(space_id=space.id, body=body, **kwargs)
    db.session.add(row)
    db.session.commit()
    return row


def doc_of(row: CoText) -> str:
    return f"{KIND}:{row.id}"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(value: str) -> bytes:
    return base64.b64decode(value)


class CoClient:
    """A simulated editor: a pycrdt document synchronised over a Socket.IO test client."""

    def __init__(self, sio: Any, key: str) -> None:
        self.sio = sio
        self.key = key
        self.doc = Doc()
        self.text = self.doc.get("content", type=Text)
        self.pending: list[bytes] = []

    @property
    def value(self) -> str:
        return str(self.text)

    def join(self) -> dict:
        answer = self.sio.emit("coedit:join", {"doc": self.key, "sv": b64(self.doc.get_state())}, callback=True)
        if answer.get("ok"):
            self.doc.apply_update(unb64(answer["update"]))
        return answer

    def local(self, index: int, insert: str = "", delete: int = 0) -> bytes:
        """Edit locally (offline) at character ``index``, deleting ``delete`` characters;
        return the update (also kept in :attr:`pending`)."""
        before = self.doc.get_state()
        value = self.value
        start = len(value[:index].encode())  # pycrdt counts UTF-8 bytes
        with self.doc.transaction():
            if delete:
                del self.text[start:start + len(value[index:index + delete].encode())]
            if insert:
                self.text.insert(start, insert)
        update = self.doc.get_update(before)
        self.pending.append(update)
        return update

    def flush(self) -> list[dict]:
        """Send the pending updates; return the acknowledgements."""
        answers = [self.send(update) for update in self.pending]
        self.pending = []
        return answers

    def send(self, update: bytes) -> dict:
        return self.sio.emit("coedit:update", {"doc": self.key, "update": b64(update)}, callback=True)

    def edit(self, index: int, insert: str = "", delete: int = 0) -> dict:
        """Edit and send at once; return the acknowledgement."""
        update = self.local(index, insert, delete)
        self.pending.remove(update)
        return self.send(update)

    def pump(self) -> list[dict]:
        """Apply the updates received from the server; return every other event received."""
        others = []
        for event in self.sio.get_received():
            data = event["args"][0] if event["args"] else None
            if event["name"] == "coedit:update" and data and data.get("doc") == self.key:
                self.doc.apply_update(unb64(data["update"]))
            else:
                others.append(event)
        return others
