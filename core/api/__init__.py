"""JSON API ``/api/v1`` of the core, and the toolkit modules use to declare theirs.

Module authors import from here::

    from parvis.api import Page, api_endpoint, current_space, paginate, require

and declare each endpoint once, with its schemas; the OpenAPI document
(``/api/v1/openapi.json``) is built from those declarations (see docs/api.md).
"""

from __future__ import annotations

from flask import Blueprint

from .endpoint import ApiError, EndpointDoc, api_endpoint, flatten_errors, load_json_body
from .helpers import current_space, me, require, space_error
from .pagination import Page, PageMetaSchema, PageQuerySchema, paginate

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import security  # noqa: E402

api_bp.record_once(security.setup)

from . import views  # noqa: E402, F401  (registers the core endpoints on api_bp)

__all__ = [
    "ApiError",
    "EndpointDoc",
    "Page",
    "PageMetaSchema",
    "PageQuerySchema",
    "api_bp",
    "api_endpoint",
    "current_space",
    "flatten_errors",
    "load_json_body",
    "me",
    "paginate",
    "require",
    "space_error",
]
