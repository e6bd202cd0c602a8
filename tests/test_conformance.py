"""Every installed module passes the conformance kit (parvis.testing.conformance).

Parametrised over the ``parvis.modules`` entry points, so a module installed tomorrow
is checked without touching this file. Each check is its own test, so a failure names
the module and the part of the contract it breaks. Runs on SQLite, and on PostgreSQL
when PARVIS_TEST_DATABASE_URL is set (the migration check then uses a scratch
PostgreSQL database next to it).
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points

import pytest
from flask import Flask

from parvis.plugins.manager import ENTRY_POINT_GROUP
from parvis.testing import conformance
from parvis.testing.contract import check_module

MODULES = sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def _assert_clean(module_id: str, check: str, problems: list[str]) -> None:
    report = conformance.format_report(module_id, {check: problems})
    assert problems == [], report


@pytest.mark.parametrize("module_id", MODULES)
def test_contract(app: Flask, module_id: str) -> None:
    _assert_clean(module_id, "contract", check_module(app, module_id))


@pytest.mark.parametrize("module_id", MODULES)
def test_migrations_up_and_down(app: Flask, module_id: str, tmp_path) -> None:  # noqa: ANN001
    database_url = os.environ.get("PARVIS_TEST_DATABASE_URL")
    problems = conformance.check_migrations(app, module_id, database_url, folder=tmp_path)
    _assert_clean(module_id, "migrations", problems)


@pytest.mark.parametrize("visibility", conformance.VISIBILITIES)
@pytest.mark.parametrize("module_id", MODULES)
def test_authorization_matrix(app: Flask, module_id: str, visibility: str) -> None:
    problems = conformance.check_authorization(app, module_id, visibilities=(visibility,))
    _assert_clean(module_id, f"authorization ({visibility})", problems)


@pytest.mark.parametrize("module_id", MODULES)
def test_widgets_render(app: Flask, module_id: str) -> None:
    _assert_clean(module_id, "widgets", conformance.check_widgets(app, module_id))


@pytest.mark.parametrize("module_id", MODULES)
def test_search_documents(app: Flask, module_id: str) -> None:
    _assert_clean(module_id, "search", conformance.check_search_documents(app, module_id))


@pytest.mark.parametrize("module_id", MODULES)
def test_export(app: Flask, module_id: str) -> None:
    _assert_clean(module_id, "export", conformance.check_export(app, module_id))


@pytest.mark.parametrize("module_id", MODULES)
def test_disable_keeps_data_and_enable_restores(app: Flask, module_id: str) -> None:
    _assert_clean(module_id, "toggle", conformance.check_toggle(app, module_id))


def test_every_builtin_module_is_checked() -> None:
    assert {"posts", "faq", "wiki"} <= set(MODULES)
