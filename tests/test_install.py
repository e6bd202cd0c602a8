"""Packaging and operations documents stay in step with the code.

The real non-editable install (``pip install .``) is exercised by ``.ci/run``; these
fast checks catch the usual causes of a broken install or a stale document.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

from parvis.config import DEFAULTS, ENV_ALIASES

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_FOLDERS = ("core", "modules", "layouts", "themes")
IGNORED = {".gitkeep"}


def _package_data_patterns() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return pyproject["tool"]["setuptools"]["package-data"]["*"]


def test_every_data_file_is_declared_as_package_data() -> None:
    patterns = _package_data_patterns()
    forgotten = []
    for folder in PACKAGE_FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix in {".py", ".pyc"}:
                continue
            if path.name in IGNORED:
                continue
            if not any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns):
                forgotten.append(str(path.relative_to(ROOT)))
    assert not forgotten, f"not installed by `pip install .` (add to package-data): {forgotten}"


def test_operations_doc_lists_every_setting() -> None:
    text = (ROOT / "docs" / "operations.md").read_text()
    aliases = {flask_key: env for env, flask_key in ENV_ALIASES.items()}
    missing = [
        key for key in DEFAULTS if f"`PARVIS_{aliases.get(key, key)}`" not in text
    ]
    assert not missing, f"docs/operations.md does not document: {missing}"


def test_readme_holds_the_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = re.search(r'^TEST_COMMAND="(.+)"$', ci, re.M).group(1)
    assert test_command in readme
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/parvis demo" in readme
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111, ".ci/run must be executable"
