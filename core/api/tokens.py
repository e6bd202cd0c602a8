"""Personal API tokens of the signed-in user: issue and revoke (web page and API)."""

from __future__ import annotations

from datetime import timedelta

from ..extensions import db
from ..models import ApiToken, User, utcnow


def issue_token(user: User, name: str, expires_in_days: int | None) -> tuple[ApiToken, str]:
    """Create a token for ``user`` (committed); return it and its secret, shown once."""
    row, clear = ApiToken.issue(user, name.strip())
    if expires_in_days:
        row.expires_at = utcnow() + timedelta(days=expires_in_days)
    db.session.commit()
    return row, clear


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke ``user``'s token ``token_id`` (committed); None when it is not theirs."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()
    return row


def user_tokens(user: User) -> list[ApiToken]:
    """Every token of ``user``, newest first."""
    return list(
        db.session.scalars(
            db.select(ApiToken)
            .filter_by(user_id=user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )
