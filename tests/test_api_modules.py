"""``/spaces/<slug>/modules``, and a module declaring its own API with ``parvis.api``.

This file is also a tiny module plugin (``apitest``, with a strict settings form and
an API blueprint declared with :func:`parvis.api.api_endpoint`) and a plain one
(``apiplain``, settings without a form). Tests that need them load them through the
``config`` marker.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import TEST_PLUGINS, add_member, make_space
from flask import Blueprint
from marshmallow import Schema, fields, validate
from wtforms import Form, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from parvis import ModuleSpec, hookimpl
from parvis.api import (
    ApiError,
    Page,
    PageQuerySchema,
    api_endpoint,
    current_space,
    load_json_body,
    paginate,
    require,
)
from parvis.extensions import db
from parvis.models import ApiToken, AuditLog, Membership, SpaceModule


def bearer(user) -> dict[str, str]:  # noqa: ANN001
    _row, clear = ApiToken.issue(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


# -- the test modules ------------------------------------------------------------------------


class StrictSettings(Form):
    """Settings of ``apitest``."""

    limit = IntegerField("Limit", validators=[NumberRange(min=1, max=10)])
    title = StringField("Title", validators=[Optional(), Length(max=10)])


api_bp = Blueprint("apitest_api", __name__)


class GreetingSchema(Schema):
    """A greeting."""

    text = fields.String(required=True, validate=validate.Length(min=1, max=20))


class EchoSchema(Schema):
    """What the module answers."""

    space = fields.String(required=True)
    text = fields.String(required=True)


class MemberNameSchema(Schema):
    """A member's user id."""

    user_id = fields.Integer(required=True)


@api_endpoint(api_bp, "/echo", ["POST"], body=GreetingSchema, response=EchoSchema, status=200)
def echo(body: dict[str, Any]) -> dict[str, str]:
    """Echo a greeting back, with the space's slug."""
    require("space.read", current_space())
    if body["text"] == "forbidden":
        raise ApiError(403)
    return {"space": current_space().slug, "text": body["text"]}


@api_endpoint(api_bp, "/members", ["GET"], query=PageQuerySchema, response=MemberNameSchema, paginated=True)
def member_ids(query: dict[str, Any]) -> Page:
    """Member ids of the space, paginated."""
    stmt = db.select(Membership).filter_by(space_id=current_space().id).order_by(Membership.id)
    return paginate(stmt, query)


@api_endpoint(api_bp, "/manual", ["POST"])
def manual() -> dict[str, str]:
    """Load a schema by hand: a ValidationError still becomes a 422."""
    return GreetingSchema().load(load_json_body(Schema.from_dict({"text": fields.Raw()})))


@api_bp.get("/plain")
def plain():  # noqa: ANN201
    """An undeclared view: the document still lists it.

    With this second paragraph as its description.
    """
    return {"ok": True}


class _Plugins:
    @hookimpl
    def parvis_module(self) -> ModuleSpec:
        return ModuleSpec(
            id="apitest",
            name="API test",
            api_blueprint=api_bp,
            settings_form=StrictSettings,
            settings_defaults={"limit": 5, "title": ""},
            default_enabled=False,
        )


class _PlainPlugin:
    @hookimpl
    def parvis_module(self) -> ModuleSpec:
        return ModuleSpec(
            id="apiplain",
            name="Plain",
            settings_defaults={"max": 3, "flag": True, "label": "x"},
            default_enabled=False,
        )


PLUGINS = [*TEST_PLUGINS, _Plugins(), _PlainPlugin()]
with_test_modules = pytest.mark.config(EXTRA_PLUGINS=PLUGINS)


@pytest.fixture
def space(alice):
    return make_space(alice, "team", visibility="private")


# -- listing and switching ---------------------------------------------------------------------


def test_list_modules(client, alice, space):
    body = client.get("/api/v1/spaces/team/modules", headers=bearer(alice)).get_json()
    by_id = {m["id"]: m for m in body}
    assert by_id["posts"]["enabled"] is True
    assert by_id["exercise"]["enabled"] is False
    assert by_id["exercise"]["has_settings_form"] is True
    assert by_id["exercise"]["settings"] == {"motto": ""}
    positions = [m["position"] for m in body]
    assert positions == sorted(positions)


@pytest.mark.parametrize("role", ["guest", "member", "moderator"])
def test_modules_need_space_modules_permission(client, bob, space, role):
    add_member(space, bob, role)
    headers = bearer(bob)
    assert client.get("/api/v1/spaces/team/modules", headers=headers).status_code == 403
    response = client.patch(
        "/api/v1/spaces/team/modules/posts", json={"enabled": False}, headers=headers
    )
    assert response.status_code == 403


def test_switch_off_and_on(client, alice, space):
    headers = bearer(alice)
    response = client.patch("/api/v1/spaces/team/modules/posts", json={"enabled": False}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["enabled"] is False
    detail = client.get("/api/v1/spaces/team", headers=headers).get_json()
    assert "posts" not in detail["enabled_modules"]
    assert db.session.scalar(db.select(AuditLog).filter_by(action="space.module_disabled"))
    response = client.patch("/api/v1/spaces/team/modules/exercise", json={"enabled": True}, headers=headers)
    assert response.get_json()["enabled"] is True
    assert client.get("/api/v1/spaces/team/exercise/items", headers=headers).status_code == 200


def test_position(client, alice, space):
    response = client.patch(
        "/api/v1/spaces/team/modules/posts", json={"position": 42}, headers=bearer(alice)
    )
    assert response.get_json()["position"] == 42
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=space.id, module_id="posts"))
    assert row.position == 42


def test_unknown_module_is_404(client, alice, space):
    response = client.patch(
        "/api/v1/spaces/team/modules/nothing", json={"enabled": True}, headers=bearer(alice)
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404


def test_switched_off_module_api_is_404(client, alice, space):
    assert client.get("/api/v1/spaces/team/exercise/items", headers=bearer(alice)).status_code == 404


def test_settings_through_the_module_form(client, alice, space):
    headers = bearer(alice)
    response = client.patch(
        "/api/v1/spaces/team/modules/exercise", json={"settings": {"motto": "Together"}}, headers=headers
    )
    assert response.status_code == 200
    assert response.get_json()["settings"] == {"motto": "Together"}
    response = client.patch(
        "/api/v1/spaces/team/modules/exercise", json={"settings": {"colour": "red"}}, headers=headers
    )
    assert response.status_code == 422
    assert "settings.colour" in response.get_json()["error"]["fields"]


@with_test_modules
@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"limit": 0}, "settings.limit"),
        ({"limit": "many"}, "settings.limit"),
        ({"title": "far too long a title"}, "settings.title"),
    ],
)
def test_invalid_settings_are_422(client, alice, space, settings, field):
    response = client.patch(
        "/api/v1/spaces/team/modules/apitest", json={"settings": settings}, headers=bearer(alice)
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=space.id, module_id="apitest"))
    assert row is None or row.settings in ({}, {"limit": 5, "title": ""})


@with_test_modules
def test_valid_settings_are_coerced_and_kept(client, alice, space):
    headers = bearer(alice)
    response = client.patch(
        "/api/v1/spaces/team/modules/apitest", json={"settings": {"limit": "7"}}, headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["settings"] == {"limit": 7, "title": ""}
    response = client.patch(
        "/api/v1/spaces/team/modules/apitest", json={"settings": {"title": "Hi"}}, headers=headers
    )
    assert response.get_json()["settings"] == {"limit": 7, "title": "Hi"}


@with_test_modules
def test_settings_without_form_follow_the_defaults_types(client, alice, space):
    headers = bearer(alice)
    ok = client.patch(
        "/api/v1/spaces/team/modules/apiplain", json={"settings": {"max": 9, "flag": False}}, headers=headers
    )
    assert ok.status_code == 200
    assert ok.get_json()["settings"] == {"max": 9, "flag": False, "label": "x"}
    bad = client.patch(
        "/api/v1/spaces/team/modules/apiplain",
        json={"settings": {"max": "nine", "flag": 1, "other": 2}},
        headers=headers,
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"settings.max", "settings.flag", "settings.other"}


# -- a module's own API, declared with parvis.api --------------------------------------------------


def _enable_apitest(client, alice) -> dict[str, str]:  # noqa: ANN001
    headers = bearer(alice)
    response = client.patch("/api/v1/spaces/team/modules/apitest", json={"enabled": True}, headers=headers)
    assert response.status_code == 200
    return headers


@with_test_modules
def test_module_endpoint_validates_and_dumps(client, alice, space):
    headers = _enable_apitest(client, alice)
    response = client.post("/api/v1/spaces/team/apitest/echo", json={"text": "hello"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"space": "team", "text": "hello"}
    response = client.post("/api/v1/spaces/team/apitest/echo", json={"text": ""}, headers=headers)
    assert response.status_code == 422
    assert "text" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/spaces/team/apitest/echo", json={"text": "forbidden"}, headers=headers)
    assert response.status_code == 403


@with_test_modules
def test_validation_error_raised_in_a_view_is_422(client, alice, space):
    headers = _enable_apitest(client, alice)
    response = client.post("/api/v1/spaces/team/apitest/manual", json={"text": ""}, headers=headers)
    assert response.status_code == 422
    assert "text" in response.get_json()["error"]["fields"]
    ok = client.post("/api/v1/spaces/team/apitest/manual", json={"text": "yo"}, headers=headers)
    assert ok.status_code == 200 and ok.get_json() == {"text": "yo"}


@with_test_modules
def test_module_endpoint_is_guarded_by_the_core(client, alice, bob, space):
    _enable_apitest(client, alice)
    response = client.post("/api/v1/spaces/team/apitest/echo", json={"text": "hi"}, headers=bearer(bob))
    assert response.status_code == 403  # private space, bob is not a member
    assert client.post("/api/v1/spaces/team/apitest/echo", json={"text": "hi"}).status_code == 401


@with_test_modules
def test_module_endpoint_paginates(client, alice, bob, carol, space):
    add_member(space, bob)
    add_member(space, carol)
    headers = _enable_apitest(client, alice)
    body = client.get("/api/v1/spaces/team/apitest/members?per_page=2", headers=headers).get_json()
    assert body["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert body["data"] == [{"user_id": alice.id}, {"user_id": bob.id}]


@pytest.mark.config(EXTRA_PLUGINS=PLUGINS, WTF_CSRF_ENABLED=True)
def test_module_api_csrf_exempt_for_tokens_only(client, alice, space):
    from conftest import csrf_token_from

    headers = _enable_apitest(client, alice)
    ok = client.post("/api/v1/spaces/team/apitest/echo", json={"text": "hi"}, headers=headers)
    assert ok.status_code == 200
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": alice.email, "password": "correct horse battery", "csrf_token": token})
    refused = client.post("/api/v1/spaces/team/apitest/echo", json={"text": "hi"})
    assert refused.status_code == 400
    page = client.get("/account/tokens").get_data(as_text=True)
    accepted = client.post(
        "/api/v1/spaces/team/apitest/echo", json={"text": "hi"}, headers={"X-CSRFToken": csrf_token_from(page)}
    )
    assert accepted.status_code == 200


@with_test_modules
def test_module_endpoints_are_in_the_openapi_document(client, alice, space):
    doc = client.get("/api/v1/openapi.json").get_json()
    echo_op = doc["paths"]["/api/v1/spaces/{space_slug}/apitest/echo"]["post"]
    assert echo_op["summary"] == "Echo a greeting back, with the space's slug."
    assert echo_op["tags"] == ["apitest"]
    body_schema = echo_op["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema == {"$ref": "#/components/schemas/Greeting"}
    assert doc["components"]["schemas"]["Greeting"]["required"] == ["text"]
    assert "200" in echo_op["responses"] and "422" in echo_op["responses"]
    listing = doc["paths"]["/api/v1/spaces/{space_slug}/apitest/members"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"page", "per_page"}
    page_ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert page_ref == "#/components/schemas/MemberNamePage"
    plain_op = doc["paths"]["/api/v1/spaces/{space_slug}/apitest/plain"]["get"]
    assert plain_op["summary"] == "An undeclared view: the document still lists it."
    assert plain_op["description"] == "With this second paragraph as its description."
