"""A small world of people and spaces for the conformance kit and the security sweeps.

:func:`build_world` creates one person per role (a space owner, admin, moderator,
member and guest, a signed-in outsider and a platform admin), a space of the given
visibility with the module under test switched on (and seeded with its demo content),
a twin space with the module switched off, and a signed-in test client per role.

It only uses public services (``parvis.services.*``), so it works in a module author's
repository through the ``parvis_app`` fixture as well as in Parvis's own suite.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

#: Every role the authorization matrix walks, from least to most powerful.
ROLES = ("anonymous", "outsider", "guest", "member", "moderator", "admin", "owner", "platform_admin")
#: Roles held through a membership of the space.
SPACE_ROLES = ("guest", "member", "moderator", "admin")
#: The password of every person the kit creates.
PASSWORD = "conformance kit password 1"  # noqa: S105 - a throw-away test account


@dataclass
class World:
    """People, a space with the module on (``space``) and one with it off (``bare``)."""

    space: Any
    bare: Any
    users: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, role: str) -> Any:
        """The signed-in test client of ``role`` (``anonymous`` is signed out)."""
        return self.clients[role]


def make_person(email: str, name: str, platform_role: str = "user") -> Any:
    """Create and commit an account with :data:`PASSWORD`."""
    from ..extensions import db
    from ..services.users import create_user

    user = create_user(email, name, PASSWORD, platform_role=platform_role)
    db.session.commit()
    return user


def sign_in(app: Any, user: Any | None, password: str = PASSWORD) -> Any:
    """A test client signed in as ``user`` through the login form (None: anonymous)."""
    client = app.test_client()
    if user is not None:
        response = client.post("/login", data={"email": user.email, "password": password})
        if response.status_code != 302:
            raise AssertionError(
                f"{user.email} could not sign in (status {response.status_code}): "
                "the app needs WTF_CSRF_ENABLED=False and RATELIMIT_ENABLED=False"
            )
    return client


def build_world(
    app: Any,
    module_id: str | None,
    visibility: str = "public",
    *,
    seed: bool = True,
    prefix: str | None = None,
) -> World:
    """People of every role, a ``visibility`` space with ``module_id`` on, and a twin with it off.

    ``module_id=None`` switches on every installed module. ``seed`` runs the modules'
    ``parvis_demo_seed`` in the space, so routes taking an object id find one.
    """
    from ..extensions import db
    from ..models import Membership
    from ..plugins.manager import current_platform
    from ..services.spaces import create_space

    tag = prefix or secrets.token_hex(3)
    platform = current_platform()
    modules = [m.id for m in platform.ordered_modules()] if module_id is None else [module_id]
    users = {"owner": make_person(f"owner-{tag}@example.org", "Olga Owner")}
    for role in SPACE_ROLES:
        users[role] = make_person(f"{role}-{tag}@example.org", f"{role.title()} Person")
    users["outsider"] = make_person(f"outsider-{tag}@example.org", "Oscar Outsider")
    users["platform_admin"] = make_person(f"root-{tag}@example.org", "Rita Root", "admin")
    space = create_space(
        name=f"Kit {tag}", slug=f"kit-{tag}", owner=users["owner"], visibility=visibility,
        modules=modules, join_policy="request",
    )
    bare = create_space(
        name=f"Bare {tag}", slug=f"bare-{tag}", owner=users["owner"], visibility=visibility,
        modules=[],
    )
    for role in SPACE_ROLES:
        for each in (space, bare):
            db.session.add(Membership(space_id=each.id, user_id=users[role].id, role=role))
    db.session.commit()
    if seed:
        writers = [users[r] for r in ("owner", "admin", "moderator", "member")]
        for spec_id in modules:
            platform.hook.parvis_demo_seed(space=space, module_id=spec_id, users=writers)
        db.session.commit()
    world = World(space=space, bare=bare, users=users)
    for role in ROLES:
        world.clients[role] = sign_in(app, users.get(role))
    return world
