"""Every exception to ruff's security rules (``S``) is justified, here and in docs/security.md.

Scans ``core/`` and ``modules/`` (migrations excepted): each ``# noqa: S...`` must say why
on the same line (after the codes: ``# noqa: S704 - sanitised by nh3 above``), and each
``S`` rule silenced inline or switched off in pyproject.toml must be listed in
docs/security.md. New modules are scanned as they land.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECURITY_DOC = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
NOQA = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)(?P<rest>.*)$")


def _sources() -> list[Path]:
    return [
        path
        for folder in ("core", "modules")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations/versions" not in path.as_posix()
    ]


def _security_noqas() -> list[tuple[str, list[str], str]]:
    found = []
    for path in _sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = NOQA.search(line)
            if not match:
                continue
            codes = [c.strip() for c in match["codes"].split(",")]
            if any(c.startswith("S") for c in codes):
                found.append((f"{path.relative_to(ROOT)}:{number}", codes, match["rest"]))
    return found


def test_each_inline_security_exception_says_why() -> None:
    unexplained = [
        where for where, _codes, rest in _security_noqas()
        if len(rest.strip(" -—:()").strip()) < 6
    ]
    assert not unexplained, (
        "write the reason after the codes, e.g. `# noqa: S704 - sanitised by nh3 above`:\n"
        + "\n".join(unexplained)
    )


def test_each_silenced_security_rule_is_listed_in_docs() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    switched_off = set(config.get("ignore", []))
    for codes in config.get("per-file-ignores", {}).values():
        switched_off.update(codes)
    inline = {c for _where, codes, _rest in _security_noqas() for c in codes}
    rules = {c for c in switched_off | inline if c.startswith("S")}
    missing = sorted(r for r in rules if f"`{r}`" not in SECURITY_DOC)
    assert not missing, f"security rules silenced but not justified in docs/security.md: {missing}"


def test_ruff_security_rules_are_selected() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    assert "S" in config["select"]
