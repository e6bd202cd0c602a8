"""The calendar in Chromium: phone and desktop widths, French, no JavaScript needed."""

from __future__ import annotations

import pytest
from browser_support import sign_in
from test_calendar import build_calendar, paris, single, weekly

from parvis.extensions import db

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [375, 1280])
def test_month_view_fits_and_shows_the_right_layout(browser, live_url, app, width) -> None:  # noqa: ANN001
    cal = build_calendar("private")
    weekly(cal, title="Réunion d'équipe", start=paris(2027, 3, 1, 9))
    single(cal, title="Atelier", start=paris(2027, 3, 3, 14))
    email = cal.member.email
    db.session.remove()
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_url, email)
    page.goto(live_url + "/s/team/calendar/?month=2027-03")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Agenda")
    # The calendar itself fits (the site header is the core's business).
    assert page.evaluate("document.querySelector('main').scrollWidth") <= width
    grid = page.locator("table.cal-month")
    listing = page.locator(".cal-month-list")
    if width < 640:  # phones: the list of the month instead of the grid
        assert not grid.is_visible() and listing.is_visible()
        assert listing.get_by_text("Atelier").is_visible()
    else:
        assert grid.is_visible() and not listing.is_visible()
        assert grid.get_by_text("Atelier").is_visible()
    page.goto(live_url + "/s/team/calendar/agenda?from=2027-03-01")
    assert page.evaluate("document.querySelector('main').scrollWidth") <= width
    assert errors == []
    context.close()


def test_create_and_answer_without_javascript(browser, live_url, app) -> None:  # noqa: ANN001
    cal = build_calendar("private")
    owner, member = cal.owner.email, cal.member.email
    db.session.remove()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 900}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_url, owner)
    page.goto(live_url + "/s/team/calendar/new?date=2027-03-01")
    page.fill("#title", "Comité de pilotage")
    page.fill("#start_time", "09:00")
    page.fill("#end_time", "10:30")
    page.select_option("#repeat", "WEEKLY")
    page.fill("#capacity", "2")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/s/team/calendar/events/" in page.url, page.locator(".errors").all_inner_texts()
    assert "Comité de pilotage" in page.content()
    event_url = page.url
    context.clear_cookies()
    sign_in(page, live_url, member)
    page.goto(event_url)
    page.get_by_role("button", name="Oui", exact=True).click()
    page.wait_for_load_state()
    assert "Votre réponse est enregistrée." in page.content()
    assert page.get_by_role("button", name="Oui", exact=True).get_attribute("aria-pressed") == "true"
    context.close()
