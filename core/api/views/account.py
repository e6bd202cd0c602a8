"""``/me``, personal tokens and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from ...extensions import db
from ...models import ApiToken, Membership, Space
from .. import api_bp
from ..endpoint import ApiError, api_endpoint
from ..helpers import me
from ..openapi import build_openapi
from ..pagination import Page, PageQuerySchema, paginate
from ..schemas import Extra, MeSchema, TokenCreatedSchema, TokenCreateSchema, TokenSchema
from ..tokens import issue_token, revoke_token


@api_endpoint(api_bp, "/openapi.json", ["GET"], auth=False, tags=["meta"])
def openapi() -> Any:
    """The OpenAPI 3 document of this API, generated from the code."""
    return jsonify(build_openapi(current_app))


@api_endpoint(api_bp, "/me", ["GET"], response=MeSchema, tags=["account"])
def get_me() -> Any:
    """The signed-in user and their memberships."""
    user = me()
    memberships = db.session.scalars(
        db.select(Membership)
        .join(Space, Space.id == Membership.space_id)
        .filter(Membership.user_id == user.id)
        .options(db.contains_eager(Membership.space))
        .order_by(Space.name, Space.id)
    ).all()
    return Extra(user, memberships=memberships)


@api_endpoint(
    api_bp, "/tokens", ["GET"], query=PageQuerySchema, response=TokenSchema, paginated=True,
    tags=["account"],
)
def list_tokens(query: dict[str, Any]) -> Page:
    """My personal API tokens, newest first (revoked and expired ones included)."""
    stmt = (
        db.select(ApiToken)
        .filter_by(user_id=me().id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return paginate(stmt, query)


@api_endpoint(
    api_bp, "/tokens", ["POST"], body=TokenCreateSchema, response=TokenCreatedSchema,
    tags=["account"],
)
def create_token(body: dict[str, Any]) -> Any:
    """Create a personal token; its secret is in this answer only."""
    row, clear = issue_token(me(), body["name"], body.get("expires_in_days"))
    return Extra(row, token=clear)


@api_endpoint(api_bp, "/tokens/<int:token_id>", ["DELETE"], tags=["account"], errors=[404])
def delete_token(token_id: int) -> None:
    """Revoke one of my tokens: it stops working at once."""
    if revoke_token(me(), token_id) is None:
        raise ApiError(404)
