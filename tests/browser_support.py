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
