"""Core database models. Modules define their own models in their own packages."""

from .activity import Activity, AuditLog, Notification
from .base import UTCDateTime, utcnow
from .coedit import CoeditCoauthor, CoeditDocument, CoeditUpdate
from .composition import CompositionVersion, SpacePage, SpaceTemplate
from .content import Attachment, Comment, Reaction
from .platform import PlatformSetting
from .space import (
    JOIN_POLICIES,
    SPACE_ROLES,
    SPACE_STATUSES,
    VISIBILITIES,
    Invitation,
    JoinRequest,
    Membership,
    Space,
    SpaceModule,
    SpacePermission,
    SpaceRequest,
    role_rank,
)
from .user import PLATFORM_ROLES, ApiToken, User, UserSession, hash_token

__all__ = [
    "JOIN_POLICIES", "PLATFORM_ROLES", "SPACE_ROLES", "SPACE_STATUSES", "VISIBILITIES",
    "Activity", "ApiToken", "CoeditCoauthor", "CoeditDocument", "CoeditUpdate", "CompositionVersion", "SpacePage", "SpaceTemplate", "Attachment", "AuditLog", "Comment", "Invitation", "JoinRequest",
    "Membership", "Notification", "PlatformSetting", "Reaction", "Space", "SpaceModule", "SpacePermission",
    "SpaceRequest", "UTCDateTime", "User", "UserSession", "hash_token", "role_rank", "utcnow",
]
