"""Marshmallow schemas of the core API (request bodies, query strings, answers)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ..models import JOIN_POLICIES, SPACE_ROLES, VISIBILITIES
from .pagination import PageQuerySchema


class Text(fields.String):
    """A string stripped of surrounding white space when loaded."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class TrimmedEmail(fields.Email):
    """An e-mail address, stripped of surrounding white space before it is checked."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Extra:
    """An object seen through a schema with extra attributes (``role``, counts...)."""

    def __init__(self, obj: Any, **extra: Any) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


def _not_blank(length: int) -> list[validate.Validator]:
    return [validate.Length(min=1, max=length, error=_l("Between 1 and %(n)s characters.", n=length))]


# -- people ---------------------------------------------------------------------------


class UserBriefSchema(Schema):
    """A person as others see them in lists."""

    id = fields.Integer(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)


class MembershipBriefSchema(Schema):
    """One of my memberships."""

    slug = fields.String(attribute="space.slug", required=True)
    name = fields.String(attribute="space.name", required=True)
    role = fields.String(required=True)


class MeSchema(Schema):
    """The signed-in user."""

    id = fields.Integer(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.Email(required=True)
    platform_role = fields.String(required=True, metadata={"enum": ["admin", "community_manager", "user"]})
    job_title = fields.String()
    organisation = fields.String()
    bio = fields.String()
    expertise = fields.List(fields.String())
    locale = fields.String(allow_none=True)
    created_at = fields.DateTime()
    memberships = fields.List(fields.Nested(MembershipBriefSchema))


# -- spaces ---------------------------------------------------------------------------


class SpaceSchema(Schema):
    """A space as listed; ``role`` is yours (null when you are not a member)."""

    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String()
    visibility = fields.String(required=True, metadata={"enum": list(VISIBILITIES)})
    join_policy = fields.String(required=True, metadata={"enum": list(JOIN_POLICIES)})
    status = fields.String(required=True)
    layout = fields.String()
    theme = fields.String()
    accent_color = fields.String(allow_none=True)
    created_at = fields.DateTime()
    role = fields.String(allow_none=True, metadata={"enum": list(SPACE_ROLES)})
    member_count = fields.Integer()


class SpacePermissionsSchema(Schema):
    """What you may do in the space."""

    read = fields.Boolean()
    settings = fields.Boolean()
    modules = fields.Boolean()
    invite = fields.Boolean()
    manage_members = fields.Boolean()


class SpaceDetailSchema(SpaceSchema):
    """A space with its enabled modules (when you may read it) and your permissions."""

    enabled_modules = fields.List(fields.String())
    permissions = fields.Nested(SpacePermissionsSchema)


class SpacesQuerySchema(PageQuerySchema):
    """Filters of the space list."""

    q = Text(validate=validate.Length(max=100), metadata={"description": "Words in the name or address."})
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES))
    member = fields.Boolean(metadata={"description": "Only the spaces I belong to."})


class SpaceUpdateSchema(Schema):
    """Settings of a space (every field optional)."""

    name = Text(validate=_not_blank(120))
    slug = Text(metadata={"description": "New address; the old one stops working."})
    description = Text(validate=validate.Length(max=20000))
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES))
    join_policy = fields.String(validate=validate.OneOf(JOIN_POLICIES))
    layout = fields.String(validate=validate.Length(max=64))
    theme = fields.String(validate=validate.Length(max=64))
    accent_color = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^#[0-9a-fA-F]{6}\Z", error=_l("Use a colour like #1a5fb4.")),
    )


# -- space requests -------------------------------------------------------------------


class SpaceBriefSchema(Schema):
    """A space named in another object."""

    slug = fields.String(required=True)
    name = fields.String(required=True)


class SpaceRequestCreateSchema(Schema):
    """A request to open a space."""

    name = Text(required=True, validate=_not_blank(120))
    slug = Text(required=True, metadata={"description": "Wanted address: a-z, 0-9 and dashes."})
    purpose = Text(load_default="", validate=validate.Length(max=5000))
    audience = Text(load_default="", validate=validate.Length(max=5000))
    visibility = fields.String(load_default="private", validate=validate.OneOf(VISIBILITIES))
    join_policy = fields.String(load_default="request", validate=validate.OneOf(JOIN_POLICIES))


class SpaceRequestSchema(Schema):
    """A request to open a space and its decision."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    purpose = fields.String()
    audience = fields.String()
    visibility = fields.String()
    join_policy = fields.String()
    status = fields.String(required=True, metadata={"enum": ["pending", "approved", "declined"]})
    requester = fields.Nested(UserBriefSchema)
    decided_by = fields.Nested(UserBriefSchema, allow_none=True)
    decision_message = fields.String()
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    space = fields.Nested(SpaceBriefSchema, allow_none=True)


class SpaceRequestsQuerySchema(PageQuerySchema):
    """Which requests to list."""

    scope = fields.String(
        validate=validate.OneOf(("mine", "pending")),
        metadata={
            "description": "mine: my requests; pending: every pending request (community "
            "managers). Default: mine, plus every pending one for community managers."
        },
    )


class ApproveSchema(Schema):
    """An optional word to the requester."""

    message = Text(load_default="", validate=validate.Length(max=5000))


class DeclineSchema(Schema):
    """Why the request is declined (sent to the requester)."""

    message = Text(required=True, validate=_not_blank(5000))


# -- members, joining, invitations -----------------------------------------------------


class MemberSchema(Schema):
    """A member of a space."""

    user = fields.Nested(UserBriefSchema, required=True)
    role = fields.String(required=True, metadata={"enum": list(SPACE_ROLES)})
    joined_at = fields.DateTime(attribute="created_at")


class MembersQuerySchema(PageQuerySchema):
    """Filters of the member list."""

    role = fields.String(validate=validate.OneOf(SPACE_ROLES))
    q = Text(validate=validate.Length(max=100), metadata={"description": "Words in the name."})


class RoleSchema(Schema):
    """A new role."""

    role = fields.String(required=True, validate=validate.OneOf(SPACE_ROLES))


class JoinSchema(Schema):
    """A word to the space's admins (spaces that join on request)."""

    message = Text(load_default="", validate=validate.Length(max=2000))


class JoinResultSchema(Schema):
    """``member``: you joined; ``pending``: your request waits for an admin."""

    status = fields.String(required=True, metadata={"enum": ["member", "pending"]})
    role = fields.String(allow_none=True)
    request_id = fields.Integer(allow_none=True)


class InvitationSchema(Schema):
    """An invitation sent by e-mail."""

    id = fields.Integer(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    message = fields.String()
    status = fields.String(
        required=True, metadata={"enum": ["pending", "accepted", "revoked", "expired"]}
    )
    invited_by = fields.Nested(UserBriefSchema, allow_none=True)
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class InvitationCreateSchema(Schema):
    """Whom to invite, with which role."""

    email = TrimmedEmail(required=True, validate=validate.Length(max=254))
    role = fields.String(load_default="member", validate=validate.OneOf(SPACE_ROLES))
    message = Text(load_default="", validate=validate.Length(max=5000))


class InvitationsQuerySchema(PageQuerySchema):
    """Which invitations to list."""

    status = fields.String(
        load_default="pending",
        validate=validate.OneOf(("pending", "accepted", "revoked", "expired", "all")),
    )


# -- modules ----------------------------------------------------------------------------


class ModuleStateSchema(Schema):
    """An installed module and its state in the space."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String()
    icon = fields.String()
    version = fields.String()
    enabled = fields.Boolean(required=True)
    position = fields.Integer(required=True)
    settings = fields.Dict(keys=fields.String())
    has_settings_form = fields.Boolean()


class ModuleUpdateSchema(Schema):
    """Switch a module on or off, move it, change its settings."""

    enabled = fields.Boolean()
    position = fields.Integer(validate=validate.Range(min=0, max=10000))
    settings = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Validated by the module's settings form; omitted keys keep their value."},
    )


# -- tokens -----------------------------------------------------------------------------


class TokenSchema(Schema):
    """A personal API token (never its secret, except once at creation)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    active = fields.Boolean(attribute="is_usable")


class TokenCreatedSchema(TokenSchema):
    """The new token with its secret, shown this once."""

    token = fields.String(required=True, metadata={"description": "Keep it: it is shown only once."})


class TokenCreateSchema(Schema):
    """A name to recognise the token, and how long it lives."""

    name = Text(required=True, validate=_not_blank(120))
    expires_in_days = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "Days until it stops working; null: never."},
    )
