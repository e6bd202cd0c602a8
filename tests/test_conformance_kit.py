"""The conformance kit itself, used the way a third-party module author uses it.

Through the pytest plugin's fixtures only (``parvis_app``, ``parvis_plugins``,
``module_conformance``), as in a module's own repository: the test-only ``exercise``
module passes; a deliberately broken module is caught by each check it breaks.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint

from parvis import ContentType, ModuleSpec, WidgetContext, WidgetSpec, hookimpl
from parvis.testing.conformance import format_report

broken_bp = Blueprint("brokenkit", __name__)


@broken_bp.get("/")
def index() -> str:
    raise RuntimeError("this page always fails")


def _failing_widget(ctx: WidgetContext) -> str:
    raise RuntimeError("this widget always fails")


class BrokenModule:
    """Breaks the contract on purpose: a 500 page, a failing widget, untyped documents."""

    @hookimpl
    def parvis_module(self) -> ModuleSpec:
        return ModuleSpec(
            id="brokenkit",
            name="Broken",
            blueprint=broken_bp,
            widgets=(WidgetSpec(id="brokenkit.fail", label="Fails", render=_failing_widget),),
            content_types=(
                ContentType(id="brokenkit.thing", label="Thing", resolve=lambda i, u: None,
                            url=lambda o: "/", title=lambda o: "thing"),
            ),
        )

    @hookimpl
    def parvis_search_documents(self, space: Any) -> list[dict[str, Any]]:
        return [{"type": "thing", "title": "No id, no URL"}]


BROKEN = BrokenModule()


@pytest.fixture
def parvis_plugins() -> list[Any]:
    return ["plugins.exercise_module", BROKEN]


def test_a_conformant_module_passes(parvis_app, module_conformance) -> None:  # noqa: ANN001
    report = module_conformance(parvis_app, "exercise", skip=("migrations",))
    assert set(report) == {"contract", "authorization", "widgets", "search", "export", "toggle"}
    assert not any(report.values()), format_report("exercise", report)


def test_a_broken_module_is_caught(parvis_app, module_conformance) -> None:  # noqa: ANN001
    report = module_conformance(parvis_app, "brokenkit", skip=("migrations",))
    text = format_report("brokenkit", report)
    assert any("server error" in p for p in report["authorization"]), text
    assert any("brokenkit.fail" in p and "fails" in p for p in report["widgets"]), text
    assert any("missing" in p for p in report["search"]), text
    assert any("declares no search_document" in p for p in report["search"]), text
    assert report["contract"] == [], text
