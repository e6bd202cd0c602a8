"""Creating users and finding them."""

from __future__ import annotations

import re

from flask_babel import gettext

from ..extensions import db
from ..models import User
from .spaces import slugify


class UserError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def unique_username(name: str, email: str) -> str:
    """A free ``@handle`` derived from the name (or the e-mail's local part)."""
    base = slugify(name).replace("-", ".") or slugify(email.split("@")[0]) or "user"
    base = re.sub(r"\.+", ".", base).strip(".")[:56] or "user"
    candidate, n = base, 1
    while db.session.scalar(db.select(User.id).filter_by(username=candidate)) is not None:
        n += 1
        candidate = f"{base}{n}"
    return candidate


def create_user(email: str, name: str, password: str | None, platform_role: str = "user") -> User:
    """Create an account; raise :class:`UserError` if the e-mail is taken."""
    email = normalise_email(email)
    if db.session.scalar(db.select(User.id).filter_by(email=email)) is not None:
        raise UserError(gettext("An account already exists with this e-mail address."), "email")
    user = User(email=email, name=name.strip(), platform_role=platform_role)
    user.username = unique_username(user.name, email)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))
