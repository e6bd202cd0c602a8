"""Shared fixtures and helpers of the browser tests (Playwright driving Debian's Chromium).

tests/conftest.py imports the ``browser`` and ``live_url`` fixtures, so every test file
can ask for them; import helpers such as ``sign_in`` from here.

Without /usr/bin/chromium the tests skip with a reason; CI sets
PARVIS_REQUIRE_BROWSER=1, which turns the skip into a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]


def require_browser() -> None:
    """Skip (or fail under CI) when Debian's Chromium is missing."""
    if CHROMIUM.exists():
        return
    reason = "Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
    if os.environ.get("PARVIS_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def live_url(app) -> Iterator[str]:  # noqa: ANN001
    """Serve the test app on a free local port in a thread."""
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def browser() -> Iterator[object]:
    """A headless Chromium launched once per test."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def sign_in(page, base: str, email: str, password: str = "correct horse battery") -> None:  # noqa: ANN001, S107
    """Sign in through the login form."""
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


# -- accessibility (axe-core) and screenshots ----------------------------------------

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
#: The WCAG 2.1 A and AA rules of axe-core (the base of the French RGAA).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Where journeys save their screenshots (overridden by PARVIS_SCREENSHOT_DIR); CI keeps it.
SCREENSHOT_ROOT = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"


def axe_violations(page) -> list[dict]:  # noqa: ANN001
    """Run axe-core (WCAG 2.1 A/AA rules) on the page; return its violations.

    The context must be opened with ``bypass_csp=True``: the app's CSP (rightly) refuses
    the injected script.
    """
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, "
        "resultTypes: ['violations']}); "
        "return r.violations.map(v => ({id: v.id, help: v.help, "
        "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }",
        AXE_TAGS,
    )


def drag(page, source, target) -> None:  # noqa: ANN001
    """Drag ``source`` onto ``target`` with real mouse moves (SortableJS listens to them)."""
    source.scroll_into_view_if_needed()
    box = source.bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    target.scroll_into_view_if_needed()
    tbox = target.bounding_box()
    page.mouse.move(tbox["x"] + 20, tbox["y"] + tbox["height"] - 5, steps=20)
    page.mouse.move(tbox["x"] + 22, tbox["y"] + tbox["height"] - 3, steps=5)
    page.mouse.up()


def until(page, expression: str, seconds: float = 10) -> None:  # noqa: ANN001
    """Poll ``expression`` until it is true (``wait_for_function`` would need
    'unsafe-eval', which the app's CSP forbids)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


def screenshot_dir(name: str) -> Path:
    """The folder of one journey's screenshots: ``$PARVIS_SCREENSHOT_DIR/<name>`` (default
    ``artifacts/screenshots/<name>`` at the repository's root), emptied first."""
    root = Path(os.environ.get("PARVIS_SCREENSHOT_DIR") or SCREENSHOT_ROOT)
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


#: When the page scrolls sideways (wider than the screen), the elements sticking out on
#: the right, outside any scrolling box (for a helpful failure message); else [].
WIDER_THAN_SCREEN = r"""() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const scrolls = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  return [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && !scrolls(e))
    .slice(0, 6)
    .map((e) => e.tagName.toLowerCase() + (typeof e.className === 'string' && e.className.trim()
      ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
}"""


class PageAudit:
    """Checks every page a journey's browser pages load: axe-core, then a full-page screenshot.

    ``watch(page)`` records each page load of ``page``; ``check(page, step)`` runs axe on
    the page shown now (failing with the violations and the URL), saves
    ``<folder>/<NN>-<step>.png`` and marks that load as audited. ``assert_all_audited()``
    fails if a loaded page was never checked, so no page escapes the audit.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.loads: list[list] = []  # [page, url, audited]
        self.errors: list[str] = []
        self.too_wide: list[str] = []

    def watch(self, page) -> None:  # noqa: ANN001
        """Record every page load of ``page`` (and every JavaScript error)."""
        page.on("load", lambda p: self.loads.append([p, p.url, False]))
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))

    def check(self, page, step: str) -> None:  # noqa: ANN001
        """Axe with zero violations on the current page, then its screenshot."""
        page.wait_for_load_state()
        self.count += 1  # the screenshot comes first: a failing page is in the artifacts too
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{step}.png"), full_page=True)
        wide = page.evaluate(WIDER_THAN_SCREEN)
        if wide:
            self.too_wide.append(f"{page.url} ({step}): {wide}")
        violations = axe_violations(page)
        assert violations == [], f"axe-core violations on {page.url} ({step}):\n" + "\n".join(
            f"- {v['id']}: {v['help']} at {', '.join(v['nodes'])}" for v in violations
        )
        for load in reversed(self.loads):  # the latest load of this page is the one shown
            if load[0] is page:
                load[2] = True
                break

    def assert_all_audited(self) -> None:
        """Every page load was followed by a check (axe and screenshot) before the next."""
        missed = [url for _page, url, audited in self.loads if not audited]
        assert missed == [], f"pages loaded but never audited: {missed}"
        assert self.errors == [], f"JavaScript errors: {self.errors}"
        assert self.too_wide == [], "pages wider than the screen:\n" + "\n".join(self.too_wide)
