"""The documentation keeps up with the code (the idea comes from Datasette's test_docs).

* every hook in ``hookspecs.py`` has a ``### name(args)`` heading in docs/hooks.md whose
  arguments are exactly the spec's, and a docstring;
* docs/hooks.md documents no hook that does not exist;
* every template slot used by a core template is listed in docs/hooks.md;
* every page of docs/ is linked from docs/README.md, and relative links resolve.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from parvis.plugins import hookspecs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HEADING_RE = re.compile(r"^###\s+(parvis_\w+)\((.*?)\)\s*$", re.MULTILINE)


def _specs() -> dict[str, object]:
    return {
        name: fn
        for name, fn in vars(hookspecs).items()
        if name.startswith("parvis_") and callable(fn)
    }


def _documented() -> dict[str, list[str]]:
    text = (DOCS / "hooks.md").read_text()
    found: dict[str, list[str]] = {}
    for name, args in HEADING_RE.findall(text):
        assert name not in found, f"{name} is documented twice in docs/hooks.md"
        found[name] = [a.strip() for a in args.split(",") if a.strip()]
    return found


SPEC_NAMES = sorted(_specs())


def test_hookspecs_found() -> None:
    assert "parvis_module" in SPEC_NAMES
    assert len(SPEC_NAMES) >= 10


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_hook_is_documented_with_its_signature(name: str) -> None:
    documented = _documented()
    assert name in documented, f"docs/hooks.md lacks a '### {name}(...)' section"
    spec_args = list(inspect.signature(_specs()[name]).parameters)
    assert documented[name] == spec_args, (
        f"docs/hooks.md documents {name}({', '.join(documented[name])}) "
        f"but hookspecs.py declares {name}({', '.join(spec_args)})"
    )


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_hookspec_has_docstring(name: str) -> None:
    doc = inspect.getdoc(_specs()[name])
    assert doc and doc.strip(), f"hookspec {name} has no docstring"


def test_no_documented_hook_is_unknown() -> None:
    unknown = set(_documented()) - set(SPEC_NAMES)
    assert not unknown, f"docs/hooks.md documents hooks that do not exist: {sorted(unknown)}"


def test_every_hook_section_has_an_example() -> None:
    """Each hook section shows an example implementation (a fenced python block)."""
    text = (DOCS / "hooks.md").read_text()
    sections = re.split(r"^###\s+", text, flags=re.MULTILINE)[1:]
    for section in sections:
        name = section.split("(", 1)[0]
        body = section.split("\n## ", 1)[0]
        assert "```python" in body and "@hookimpl" in body, f"{name}: no example"


def test_template_slots_are_documented() -> None:
    text = (DOCS / "hooks.md").read_text()
    used: set[str] = set()
    for path in (ROOT / "core" / "templates").rglob("*.html"):
        used |= set(re.findall(r"template_slot\(\s*['\"]([\w.-]+)['\"]", path.read_text()))
    assert used, "no template slot found in core templates"
    for slot in sorted(used):
        assert f"| `{slot}` |" in text, f"slot {slot!r} is not listed in docs/hooks.md"


def test_docs_index_links_every_page() -> None:
    index = (DOCS / "README.md").read_text()
    for page in sorted(DOCS.glob("*.md")):
        if page.name != "README.md":
            assert f"({page.name}" in index, f"docs/README.md does not link {page.name}"


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_relative_links_resolve(page: str) -> None:
    text = (DOCS / page).read_text()
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (DOCS / target).resolve().exists(), f"{page}: broken link to {target}"
