"""Bulk generation of realistic wiki content for load tests (``parvis seed``)."""

from __future__ import annotations

from typing import Any

from parvis import hookimpl


@hookimpl
def parvis_seed_content(space: Any, module_id: str, users: list[Any], count: int, rng: Any) -> int | None:
    """Create ``count`` items of this module in ``space`` (written by the performance budget work)."""
    if module_id != "wiki":
        return None
    return 0
