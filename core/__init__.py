"""Parvis — compose collaborative community spaces from pluggable modules.

This package (the ``core/`` folder) is imported as ``parvis``. Module authors need
only what is re-exported here: :data:`hookimpl`, the spec classes, and the core
services under :mod:`parvis.services`.
"""

from __future__ import annotations

from .plugins.manager import current_platform, hookimpl
from .plugins.spec import ContentType, ModuleSpec, NavEntry, Permission, WidgetContext, WidgetSpec

__version__ = "0.1.0"

__all__ = [
    "ContentType",
    "ModuleSpec",
    "NavEntry",
    "Permission",
    "WidgetContext",
    "WidgetSpec",
    "create_app",
    "current_platform",
    "hookimpl",
]


def create_app(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201
    """Build the Flask app (see :func:`parvis.app.create_app`)."""
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)
