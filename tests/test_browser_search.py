"""The search box in Chromium: suggestions as you type, keyboard, phone and desktop widths, no JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import sign_in
from conftest import add_member, make_space, make_user
from flask import Flask

from parvis.extensions import db
from parvis.search.service import EXTENSION_KEY, SearchService
from parvis.search.whoosh_backend import WhooshBackend
from parvis_modules.wiki import services as wiki

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app: Flask, tmp_path: Path) -> dict:
    service: SearchService = app.extensions[EXTENSION_KEY]
    service.backend = WhooshBackend(tmp_path / "index")
    service.backend.setup()
    owner = make_user("owner@example.org", "Olivia Owner")
    member = make_user("member@example.org", "Marc Membre")
    space = make_space(owner, "atelier", "private", name="Atelier numérique")
    add_member(space, member)
    for n in range(12):
        wiki.create_page(space, owner, title=f"Cycle de l'eau, partie {n}",
                         body="La photosynthèse et le cycle de l'eau dans les écoles " * 5)
    db.session.commit()
    service.flush()
    email = member.email
    db.session.remove()
    return {"email": email}


@pytest.mark.parametrize("width", [375, 1280])
def test_suggestions_then_results_with_the_keyboard(browser, live_url, world, width) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_url, world["email"])
    box = page.get_by_role("combobox", name="Search spaces, content and people")
    box.click()
    box.type("cycle de l", delay=30)
    listbox = page.get_by_role("listbox")
    listbox.wait_for(state="visible")
    options = page.get_by_role("option")
    assert options.count() >= 2
    assert "Cycle de l'eau" in options.first.inner_text()
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "site-search-option-0"
    page.keyboard.press("Escape")
    assert listbox.is_hidden()
    box.fill("photosynthese")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=photosynthese*")
    assert page.locator(".search-hit").count() == 12
    assert page.locator(".search-hit mark").first.inner_text().lower().startswith("photosynth")
    assert page.get_by_role("heading", level=1).inner_text() == "Search"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert problems == []
    context.close()


def test_search_without_javascript(browser, live_url, world) -> None:  # noqa: ANN001
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    sign_in(page, live_url, world["email"])
    page.fill("#site-search-q", "écoles")
    page.locator("form.site-search button[type=submit]").click()
    page.wait_for_load_state()
    assert "/search?q=" in page.url
    assert page.locator(".search-hit").count() == 12
    page.get_by_text("Filters and sorting").click()
    page.select_option("#search-sort", "date")
    page.locator("details button[type=submit]").click()
    page.wait_for_load_state()
    assert "sort=date" in page.url and page.locator(".search-hit").count() == 12
    context.close()
