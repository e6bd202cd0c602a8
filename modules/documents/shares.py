"""Read-only share links to one document, for people without an account.

The token (256 random bits) is shown once, when the link is made; only its SHA-256
is stored, so a database leak reveals no working link. A link works while it is not
revoked, not expired, its document is not in the trash and the space still allows
share links.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask_babel import gettext

from parvis.extensions import db
from parvis.models import Space, utcnow

from .models import Document, ShareLink
from .policy import shares_enabled
from .services import DocError

MAX_DAYS = 90
EXPIRY_CHOICES = (1, 7, 30, 90)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_link(doc: Document, user: Any, days: Any) -> tuple[ShareLink, str]:
    """A new link to ``doc`` valid ``days`` days; returns it and its token."""
    if not shares_enabled(doc.space):
        raise DocError(gettext("Share links are switched off in this space."), None, 403)
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 7
    if not 1 <= days <= MAX_DAYS:
        raise DocError(gettext("A link lasts from 1 to %(n)s days.", n=MAX_DAYS), "days")
    token = secrets.token_urlsafe(32)
    link = ShareLink(space_id=doc.space_id, document_id=doc.id, token_hash=hash_token(token),
                     created_by_id=user.id, expires_at=utcnow() + timedelta(days=days))
    db.session.add(link)
    db.session.flush()
    return link, token


def links_of(doc: Document) -> list[ShareLink]:
    return list(db.session.scalars(
        db.select(ShareLink).filter_by(document_id=doc.id).order_by(ShareLink.created_at.desc())
        .options(db.joinedload(ShareLink.created_by))
    ))


def revoke(link: ShareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = utcnow()


def find_active(token: str) -> ShareLink | None:
    """The working link of ``token``, else None (unknown, revoked, expired, trashed, off)."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(db.select(ShareLink).filter_by(token_hash=hash_token(token)))
    if link is None or not link.active:
        return None
    doc = link.document
    space = db.session.get(Space, link.space_id)
    if doc is None or doc.is_deleted or space is None or not shares_enabled(space):
        return None
    if getattr(space, "status", "active") not in {"active", "archived"}:
        return None
    return link
