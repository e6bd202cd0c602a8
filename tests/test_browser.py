"""Browser journeys in Debian's Chromium through Playwright (phone and desktop widths).

Skipped with a reason on a laptop without /usr/bin/chromium; CI sets
PARVIS_REQUIRE_BROWSER=1, which turns the skip into a failure.
"""

from __future__ import annotations

import pytest
from browser_support import sign_in
from conftest import make_space

from parvis.extensions import db

pytestmark = pytest.mark.browser


@pytest.mark.config(BABEL_DEFAULT_LOCALE="fr")
@pytest.mark.parametrize("width", [360, 1280])
def test_space_home_fits_the_screen_in_french(browser, live_url, alice, width):  # noqa: ANN001
    make_space(alice, "atelier", "public", name="Atelier numérique")
    email = alice.email
    db.session.remove()
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_url, email)
    page.goto(live_url + "/s/atelier/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("link", name="Accueil").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The skip link is the first thing the keyboard reaches.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert errors == []
    context.close()


def test_request_a_space_without_javascript(browser, live_url, alice):  # noqa: ANN001
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    sign_in(page, live_url, alice.email)
    page.goto(live_url + "/spaces/request")
    page.fill("#name", "Réseau des médiathèques")
    page.fill("#slug", "mediatheques")
    page.fill("#purpose", "Partager les pratiques des médiathèques du réseau.")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "/spaces/requests" in page.url, page.locator(".errors").all_inner_texts()
    assert "Réseau des médiathèques" in page.content()
    context.close()
