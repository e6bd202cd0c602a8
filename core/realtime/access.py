"""Hook implementations that cut real-time access the moment it is lost.

Registered by :func:`parvis.realtime.init_app` in the app's own plugin manager, so they
run for every app with a hub, whatever modules are installed.
"""

from __future__ import annotations

from typing import Any

from ..plugins.manager import hookimpl
from ..services.permissions import can, prime_roles


class AccessHooks:
    """Drop a user's rooms in a space when they may no longer read it."""

    def __init__(self, hub: Any) -> None:
        self.hub = hub

    @hookimpl
    def parvis_member_removed(self, space: Any, user: Any) -> None:
        """The member is gone: unless the space stays readable to them, cut them off."""
        prime_roles(user, {space.id: None})
        if not can(user, "space.read", space):
            self.hub.revoke_after_commit(space.id, [user.id])

    @hookimpl
    def parvis_space_access_changed(self, space: Any) -> None:
        """Visibility changed (after commit): re-check everyone connected to the space."""
        self.hub.recheck_space(space)
