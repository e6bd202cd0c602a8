"""``/space-requests``: ask for a space; community managers approve or decline."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import or_

from ...extensions import db
from ...models import SpaceRequest
from ...services.membership import approve_request, decline_request, request_space
from ...services.spaces import SpaceError
from .. import api_bp
from ..endpoint import ApiError, api_endpoint
from ..helpers import me, space_error
from ..pagination import Page, paginate
from ..schemas import (
    ApproveSchema,
    DeclineSchema,
    SpaceRequestCreateSchema,
    SpaceRequestSchema,
    SpaceRequestsQuerySchema,
)


@api_endpoint(
    api_bp, "/space-requests", ["POST"], body=SpaceRequestCreateSchema,
    response=SpaceRequestSchema, tags=["space requests"],
)
def create_space_request(body: dict[str, Any]) -> Any:
    """Ask for a new space (approved at once when the platform auto-approves)."""
    try:
        req = request_space(me(), **body)
    except SpaceError as exc:
        raise space_error(exc) from exc
    db.session.commit()
    return req


@api_endpoint(
    api_bp, "/space-requests", ["GET"], query=SpaceRequestsQuerySchema,
    response=SpaceRequestSchema, paginated=True, tags=["space requests"], errors=[403],
)
def list_space_requests(query: dict[str, Any]) -> Page:
    """My requests; community managers also see every pending request."""
    user = me()
    scope = query.get("scope")
    stmt = db.select(SpaceRequest).options(
        db.selectinload(SpaceRequest.requester),
        db.selectinload(SpaceRequest.decided_by),
        db.selectinload(SpaceRequest.space),
    )
    if scope == "pending":
        if not user.is_community_manager:
            abort(403)
        stmt = stmt.filter(SpaceRequest.status == "pending")
    elif scope == "mine" or not user.is_community_manager:
        stmt = stmt.filter(SpaceRequest.requester_id == user.id)
    else:
        stmt = stmt.filter(
            or_(SpaceRequest.requester_id == user.id, SpaceRequest.status == "pending")
        )
    stmt = stmt.order_by(SpaceRequest.created_at.desc(), SpaceRequest.id.desc())
    return paginate(stmt, query)


def _decidable(request_id: int) -> SpaceRequest:
    if not me().is_community_manager:
        abort(403)
    req = db.session.get(SpaceRequest, request_id)
    if req is None:
        raise ApiError(404)
    return req


@api_endpoint(
    api_bp, "/space-requests/<int:request_id>/approve", ["POST"], body=ApproveSchema,
    response=SpaceRequestSchema, status=200, tags=["space requests"], errors=[403, 404, 409],
)
def approve_space_request(request_id: int, body: dict[str, Any]) -> Any:
    """Approve a request: the space is created and the requester becomes its owner."""
    req = _decidable(request_id)
    try:
        approve_request(req, me(), body.get("message", ""))
    except SpaceError as exc:
        raise space_error(exc) from exc
    db.session.commit()
    return req


@api_endpoint(
    api_bp, "/space-requests/<int:request_id>/decline", ["POST"], body=DeclineSchema,
    response=SpaceRequestSchema, status=200, tags=["space requests"], errors=[403, 404, 409],
)
def decline_space_request(request_id: int, body: dict[str, Any]) -> Any:
    """Decline a request; the message is sent to the requester."""
    req = _decidable(request_id)
    try:
        decline_request(req, me(), body["message"])
    except SpaceError as exc:
        raise space_error(exc) from exc
    db.session.commit()
    return req
