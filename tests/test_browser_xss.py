"""The XSS corpus in Chromium: pages full of payloads run none of them.

For each installed module, every payload of tests/xss_payloads.txt is sent through the
module's creation forms (forms of its pages whose action takes no object id) and the
comment form, as in tests/test_xss_corpus.py. Then Chromium, signed in as the owner (who sees drafts and proposals too),
opens the module's pages, the pages the forms led to and the space home, at 375 px and
1280 px, and checks that:

* no dialog opened (``alert``, ``confirm``, ``prompt``);
* the canary ``window.__xss`` that every payload sets was never set;
* the browser reported no Content-Security-Policy violation for scripts (a blocked
  injected script is still an injected script).
"""

from __future__ import annotations

import re

import pytest
from browser_support import sign_in
from flask import Flask
from test_xss_corpus import MODULES, PAYLOADS, _forms_of, _fresh_values, _module_pages, _target

from parvis.testing.routes import request
from parvis.testing.world import PASSWORD, build_world

pytestmark = pytest.mark.browser

WIDTHS = (375, 1280)
WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
});
"""


def _creation_forms(app: Flask, module_id: str, world) -> list:  # noqa: ANN001
    """Forms that create something: no object id in their action (plus comment forms)."""
    return [
        form for form in _forms_of(app, module_id, world)
        if not re.search(r"/\d+(/|$)", form.action) or form.action.endswith("/comments")
    ]


@pytest.mark.parametrize("module_id", MODULES)
def test_no_payload_runs_in_chromium(app: Flask, live_url: str, browser, module_id: str) -> None:  # noqa: ANN001
    app.config["PROPAGATE_TEST_ERRORS"] = False
    world = build_world(app, None, "private", prefix="bx")
    owner = world.client("owner")
    pages = {*_module_pages(app, module_id, world), f"/s/{world.space.slug}/"}
    for form in _creation_forms(app, module_id, world):
        for n, payload in enumerate(PAYLOADS):
            target = _target(request(owner, "POST", form.action, _fresh_values(form, payload, n)))
            if target:
                pages.add(target)
    # Chromium opens pages; downloads (iCalendar files, documents) are not pages.
    pages = {p for p in pages if request(owner, "GET", p).mimetype == "text/html"}
    failures: list[str] = []
    dialogs: list[str] = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_init_script(WATCH)
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        sign_in(page, live_url, world.users["owner"].email, PASSWORD)
        for path in sorted(pages):
            page.goto(live_url + path)
            page.wait_for_load_state("load")
            canary = page.evaluate("window.__xss")
            violations = [v for v in page.evaluate("window.__cspViolations") if v.startswith("script")]
            if dialogs:
                failures.append(f"{width}px {path}: dialog {dialogs}")
                dialogs.clear()
            if canary is not None:
                failures.append(f"{width}px {path}: window.__xss = {canary!r}")
            if violations:
                failures.append(f"{width}px {path}: blocked scripts {violations[:3]}")
        context.close()
    assert len(pages) > 1
    assert not failures, "\n".join(failures)
