"""Every route, as every role, in a public, a private and a secret space.

The walk reads ``app.url_map``, so a route added tomorrow (core or module) is checked
without touching this file. For each rule it fills the URL parameters from the data
built below, requests it (GET, or the rule's only method: POST, PUT, PATCH, DELETE; CSRF
is off) as anonymous, a signed-in outsider, guest, member, moderator, admin, owner and
platform admin, and checks:

* no answer is a 5xx (an unhandled exception fails the test too);
* anonymous visitors are sent to the login page (pages) or get 401 (``/api/``), except
  on the few public endpoints listed in :data:`PUBLIC`;
* in a secret space, an outsider gets 404 on every ``/s/<slug>/`` and
  ``/api/v1/spaces/<slug>/`` route: the space does not exist for them;
* in a private space, an outsider gets 403 or 404, except on the endpoints that let
  them learn about the space and ask to join (``parvis.space_context.OUTSIDER_ENDPOINTS``
  and :data:`API_OUTSIDER`);
* ``/admin/`` is closed to people without a platform role;
* a module's routes answer 404 in a space where the module is switched off, even to its
  owner and to a platform admin.

Parameters are filled generically: ``space_slug`` is the space of the case; an integer
``<thing>_id`` is the smallest id of the matching table (``post_id`` -> ``posts_posts``,
``membership_id`` -> ``memberships``), restricted to the space when the table has a
``space_id`` column, else 1; see :func:`fill`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import PASSWORD, make_space, make_user
from flask import Flask, current_app
from flask.testing import FlaskClient
from plugins import exercise_module as ex
from werkzeug.routing import Rule

from parvis.extensions import db
from parvis.models import Invitation, JoinRequest, Membership, SpaceRequest, hash_token, utcnow
from parvis.plugins.manager import current_platform
from parvis.space_context import OUTSIDER_ENDPOINTS
from parvis.testing.routes import fill as fill_rule
from parvis.testing.routes import method_of

ROLES = ("anonymous", "outsider", "guest", "member", "moderator", "admin", "owner", "platform_admin")
SPACE_ROLES = ("guest", "member", "moderator", "admin", "owner")
#: Roles that differ on routes outside spaces.
PLATFORM_LEVEL = ("anonymous", "outsider", "platform_admin")

#: Endpoints not walked at all, with the reason.
WHITELIST: dict[str, str] = {
    "static": "static files",
    "auth.logout": "ends the session of the walking client (tested in test_security.py)",
    "auth.end_sessions": "ends the sessions of the walking client (tested in test_security.py)",
    "auth.change_password": "POST ends the other sessions (tested in test_auth.py); GET walked by test_auth",
}

#: Endpoints an anonymous visitor may reach (anything but a 5xx is fine).
PUBLIC: dict[str, str] = {
    "home.index": "the welcome page",
    "auth.login": "signing in",
    "auth.register": "creating an account",
    "auth.reset_request": "asking for a password reset",
    "auth.reset_password": "the link of a reset e-mail",
    "home.set_language": "the language switch in the footer works signed out",
    "theme_css": "theme stylesheets",
    "spaces.accept_invitation": "the link of an invitation e-mail (asks to sign in or register)",
    "api.openapi": "the API description",
    "calendar_feeds.feed": "iCal feed behind a secret token: calendar apps have no session",
    "documents_share.shared": "a document's share link: for people without an account (404 unless the token works)",
    "documents_share.shared_download": "download behind a share link",
    "documents_share.shared_thumb": "image thumbnail behind a share link",
}

#: Areas that hide themselves (404) from everyone without the right platform role,
#: anonymous visitors included, instead of inviting them to sign in.
HIDDEN_PREFIXES = ("/admin/",)

#: API endpoints an outsider of a private space may use (the space is listed in the directory).
API_OUTSIDER = {"api.get_space", "api.join_space"}



@dataclass
class World:
    """The people, the space of the case and a space where every module is off."""

    space: Any
    bare: Any
    users: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, FlaskClient] = field(default_factory=dict)


def _build_world(app: Flask, visibility: str) -> World:
    owner = make_user("owner@example.org", "Olga Owner")
    users = {"owner": owner}
    for role in ("admin", "moderator", "member", "guest"):
        users[role] = make_user(f"{role}@example.org", f"{role.title()} Person")
    users["outsider"] = make_user("outsider@example.org", "Oscar Outsider")
    users["platform_admin"] = make_user("root@example.org", "Rita Root", role="admin")
    modules = [m.id for m in current_platform().ordered_modules()]
    space = make_space(owner, "walk", visibility, modules=modules, join_policy="request")
    bare = make_space(owner, "bare", visibility, modules=[])
    for role in ("admin", "moderator", "member", "guest"):
        for s in (space, bare):
            db.session.add(Membership(space_id=s.id, user_id=users[role].id, role=role))
    db.session.commit()
    _seed_content(space, bare, users)
    world = World(space=space, bare=bare, users=users)
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            response = client.post("/login", data={"email": users[role].email, "password": PASSWORD})
            assert response.status_code == 302, f"{role} could not sign in"
        world.clients[role] = client
    return world


def _seed_content(space: Any, bare: Any, users: dict[str, Any]) -> None:
    """Objects for integer URL parameters: demo content of every module, and core rows."""
    platform = current_platform()
    members = [users[r] for r in ("owner", "admin", "moderator", "member")]
    for spec in platform.ordered_modules():  # every module is enabled in ``space``
        platform.hook.parvis_demo_seed(space=space, module_id=spec.id, users=members)
    for s in (space, bare):
        db.session.add(ex.ExerciseItem(space_id=s.id, author_id=users["member"].id, title="Item"))
    db.session.add(JoinRequest(space_id=space.id, user_id=users["outsider"].id))
    db.session.add(
        Invitation(
            space_id=space.id,
            email="guest-to-be@example.org",
            token_hash=hash_token("walk-token"),
            invited_by_id=users["owner"].id,
            expires_at=utcnow(),
        )
    )
    db.session.add(SpaceRequest(requester_id=users["member"].id, name="Asked", slug="asked"))
    db.session.commit()


# -- filling URL parameters --------------------------------------------------------------


#: An installed module for the core routes that take a module id.
STRINGS = {"module_id": "exercise", "name": "exercise"}


def fill(rule: Rule, space: Any) -> dict[str, Any]:
    """Values for every argument of ``rule`` in ``space`` (the conformance kit's filling)."""
    return fill_rule(current_app, rule, space, STRINGS)


def walked_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in WHITELIST and not r.endpoint.endswith(".static")),
        key=lambda r: (r.rule, r.endpoint),
    )


def _path(rule: Rule, values: dict[str, Any]) -> str:
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule} from {values}"
    return built[1]


# -- the walk ---------------------------------------------------------------------------


@dataclass
class Result:
    role: str
    method: str
    path: str
    endpoint: str
    status: int
    location: str = ""

    def __str__(self) -> str:
        where = f" -> {self.location}" if self.location else ""
        return f"{self.role:15} {self.method:6} {self.path} [{self.endpoint}] = {self.status}{where}"


def _request(client: FlaskClient, method: str, path: str) -> tuple[int, str]:
    kwargs: dict[str, Any] = {}
    if method != "GET":
        kwargs["json" if path.startswith("/api/") else "data"] = {}
    response = client.open(path, method=method, **kwargs)
    db.session.rollback()
    return response.status_code, response.headers.get("Location", "")


def walk(
    app: Flask,
    world: World,
    space: Any,
    roles: tuple[str, ...] = ROLES,
    rules: list[Rule] | None = None,
) -> Iterator[Result]:
    rules = walked_rules(app) if rules is None else rules
    phases = (
        [r for r in rules if method_of(r) == "GET"],
        [r for r in rules if method_of(r) != "GET"],
    )
    for phase in phases:
        for rule in phase:
            method = method_of(rule)
            # Outside a space, space roles make no difference: the outsider stands for them.
            for role in roles if "space_slug" in rule.arguments else [r for r in roles if r in PLATFORM_LEVEL]:
                path = _path(rule, fill(rule, space))
                try:
                    status, location = _request(world.clients[role], method, path)
                except Exception as exc:  # noqa: BLE001 - reported with the route
                    db.session.rollback()
                    raise AssertionError(f"{role} {method} {path} [{rule.endpoint}] raised {exc!r}") from exc
                yield Result(role, method, path, rule.endpoint, status, location)


def _in_space(path: str, slug: str) -> bool:
    return path.startswith((f"/s/{slug}/", f"/api/v1/spaces/{slug}/")) or path == f"/api/v1/spaces/{slug}"


def _problems(result: Result, visibility: str, slug: str) -> list[str]:
    problems: list[str] = []
    if result.status >= 500:
        problems.append("server error")
    api = result.path.startswith("/api/")
    if result.role == "anonymous" and result.endpoint not in PUBLIC:
        hidden = result.path.startswith(HIDDEN_PREFIXES) and result.status == 404
        if api and result.status != 401:
            problems.append("anonymous API call should get 401")
        if not api and not hidden and not (result.status == 302 and "/login" in result.location):
            problems.append("anonymous visitor should be sent to the login page")
    if result.role == "outsider" and _in_space(result.path, slug):
        if visibility == "secret" and result.status != 404:
            problems.append("a secret space must not exist for an outsider (404)")
        allowed = OUTSIDER_ENDPOINTS | API_OUTSIDER
        if visibility == "private" and result.endpoint not in allowed and result.status not in (403, 404):
            problems.append("a private space's content is closed to outsiders (403/404)")
    if result.role == "outsider" and result.path.startswith("/admin/"):
        if result.status not in (403, 404):
            problems.append("administration is closed to people without a platform role")
    return problems


@pytest.fixture
def quiet_errors(app: Flask) -> Iterator[None]:
    """Turn unhandled exceptions into 500 answers, so the walk reports every one of them."""
    app.config["PROPAGATE_TEST_ERRORS"] = False
    yield


@pytest.mark.parametrize("visibility", ["public", "private", "secret"])
def test_every_route_as_every_role(app: Flask, visibility: str, quiet_errors: None) -> None:
    world = _build_world(app, visibility)
    rules = walked_rules(app)
    if visibility != "public":  # routes outside spaces do not depend on a space's visibility
        rules = [r for r in rules if "space_slug" in r.arguments]
    failures = []
    count = 0
    for result in walk(app, world, world.space, rules=rules):
        count += 1
        for problem in _problems(result, visibility, world.space.slug):
            failures.append(f"{result}: {problem}")
    assert count > 50 * len(ROLES), "the walk found suspiciously few routes"
    assert not failures, f"{len(failures)} authorization problems:\n" + "\n".join(failures)


@pytest.mark.parametrize("visibility", ["public", "secret"])
def test_module_routes_are_404_where_the_module_is_off(app: Flask, visibility: str, quiet_errors: None) -> None:
    world = _build_world(app, visibility)
    owners = current_platform().blueprint_owners
    # Pages of a module outside spaces (``global_blueprint``, at /m/<id>/) depend on no space.
    rules = [
        r for r in walked_rules(app)
        if r.endpoint.rsplit(".", 1)[0] in owners and "space_slug" in r.arguments
    ]
    failures = []
    module_rules = 0
    for result in walk(app, world, world.bare, roles=("member", "owner", "platform_admin"), rules=rules):
        module_rules += 1
        if result.status != 404:
            failures.append(f"{result}: module is off in this space, expected 404")
    assert module_rules >= 3 * 3  # the exercise module alone has three routes
    assert not failures, "\n".join(failures)


def test_whitelists_name_real_endpoints(app: Flask) -> None:
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    stale = (set(WHITELIST) | set(PUBLIC) | API_OUTSIDER) - endpoints
    assert not stale, f"whitelisted endpoints that no longer exist: {sorted(stale)}"


def test_fill_finds_existing_objects(app: Flask) -> None:
    world = _build_world(app, "public")
    rules = {r.endpoint: r for r in app.url_map.iter_rules()}
    item_id = db.session.scalar(
        db.select(ex.ExerciseItem.id).filter_by(space_id=world.space.id)
    )
    assert fill(rules["exercise.item"], world.space) == {"space_slug": "walk", "item_id": item_id}
    membership_id = fill(rules["spaces.remove_space_member"], world.space)["membership_id"]
    assert db.session.get(Membership, membership_id).space_id == world.space.id
