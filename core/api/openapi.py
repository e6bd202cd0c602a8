"""The OpenAPI 3 document, built from the app's URL map at request time.

Every rule under ``/api/v1`` appears, the core's and every module's, whether or not
it was declared with :func:`~parvis.api.api_endpoint`: declared endpoints bring their
summary, schemas, success status and tags; other views bring their docstring's first
line. Path parameters come from the rule's converters. Nothing is written by hand.
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, fields
from werkzeug.routing import Rule

from .endpoint import BODY_METHODS, EndpointDoc
from .pagination import PageQuerySchema, page_schema

API_PREFIX = "/api/v1"
OPENAPI_VERSION = "3.0.3"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
#: ``<converter(args):name>`` or ``<name>`` in a Werkzeug rule.
RULE_ARG_RE = re.compile(r"<(?:(?P<conv>[a-zA-Z_]\w*)(?:\((?P<args>[^)]*)\))?:)?(?P<name>[a-zA-Z_]\w*)>")
CONVERTER_SCHEMAS: dict[str, dict[str, str]] = {
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"},
    "path": {"type": "string"},
    "string": {"type": "string"},
    "default": {"type": "string"},
    "any": {"type": "string"},
}
PARAMETER_DESCRIPTIONS = {"space_slug": "Address (slug) of the space."}
#: Errors every authenticated endpoint may answer, and their component response names.
ERROR_RESPONSES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    422: "ValidationFailed",
}


class ErrorBodySchema(Schema):
    """The inside of an error answer."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status."})
    message = fields.String(required=True, metadata={"description": "What went wrong, translated."})
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Invalid input: field name -> messages (422 only)."},
    )


class ErrorSchema(Schema):
    """Every error answer of the API: ``{"error": {...}}``."""

    error = fields.Nested(ErrorBodySchema, required=True)


def openapi_path(rule: str) -> str:
    """``/spaces/<space_slug>/members/<int:user_id>`` -> ``/spaces/{space_slug}/members/{user_id}``."""
    return RULE_ARG_RE.sub(lambda m: "{" + m.group("name") + "}", rule)


def path_parameters(rule: str) -> list[dict[str, Any]]:
    """One OpenAPI path parameter per argument of the rule, typed by its converter."""
    params = []
    for match in RULE_ARG_RE.finditer(rule):
        name = match.group("name")
        param: dict[str, Any] = {
            "name": name,
            "in": "path",
            "required": True,
            "schema": dict(CONVERTER_SCHEMAS.get(match.group("conv") or "default", {"type": "string"})),
        }
        if name in PARAMETER_DESCRIPTIONS:
            param["description"] = PARAMETER_DESCRIPTIONS[name]
        params.append(param)
    return params


def _name_resolver() -> Any:
    """Component names: the class name without ``Schema``, qualified by module on a clash."""
    taken: dict[str, type] = {}

    def resolve(schema: type[Schema] | Schema) -> str | None:
        if isinstance(schema, Schema) and (
            schema.only or schema.exclude or schema.partial or schema.load_only or schema.dump_only
        ):
            return None  # a modified schema is inlined where it is used
        cls = schema if isinstance(schema, type) else type(schema)
        name = cls.__name__.removesuffix("Schema") or cls.__name__
        if taken.setdefault(name, cls) is not cls:
            module = getattr(cls, "_parvis_item_module", cls.__module__)
            prefix = "".join(part.title() for part in re.split(r"[._]", module) if part)
            name = f"{prefix}{name}"
            taken.setdefault(name, cls)
        return name

    return resolve


def _operation(app: Flask, rule: Rule, method: str, view: Any, many_methods: bool) -> dict[str, Any]:
    endpoint = rule.endpoint
    doc: EndpointDoc | None = getattr(view, "api_doc", None)
    if doc is None:
        text = (view.__doc__ or "").strip()
        summary = text.partition("\n")[0].strip() or endpoint.rsplit(".", 1)[-1].replace("_", " ")
        doc = EndpointDoc(summary=summary, description=text.partition("\n")[2].strip())
    op: dict[str, Any] = {
        "operationId": f"{endpoint}_{method.lower()}" if many_methods else endpoint,
        "summary": doc.summary,
    }
    if doc.description:
        op["description"] = doc.description
    blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else ""
    module_id = app.extensions["parvis"].blueprint_owners.get(blueprint)
    tags = list(doc.tags) or ([module_id] if module_id else [])
    if tags:
        op["tags"] = tags
    if doc.deprecated:
        op["deprecated"] = True
    parameters: list[dict[str, Any]] = []
    if doc.query is not None:
        parameters.append({"in": "query", "schema": doc.query})
    elif doc.paginated:
        parameters.append({"in": "query", "schema": PageQuerySchema})
    if parameters:
        op["parameters"] = parameters
    if doc.body is not None and method in BODY_METHODS:
        body = doc.body() if isinstance(doc.body, type) else doc.body
        op["requestBody"] = {
            # An empty body is accepted as {} when no field is required.
            "required": any(f.required for f in body.fields.values()),
            "content": {"application/json": {"schema": doc.body}},
        }
    responses: dict[str, Any] = {}
    if doc.response is not None:
        schema = page_schema(doc.response) if doc.paginated else doc.response
        responses[str(doc.status)] = {
            "description": doc.summary,
            "content": {"application/json": {"schema": schema}},
        }
    else:
        responses[str(doc.status)] = {"description": doc.summary}
    errors: set[int] = set(doc.errors)
    if doc.auth:
        errors.add(401)
    if "space_slug" in rule.arguments:
        errors.update({403, 404})
    if doc.body is not None and method in BODY_METHODS:
        errors.update({400, 422})
    if doc.query is not None or doc.paginated:
        errors.add(422)
    for code in sorted(errors):
        name = ERROR_RESPONSES.get(code)
        if name:
            responses[str(code)] = {"$ref": f"#/components/responses/{name}"}
    op["responses"] = responses
    if not doc.auth:
        op["security"] = []
    return op


def build_openapi(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3 document of every ``/api/v1`` rule of ``app``."""
    from .. import __version__

    spec = APISpec(
        title=f"{app.config.get('SITE_NAME', 'Parvis')} API",
        version=__version__,
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin(schema_name_resolver=_name_resolver())],
        info={
            "description": "JSON API of Parvis. Authenticate with a personal token "
            "(`Authorization: Bearer <token>`) or the browser session cookie "
            "(state-changing requests then need the `X-CSRFToken` header).",
        },
        servers=[{"url": "/"}],
        security=[{"bearerAuth": []}, {"cookieAuth": []}],
    )
    spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A personal API token."}
    )
    spec.components.security_scheme(
        "cookieAuth",
        {"type": "apiKey", "in": "cookie", "name": app.config.get("SESSION_COOKIE_NAME", "session")},
    )
    spec.components.schema("Error", schema=ErrorSchema)
    for code, name in ERROR_RESPONSES.items():
        spec.components.response(
            name,
            {
                "description": _ERROR_DESCRIPTIONS[code],
                "content": {"application/json": {"schema": ErrorSchema}},
            },
        )
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith(API_PREFIX)),
        key=lambda r: (r.rule, r.endpoint),
    )
    by_path: dict[str, dict[str, Any]] = {}
    params_of: dict[str, list[dict[str, Any]]] = {}
    for rule in rules:
        path = openapi_path(rule.rule)
        view = app.view_functions[rule.endpoint]
        methods = sorted((rule.methods or set()) - IGNORED_METHODS)
        operations = by_path.setdefault(path, {})
        params_of.setdefault(path, path_parameters(rule.rule))
        for method in methods:
            operations.setdefault(
                method.lower(), _operation(app, rule, method, view, len(methods) > 1)
            )
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations, parameters=params_of[path])
    return spec.to_dict()


_ERROR_DESCRIPTIONS = {
    400: "The request is malformed (not JSON, missing CSRF token...).",
    401: "No valid token or session.",
    403: "Your role does not allow it.",
    404: "Unknown, or not visible to you.",
    409: "Conflicts with the current state.",
    422: "Some values are invalid; `fields` says which.",
}
