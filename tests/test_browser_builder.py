"""The builder in Chromium: the "Done means" journey of issue 3, with an axe-core scan.

A space owner creates a space from a template, switches a module on, drags its widget
into the sidebar, configures it, changes the accent colour, publishes, and a member
sees exactly that on a phone-sized screen: the "Community of practice" template leaves the
calendar off, the owner switches it on and places its "Upcoming events" widget.
"""

from __future__ import annotations

import pytest
from browser_support import axe_violations, drag, sign_in
from conftest import add_member

from parvis.extensions import db
from parvis.models import Space

pytestmark = pytest.mark.browser
MODULE, WIDGET, WIDGET_LABEL = "calendar", "calendar.upcoming", "Upcoming events"


@pytest.mark.config(SPACE_AUTO_APPROVE=True, BABEL_DEFAULT_LOCALE="en")
@pytest.mark.parametrize("owner_width", [1280, 375])
def test_owner_builds_and_member_sees_it_on_a_phone(browser, live_url, alice, bob, owner_width):  # noqa: ANN001
    errors: list[str] = []
    context = browser.new_context(viewport={"width": owner_width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_url, alice.email)

    # 1. Create a space from a template.
    page.goto(live_url + "/spaces/request")
    page.fill("#name", "Réseau des médiathèques")
    page.fill("#slug", "mediatheques")
    page.fill("#purpose", "Partager nos pratiques")
    page.select_option("#visibility", "public")
    page.get_by_label("Community of practice").check()
    page.click("main button[type=submit]")
    page.wait_for_url("**/s/mediatheques/")
    space = db.session.scalar(db.select(Space).filter_by(slug="mediatheques"))
    add_member(space, bob)

    # 2. Switch the module on in the builder's Modules tab.
    page.goto(live_url + "/s/mediatheques/builder/modules")
    page.get_by_role("button", name="Switch on Calendar").click()
    page.wait_for_load_state()
    assert page.get_by_text("Calendar is switched on.").is_visible()

    # 3. Drag its widget from the palette into the sidebar (drag and drop, SortableJS).
    page.goto(live_url + "/s/mediatheques/builder/page/home")
    assert page.locator(".builder--js").count() == 1
    item = page.locator(f'.builder-palette [data-widget="{WIDGET}"]')
    if owner_width >= 600:
        source = item.locator(".builder-item__label")
        target = page.locator('.builder-region__list[data-region="sidebar"]')
        with page.expect_navigation():
            drag(page, source, target)
    else:  # on a phone the owner uses the palette's buttons (the accessible alternative)
        item.locator("select").select_option("sidebar")
        with page.expect_navigation():
            item.get_by_role("button", name=f"Add {WIDGET_LABEL}").click()
    sidebar = page.locator(f'.builder-region__list[data-region="sidebar"] [data-widget="{WIDGET}"]')
    assert sidebar.count() == 1, page.content()

    # 4. Configure it in the side panel.
    sidebar.get_by_role("link", name=f"Settings {WIDGET_LABEL}").click()
    page.fill("#heading", "Prochains rendez-vous")
    page.get_by_role("button", name="Save the settings").click()
    page.wait_for_load_state()
    assert page.locator(".flash--success").is_visible()
    assert not errors, errors
    assert axe_violations(page) == []

    # 5. Change the accent colour (an unreadable one is refused first).
    page.goto(live_url + "/s/mediatheques/builder/theme")
    page.fill("#accent_color", "#ffdd00")
    page.get_by_role("button", name="Save the theme").click()
    assert "4.5:1" in page.locator(".errors").inner_text()
    page.fill("#accent_color", "#6a1b9a")
    page.get_by_role("button", name="Save the theme").click()
    page.wait_for_load_state()
    assert axe_violations(page) == []

    # 6. Publish.
    page.goto(live_url + "/s/mediatheques/builder/page/home")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    assert "members see it now" in page.locator(".flash--success").inner_text()
    context.close()

    # 7. A member on a phone sees exactly that.
    phone = browser.new_context(viewport={"width": 375, "height": 800}, bypass_csp=True)
    member = phone.new_page()
    sign_in(member, live_url, bob.email)
    member.goto(live_url + "/s/mediatheques/")
    widget = member.locator('[data-region="sidebar"] .widget--calendar-upcoming')
    assert widget.is_visible() and "Prochains rendez-vous" in widget.inner_text()
    accent = member.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    assert accent == "#6a1b9a"
    # Nothing of the composed page is wider than the phone (the site header is not ours).
    wide = member.evaluate(
        "Array.from(document.querySelectorAll('#main *')).filter(e => e.getBoundingClientRect().right > 376)"
        ".slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert wide == [], f"the page is wider than a phone: {wide}"
    # On a phone the regions stack: the sidebar comes after the main column.
    main_box = member.locator('[data-region="main"]').bounding_box()
    side_box = member.locator('[data-region="sidebar"]').bounding_box()
    assert side_box["y"] >= main_box["y"] + main_box["height"] - 1
    assert axe_violations(member) == []
    phone.close()


@pytest.mark.config(BABEL_DEFAULT_LOCALE="en")
def test_builder_works_without_javascript(browser, live_url, alice):  # noqa: ANN001
    from conftest import make_space

    make_space(alice, "sansjs", "public")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    sign_in(page, live_url, alice.email)
    page.goto(live_url + "/s/sansjs/builder/page/home")
    item = page.locator('.builder-palette [data-widget="core.links"]')
    item.locator("select").select_option("sidebar")
    item.get_by_role("button", name="Add Links").click()
    page.wait_for_load_state()
    page.fill("#links", "Service public | https://www.service-public.fr")
    page.get_by_role("button", name="Save the settings").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    page.goto(live_url + "/s/sansjs/")
    assert page.locator('[data-region="sidebar"] a[href="https://www.service-public.fr"]').is_visible()
    context.close()
