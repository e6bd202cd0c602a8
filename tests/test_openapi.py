"""The OpenAPI document is generated from the URL map and is valid OpenAPI 3."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from parvis.api.openapi import openapi_path, path_parameters

IGNORED = {"HEAD", "OPTIONS"}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_document_is_valid_openapi_3(document):
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["paths"] and document["components"]["schemas"]


def test_every_api_rule_is_documented_with_its_methods(app, document):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")]
    assert len(rules) > 15
    for rule in rules:
        path = openapi_path(rule.rule)
        assert path in document["paths"], rule.rule
        operations = document["paths"][path]
        for method in rule.methods - IGNORED:
            operation = operations.get(method.lower())
            assert operation is not None, (rule.rule, method)
            assert operation["summary"], (rule.rule, method)
        declared = {p["name"] for p in operations.get("parameters", [])}
        assert declared == set(rule.arguments), rule.rule


def test_document_lists_nothing_else(app, document):
    paths = {openapi_path(r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")}
    assert set(document["paths"]) == paths


def test_module_api_is_documented(document):
    """The exercise test module mounts an undeclared API view: it is listed anyway."""
    operation = document["paths"]["/api/v1/spaces/{space_slug}/exercise/items"]["get"]
    assert operation["tags"] == ["exercise"]


def test_operation_ids_are_unique(document):
    ids = [op["operationId"] for ops in document["paths"].values() for key, op in ops.items() if key != "parameters"]
    assert len(ids) == len(set(ids))


def test_security_schemes(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "description": "A personal API token."}
    assert schemes["cookieAuth"]["in"] == "cookie"
    assert {"bearerAuth": []} in document["security"] and {"cookieAuth": []} in document["security"]
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def test_declared_schemas_and_statuses(document):
    paths = document["paths"]
    create = paths["/api/v1/space-requests"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SpaceRequestCreate"
    }
    assert "201" in create["responses"] and "422" in create["responses"]
    listing = paths["/api/v1/spaces"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert names >= {"page", "per_page", "q", "visibility"}
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SpacePage"
    }
    page = document["components"]["schemas"]["SpacePage"]
    assert page["properties"]["data"]["items"] == {"$ref": "#/components/schemas/Space"}
    assert page["properties"]["meta"] == {"$ref": "#/components/schemas/PageMeta"}
    delete = paths["/api/v1/tokens/{token_id}"]["delete"]
    assert "204" in delete["responses"] and "requestBody" not in delete
    member = paths["/api/v1/spaces/{space_slug}/members/{user_id}"]
    params = {p["name"]: p["schema"] for p in member["parameters"]}
    assert params == {"space_slug": {"type": "string"}, "user_id": {"type": "integer"}}
    assert "403" in member["patch"]["responses"] and "404" in member["patch"]["responses"]
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"] == {"$ref": "#/components/schemas/ErrorBody"}


def test_summaries_come_from_docstrings(document):
    assert document["paths"]["/api/v1/me"]["get"]["summary"] == "The signed-in user and their memberships."


@pytest.mark.parametrize(
    ("rule", "path", "params"),
    [
        ("/a/<int:id>/b/<name>", "/a/{id}/b/{name}", [("id", "integer"), ("name", "string")]),
        ("/f/<path:rest>", "/f/{rest}", [("rest", "string")]),
        ("/s/<string(length=2):code>", "/s/{code}", [("code", "string")]),
        ("/u/<uuid:key>", "/u/{key}", [("key", "string")]),
    ],
)
def test_rule_conversion(rule, path, params):
    assert openapi_path(rule) == path
    assert [(p["name"], p["schema"]["type"]) for p in path_parameters(rule)] == params
    assert not re.search(r"[<>]", openapi_path(rule))
