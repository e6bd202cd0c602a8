"""Declarative JSON endpoints: ``@api_endpoint(bp, rule, methods, body=..., response=...)``.

The decorator registers the view on the blueprint, checks authentication, loads and
validates the query string and the JSON body with marshmallow schemas, dumps the
return value with the response schema, and turns :class:`ApiError` into the API's
error shape. It also attaches an :class:`EndpointDoc` to the view, which the OpenAPI
document (:mod:`parvis.api.openapi`) reads: nothing is described twice.

A view receives the loaded values as keyword arguments ``body`` and ``query`` (when
the endpoint declares them) besides the URL's own arguments, and returns:

* an object or dict, dumped with ``response`` (status ``status``, default 200);
* a :class:`~parvis.api.pagination.Page`, dumped as ``{"data": [...], "meta": {...}}``;
* ``None``: ``204 No Content``;
* a Flask response (or a ``(body, status)`` tuple), passed through untouched.

:class:`ApiError` and marshmallow's ``ValidationError`` raised by the view become
error answers (``422`` with ``fields`` for the latter), after a session rollback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from flask_babel import gettext
from flask_login import current_user
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError

from ..errors import api_error
from ..extensions import db
from .pagination import Page, page_schema

SchemaLike = type[Schema] | Schema

#: Methods whose requests may carry a JSON body.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ApiError(Exception):
    """Raise from an API view to answer ``{"error": {"code", "message", "fields"?}}``."""

    def __init__(
        self, code: int, message: str | None = None, fields: Mapping[str, list[str]] | None = None
    ) -> None:
        super().__init__(message or str(code))
        self.code = code
        self.message = message
        self.fields = dict(fields) if fields else None


@dataclass(frozen=True)
class EndpointDoc:
    """What the OpenAPI document says about one declared endpoint."""

    summary: str
    description: str = ""
    body: SchemaLike | None = None
    query: SchemaLike | None = None
    response: SchemaLike | None = None
    status: int = 200
    paginated: bool = False
    tags: tuple[str, ...] = ()
    auth: bool = True
    errors: tuple[int, ...] = ()
    deprecated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _instance(schema: SchemaLike) -> Schema:
    return schema() if isinstance(schema, type) else schema


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages as ``{"field.sub": ["..."]}`` (``_schema`` for the whole)."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for sub, errors in flatten_errors(value, name).items():
                flat.setdefault(sub, []).extend(errors)
        return flat
    if isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": [gettext(m) for m in messages]}
    if isinstance(messages, list | tuple):
        flat = {}
        for item in messages:
            for sub, errors in flatten_errors(item, prefix).items():
                flat.setdefault(sub, []).extend(errors)
        return flat
    return {prefix or "_schema": [gettext(str(messages))]}


def validation_error(exc: ValidationError) -> ApiError:
    """A 422 :class:`ApiError` listing the invalid fields."""
    return ApiError(422, gettext("Some values are invalid."), flatten_errors(exc.messages))


def load_json_body(schema: SchemaLike, *, partial: bool = False) -> dict[str, Any]:
    """Parse the request body as a JSON object and load it with ``schema`` (or raise)."""
    if request.content_length and not request.is_json:
        # Checked first: a form body may already have been read (and emptied) by a guard.
        raise ApiError(400, gettext("Send a JSON object with the header Content-Type: application/json."))
    raw = request.get_data(cache=True)
    if not raw.strip():
        data: Any = {}
    else:
        if not request.is_json:
            raise ApiError(
                400, gettext("Send a JSON object with the header Content-Type: application/json.")
            )
        data = request.get_json(silent=True)
        if data is None:
            raise ApiError(400, gettext("The request body is not valid JSON."))
    if not isinstance(data, dict):
        raise ApiError(400, gettext("The request body must be a JSON object."))
    bad = _fields_with_nul(data)
    if bad:
        message = gettext("Contains a character that is not allowed.")
        raise ApiError(422, gettext("Some values are invalid."), {name: [message] for name in bad})
    try:
        return _instance(schema).load(data, unknown=RAISE, partial=partial)
    except ValidationError as exc:
        raise validation_error(exc) from exc


def _fields_with_nul(value: Any, prefix: str = "") -> list[str]:
    """Paths of the strings (keys included) of a JSON value that hold a NUL character,
    which no text column stores (PostgreSQL refuses it)."""
    found: list[str] = []
    if isinstance(value, str):
        return [prefix or "_schema"] if "\x00" in value else []
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if "\x00" in str(key):
                found.append(name.replace("\x00", "\\0"))
            else:
                found.extend(_fields_with_nul(item, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_fields_with_nul(item, f"{prefix}.{index}" if prefix else str(index)))
    return found


def load_query(schema: SchemaLike) -> dict[str, Any]:
    """Load the query string with ``schema``; unknown parameters are ignored."""
    try:
        return _instance(schema).load(request.args.to_dict(flat=True), unknown=EXCLUDE)
    except ValidationError as exc:
        raise validation_error(exc) from exc


def _render(result: Any, doc: EndpointDoc) -> Any:
    if isinstance(result, Response | tuple):
        return result
    if result is None:
        return Response(status=204)
    if isinstance(result, Page):
        schema = page_schema(doc.response) if doc.response is not None else None
        payload = schema().dump(result) if schema else result.as_dict()
        return jsonify(payload), doc.status
    if doc.response is not None:
        return jsonify(_instance(doc.response).dump(result)), doc.status
    return jsonify(result), (200 if doc.status == 204 else doc.status)


def _split_docstring(func: Callable[..., Any]) -> tuple[str, str]:
    text = (func.__doc__ or "").strip()
    if not text:
        return "", ""
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip()


def api_endpoint(
    bp: Blueprint,
    rule: str,
    methods: Iterable[str] = ("GET",),
    *,
    summary: str | None = None,
    description: str | None = None,
    body: SchemaLike | None = None,
    query: SchemaLike | None = None,
    response: SchemaLike | None = None,
    status: int | None = None,
    paginated: bool = False,
    partial: bool = False,
    tags: Iterable[str] = (),
    auth: bool = True,
    errors: Iterable[int] = (),
    endpoint: str | None = None,
    deprecated: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a JSON endpoint on ``bp`` and describe it for the OpenAPI document.

    :param rule: URL rule relative to the blueprint (``"/spaces/<space_slug>"``).
    :param summary: one line for the document (default: the docstring's first line).
    :param body: schema of the JSON body; the view receives ``body=<loaded dict>``.
    :param query: schema of the query string; the view receives ``query=<loaded dict>``.
    :param response: schema of the answer (of each item when ``paginated``).
    :param status: success status (default: 201 for POST with a response, 204 for other
        changes without one, else 200).
    :param paginated: the view returns a :class:`Page` (``{"data": [...], "meta": ...}``).
    :param partial: load ``body`` with ``partial=True`` (PATCH: required fields optional).
    :param auth: answer 401 to anonymous requests (default).
    :param errors: error statuses the endpoint may answer besides 401/422 (documented).
    """
    methods = tuple(m.upper() for m in methods)

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        first, rest = _split_docstring(func)
        if response is not None:
            default_status = 201 if "POST" in methods else 200
        else:
            default_status = 200 if "GET" in methods else 204
        doc = EndpointDoc(
            summary=summary or first or func.__name__.replace("_", " "),
            description=description if description is not None else rest,
            body=body,
            query=query,
            response=response,
            status=status or default_status,
            paginated=paginated,
            tags=tuple(tags),
            auth=auth,
            errors=tuple(errors),
            deprecated=deprecated,
        )

        @functools.wraps(func)
        def view(**kwargs: Any) -> Any:
            if auth and not current_user.is_authenticated:
                abort(401)
            try:
                if query is not None:
                    kwargs["query"] = load_query(query)
                if body is not None and request.method in BODY_METHODS:
                    kwargs["body"] = load_json_body(body, partial=partial)
                return _render(func(**kwargs), doc)
            except (ApiError, ValidationError) as exc:
                db.session.rollback()  # nothing half-done survives a refused request
                if isinstance(exc, ValidationError):  # a view that loaded a schema itself
                    exc = validation_error(exc)
                return api_error(exc.code, exc.message, exc.fields)

        view.api_doc = doc  # type: ignore[attr-defined]
        bp.add_url_rule(rule, endpoint=endpoint or func.__name__, view_func=view, methods=methods)
        return view

    return decorator
