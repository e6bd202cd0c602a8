"""Every hook a Parvis module may implement, in one place.

Implement a hook with ``@parvis.hookimpl`` on a function of the same name in the
module registered under the ``parvis.modules`` entry point. Call-sites always pass
keyword arguments, so an implementation may accept only the arguments it needs.
docs/hooks.md documents each hook with an example; tests/test_docs.py keeps the two
in step.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("parvis")


@hookspec
def parvis_module() -> Any:
    """Return the module's :class:`~parvis.plugins.spec.ModuleSpec`."""


@hookspec
def parvis_widgets() -> Any:
    """Return extra :class:`~parvis.plugins.spec.WidgetSpec` objects not tied to a module spec."""


@hookspec
def parvis_search_documents(space: Any) -> Any:
    """Return an iterable of search documents (dicts) for everything the module holds in ``space``."""


@hookspec
def parvis_space_module_enabled(space: Any, module_id: str) -> None:
    """React to ``module_id`` being enabled in ``space`` (seed default content, ...)."""


@hookspec
def parvis_space_module_disabled(space: Any, module_id: str) -> None:
    """React to ``module_id`` being disabled in ``space``; its data must be kept."""


@hookspec
def parvis_space_deleted(space: Any) -> None:
    """Delete or detach the module's data of ``space`` before the space row goes."""


@hookspec
def parvis_member_removed(space: Any, user: Any) -> None:
    """React to ``user`` leaving or being removed from ``space``."""


@hookspec
def parvis_space_access_changed(space: Any) -> None:
    """React to a change of who may read ``space`` (its visibility changed)."""


@hookspec
def parvis_export_space(space: Any, module_id: str) -> Any:
    """Return a JSON-serialisable dict of the module's data in ``space`` if ``module_id`` is yours."""


@hookspec
def parvis_template_slot(slot: str, context: dict[str, Any]) -> Any:
    """Return HTML (Markup or str) to insert at the named template ``slot``, or None."""


@hookspec
def parvis_layouts() -> Any:
    """Return a list of folders, each holding layouts (``<name>/layout.json`` + ``layout.html``)."""


@hookspec
def parvis_themes() -> Any:
    """Return a list of folders, each holding themes (``<name>/theme.json`` + ``theme.css``)."""


@hookspec
def parvis_cli_commands(cli: Any) -> None:
    """Add click commands to the ``parvis`` command group ``cli``."""


@hookspec
def parvis_app_ready(app: Any) -> None:
    """Called once the app is fully configured; register template filters, extensions, ..."""


@hookspec
def parvis_demo_seed(space: Any, module_id: str, users: list[Any]) -> None:
    """Create demo content for ``module_id`` in ``space`` (``parvis demo``); ``users`` are its members."""


@hookspec
def parvis_storage_keys() -> Any:
    """Return an iterable of every storage key the module's rows reference (``parvis storage check``)."""


@hookspec
def parvis_coedit_kinds() -> Any:
    """Return :class:`~parvis.coedit.CoeditKind` objects: the texts the module lets members co-edit live."""


@hookspec
def parvis_seed_content(space: Any, module_id: str, users: list[Any], count: int, rng: Any) -> Any:
    """Bulk-create ``count`` realistic items of ``module_id`` in ``space`` for load tests
    (``parvis seed``); ``users`` are its members, ``rng`` a seeded ``random.Random``.
    Return how many rows were created; do not commit per item (insert in bulk)."""
