"""The documents journey in Chromium, at phone and desktop widths: upload a folder's
worth of mixed files, preview a PDF and an image, upload a new version and restore
the old one, share one file by link and open it without an account."""

from __future__ import annotations

import re

import pytest
from browser_support import sign_in
from conftest import make_space
from documents_support import pdf, png

from parvis.extensions import db
from parvis.models import SpaceModule

pytestmark = pytest.mark.browser

#: Elements of the page's main content wider than the screen (visually hidden ones aside).
OVERFLOW_JS = """() => [...document.querySelectorAll('#main *')]
  .filter(e => !e.closest('thead, .visually-hidden') && e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8).map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right))"""


def overflowing(page) -> list[str]:  # noqa: ANN001
    return page.evaluate(OVERFLOW_JS)


@pytest.mark.parametrize("width", [375, 1280])
def test_documents_journey(browser, live_url, alice, width):  # noqa: ANN001
    space = make_space(alice, "atelier", "private", name="Atelier numérique")
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=space.id, module_id="documents"))
    row.settings = {**(row.settings or {}), "share_links": True}
    db.session.commit()
    email = alice.email
    db.session.remove()
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="fr-FR")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_in(page, live_url, email)
    page.goto(live_url + "/s/atelier/documents/")
    page.set_input_files("#doc-files", [
        {"name": "photo.png", "mimeType": "image/png", "buffer": png(640, 480)},
        {"name": "rapport.pdf", "mimeType": "application/pdf", "buffer": pdf("Rapport annuel")},
        {"name": "plan.txt", "mimeType": "text/plain", "buffer": b"premiere version"},
        {"name": "budget.csv", "mimeType": "text/csv", "buffer": b"poste;montant\nlocaux;1200\n"},
        {"name": "page.html", "mimeType": "text/html", "buffer": b"<script>alert(1)</script>"},
    ])
    page.get_by_role("button", name="Téléverser", exact=True).click()
    page.wait_for_load_state()
    assert "5 fichiers déposés" in page.content()
    for name in ("photo.png", "rapport.pdf", "plan.txt", "budget.csv", "page.html"):
        assert page.get_by_role("link", name=name).is_visible()
    assert overflowing(page) == []
    # The image preview is the server-made thumbnail, loaded.
    page.get_by_role("link", name="photo.png").click()
    image = page.locator("img.doc-preview__image")
    image.wait_for()
    # The preview is decoded (not a broken image); waits for the bytes on a loaded machine.
    page.wait_for_function(
        "(() => { const i = document.querySelector('img.doc-preview__image'); return i.complete && i.naturalWidth > 0; })()",
        timeout=15000,
    )
    assert overflowing(page) == []
    # The PDF is framed from its own preview route.
    page.goto(live_url + "/s/atelier/documents/")
    page.get_by_role("link", name="rapport.pdf").click()
    frame = page.locator("iframe.doc-preview__pdf")
    assert frame.is_visible() and re.search(r"/d/\d+/pdf$", frame.get_attribute("src"))
    # HTML is never previewed.
    page.goto(live_url + "/s/atelier/documents/")
    page.get_by_role("link", name="page.html").click()
    assert "Pas d’aperçu pour ce fichier" in page.content()
    # A new version, then back to the first one.
    page.goto(live_url + "/s/atelier/documents/")
    page.get_by_role("link", name="plan.txt").click()
    page.set_input_files("#doc-new-version", {"name": "plan-v2.txt", "mimeType": "text/plain", "buffer": b"seconde version"})
    page.locator("form[action$='/versions'] button").click()
    page.wait_for_load_state()
    assert "seconde version" in page.locator(".doc-text").inner_text()
    page.get_by_role("button", name=re.compile("Restaurer")).first.click()
    page.wait_for_load_state()
    assert "premiere version" in page.locator(".doc-text").inner_text()
    assert "restaurée depuis la version 1" in page.content()
    # A share link, opened by someone without an account.
    page.get_by_role("button", name="Créer un lien de partage").click()
    page.wait_for_load_state()
    url = re.search(r"https?://\S+/m/documents/share/[A-Za-z0-9_-]+", page.content()).group(0)
    stranger = browser.new_context(viewport={"width": width, "height": 800}, locale="fr-FR")
    other = stranger.new_page()
    other.goto(live_url + url[url.index("/m/documents"):])
    assert other.get_by_role("heading", name="plan.txt").is_visible()
    assert other.get_by_role("link", name="Télécharger").is_visible()
    stranger.close()
    assert problems == []
    context.close()
