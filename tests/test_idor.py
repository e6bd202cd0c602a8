"""IDOR sweep: an object of one space is never reachable from another space.

Space A (private or secret) holds every module's demo content, comments and an
attachment. Xavier owns space B, where every module is on too, and is no member of A.
For every route of the app (core and modules, pages and API) that takes an object id
(or a string key such as a wiki page slug) the sweep:

* builds the URL with A's object and **B's** slug (the classic insecure direct object
  reference: "my space, your object") and sends it as Xavier with each of the route's
  methods: the answer must be 404 (an API's 422 for the empty body is accepted only
  when an id no object has gets the same 422: the body was refused before any lookup);
* for routes outside spaces that take an id, sends A's id as Xavier: 404 as well.

The core's generic content routes take their target in the form body
(``target_type``/``target_id``): commenting, reacting and uploading onto each of A's
objects from B must also answer 404. Routes and tables are discovered from the URL map
and the models, so a module added tomorrow is swept as it lands.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import PASSWORD, add_member, make_user
from flask import Flask

from parvis.extensions import db
from parvis.models import Attachment, Comment
from parvis.plugins.manager import current_platform
from parvis.services.spaces import create_space
from parvis.testing.routes import (
    build_path,
    existing_value,
    fill,
    id_arguments,
    method_of,
    owner_of,
    request,
    write_methods,
)
from parvis.testing.world import sign_in

#: Endpoints not swept, with the reason.
SKIPPED = {
    "static": "static files",
    "theme_css": "public theme stylesheets",
}
#: Endpoints whose argument is not an object of a space, with the reason.
NOT_SPACE_OBJECTS = {
    "auth.reset_password": "a reset token, not an object",
    "auth.profile": "people's profiles are visible to every signed-in user by design",
}
#: Arguments that name a kind of thing, not an object (a module of B is B's own).
NOT_OBJECT_ARGUMENTS = {"module_id", "theme", "filename", "lang", "token"}
#: An id no object has: a route must answer A's object exactly as it answers this one.
MISSING_ID = 2_000_000_000


@pytest.fixture
def quiet_errors(app: Flask) -> None:
    app.config["PROPAGATE_TEST_ERRORS"] = False


def _world(app: Flask, visibility: str) -> tuple[Any, Any, Any]:
    owner = make_user("anna@example.org", "Anna Owner")
    member = make_user("marc@example.org", "Marc Member")
    modules = [m.id for m in current_platform().ordered_modules()]
    space_a = create_space(name="A", slug="space-a", owner=owner, visibility=visibility, modules=modules)
    db.session.commit()
    add_member(space_a, member, "member")
    writers = [owner, member]
    for module_id in modules:
        current_platform().hook.parvis_demo_seed(space=space_a, module_id=module_id, users=writers)
    db.session.commit()
    xavier = make_user("xavier@example.org", "Xavier Elsewhere")
    space_b = create_space(name="B", slug="space-b", owner=xavier, visibility="public", modules=modules)
    db.session.commit()
    return space_a, space_b, xavier


def _found_in(app: Flask, rule: Any, space: Any) -> dict[str, Any]:
    """Values of ``rule``'s object arguments that exist in ``space`` (others left out)."""
    module_id = owner_of(app, rule)
    found = {}
    for arg in rule.arguments - {"space_slug"}:
        column = "id" if arg in id_arguments(rule) else arg
        value = existing_value(arg, column, module_id, space)
        if value is not None:
            found[arg] = value
    return found


def _swept_rules(app: Flask) -> list[Any]:
    return sorted(
        (r for r in app.url_map.iter_rules()
         if r.endpoint not in SKIPPED and not r.endpoint.endswith(".static")
         and (r.arguments - {"space_slug"})),
        key=lambda r: (r.rule, r.endpoint),
    )


@pytest.mark.parametrize("visibility", ["private", "secret"])
def test_objects_of_another_space_are_404(app: Flask, visibility: str, quiet_errors: None) -> None:
    space_a, space_b, xavier = _world(app, visibility)
    client = sign_in(app, xavier, PASSWORD)
    failures: list[str] = []
    swept: dict[str, int] = {}
    for rule in _swept_rules(app):
        if rule.endpoint in NOT_SPACE_OBJECTS or rule.arguments & NOT_OBJECT_ARGUMENTS:
            continue
        found = _found_in(app, rule, space_a)
        if not found or set(found) != rule.arguments - {"space_slug"}:
            continue  # no object of A for this route (its module seeds none)
        values = {**fill(app, rule, space_a), **found}
        if "space_slug" in rule.arguments:
            values["space_slug"] = space_b.slug
        path = build_path(rule, values)
        methods = (["GET"] if method_of(rule) == "GET" else []) + write_methods(rule)
        missing = build_path(rule, {**values, **{a: MISSING_ID for a in id_arguments(rule)}})
        for method in methods:
            status = request(client, method, path).status_code
            swept[owner_of(app, rule) or "core"] = swept.get(owner_of(app, rule) or "core", 0) + 1
            if status == 404:
                continue
            # An API refusing an empty body (422) before looking the object up tells
            # nothing either: accepted only if a missing object gets the same answer.
            control = request(client, method, missing).status_code if id_arguments(rule) else None
            if not (status == 422 and control == 422):
                failures.append(f"{method} {path} [{rule.endpoint}] = {status} (missing id: {control})")
    modules_with_ids = {
        owner_of(app, r) for r in _swept_rules(app) if owner_of(app, r) and _found_in(app, r, space_a)
    }
    assert modules_with_ids <= set(swept), f"modules never swept: {modules_with_ids - set(swept)}"
    assert sum(swept.values()) >= 20, f"suspiciously few routes swept: {swept}"
    assert not failures, f"{len(failures)} objects of space A reachable from space B:\n" + "\n".join(failures)


def _content_objects(space: Any) -> list[tuple[str, int]]:
    """(content type, id) of one object per content type in ``space``."""
    platform = current_platform()
    found = []
    for type_id in platform.content_types:
        module_id = type_id.split(".", 1)[0]
        kind = type_id.split(".", 1)[1]
        object_id = existing_value(f"{kind}_id", "id", module_id, space)
        if object_id is not None:
            found.append((type_id, object_id))
    return found


@pytest.mark.parametrize("visibility", ["private", "secret"])
def test_content_routes_refuse_targets_of_another_space(app: Flask, visibility: str, quiet_errors: None) -> None:
    space_a, space_b, xavier = _world(app, visibility)
    targets = _content_objects(space_a)
    assert len(targets) >= 3, f"too few content types with demo content: {targets}"
    client = sign_in(app, xavier, PASSWORD)
    failures = []
    base = f"/s/{space_b.slug}/content"
    for type_id, object_id in targets:
        form = {"target_type": type_id, "target_id": str(object_id)}
        for path, data in (
            (f"{base}/comments", {**form, "body": "Hello from B"}),
            (f"{base}/reactions", {**form, "emoji": "👍", "kind": "like"}),
        ):
            response = request(client, "POST", path, data)
            if response.status_code != 404:
                failures.append(f"POST {path} {data} = {response.status_code}")
    comments = db.session.scalar(db.select(db.func.count()).select_from(Comment).filter_by(author_id=xavier.id))
    assert comments == 0, "a comment landed on an object of space A"
    attachments = db.session.scalar(
        db.select(db.func.count()).select_from(Attachment).filter_by(space_id=space_b.id)
    )
    assert attachments == 0
    assert not failures, "\n".join(failures)
