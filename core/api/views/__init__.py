"""Core endpoints of ``/api/v1``; importing this package registers them on ``api_bp``."""

from __future__ import annotations

from . import account, composition, members, modules, search, space_requests, spaces  # noqa: F401
