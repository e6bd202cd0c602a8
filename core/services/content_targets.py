"""Find the module object a ``(target_type, target_id)`` pair points at.

Comments, reactions and attachments refer to objects through the module's
:class:`~parvis.plugins.spec.ContentType`; this resolves them for a user, so a target
that is unknown, not visible, in another space or in a module switched off in its
space is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..extensions import db
from ..models import Space, SpaceModule
from ..plugins.manager import current_platform
from ..plugins.spec import ContentType


@dataclass(frozen=True)
class Target:
    """A resolved content object with its type."""

    content_type: ContentType
    obj: Any

    @property
    def space_id(self) -> int | None:
        return getattr(self.obj, "space_id", None)

    @property
    def title(self) -> str:
        return str(self.content_type.title(self.obj))

    @property
    def url(self) -> str:
        return str(self.content_type.url(self.obj))

    @property
    def author_id(self) -> int | None:
        return getattr(self.obj, "author_id", None)


#: Largest id of an ``Integer`` primary key (PostgreSQL refuses bigger values).
MAX_ID = 2**31 - 1


def valid_id(value: Any) -> int | None:
    """``value`` as a database id (1 .. 2**31-1), or None when it cannot be one."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def module_of_type(type_id: str) -> str | None:
    """Id of the installed module declaring the content type ``type_id``."""
    for spec in current_platform().modules.values():
        if any(ct.id == type_id for ct in spec.content_types):
            return spec.id
    return None


def resolve_target(type_id: Any, object_id: Any, user: Any, space: Space | None = None) -> Target | None:
    """The target if it exists, ``user`` may see it and (when given) it lies in ``space``.

    Also None when the type is unknown, the id is not an integer, or the owning
    module is switched off in the object's space.
    """
    if not isinstance(type_id, str) or not type_id:
        return None
    object_id = valid_id(object_id)
    if object_id is None:
        return None
    content_type = current_platform().content_type(type_id)
    if content_type is None:
        return None
    obj = content_type.resolve(object_id, user)
    if obj is None:
        return None
    space_id = getattr(obj, "space_id", None)
    if space is not None and space_id != space.id:
        return None
    module_id = module_of_type(type_id)
    if module_id is not None and space_id is not None:
        enabled = db.session.scalar(
            db.select(SpaceModule.enabled).filter_by(space_id=space_id, module_id=module_id)
        )
        if not enabled:
            return None
    return Target(content_type, obj)
