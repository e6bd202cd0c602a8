"""The whole journey of a new community, in French, in Chromium, at 375 px and 1280 px.

A user requests a space, a platform admin approves it, the owner builds it from a
template (switches a module on, places its widget, publishes), invites a second person
who creates an account from the invitation mail; then they post and comment, ask and
answer a FAQ question, edit a wiki page and read the diff, upload and preview a
document, create an event and answer it, chat live between two browsers, and search.

Everything goes through the pages, like a person would (forms, buttons, links); the
database is only read for assertions and the mail outbox for the invitation link.
Every page loaded is audited: axe-core (WCAG 2.1 A and AA) must find nothing, and a
full-page screenshot is saved under ``artifacts/screenshots/<width>/NN-<step>.png``
(``PARVIS_SCREENSHOT_DIR`` moves the folder; CI keeps it as an artifact).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browser_support import PageAudit, drag, screenshot_dir, until
from documents_support import pdf, png
from flask import Flask

from parvis.extensions import db
from parvis.models import Membership, Space
from parvis.search.service import EXTENSION_KEY
from parvis.search.whoosh_backend import WhooshBackend
from parvis.services import mail

pytestmark = [
    pytest.mark.browser,
    # French is the product's default; the search index is fed by its writer thread, as in production.
    pytest.mark.config(BABEL_DEFAULT_LOCALE="fr", SEARCH_QUEUE="thread"),
]

PASSWORD = "correct horse battery"  # noqa: S105
SLUG = "mediatheques"
SPACE_NAME = "Réseau des médiathèques"
MEMBER_EMAIL = "bruno@example.org"
#: A rare word every piece of content carries, so the final search finds them all.
WORD = "héliotrope"


@dataclass
class Journey:
    """The people's browser pages and the audit watching them."""

    base: str
    width: int
    audit: PageAudit
    browser: object
    owner: object = None
    member: object = None

    def open(self, email: str | None = None) -> object:
        """A new browser context (French, this width) with one page, signed in if ``email``."""
        context = self.browser.new_context(
            viewport={"width": self.width, "height": 900}, locale="fr-FR", bypass_csp=True
        )
        page = context.new_page()
        self.audit.watch(page)
        if email:
            self.sign_in(page, email)
        return page

    def sign_in(self, page, email: str) -> None:  # noqa: ANN001
        page.goto(self.base + "/login")
        self.audit.check(page, "connexion")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        submit(page, page.locator("main button[type=submit]"))
        assert page.locator(".site-nav").get_by_role("button", name="Se déconnecter").count() == 1
        self.audit.check(page, "accueil-connecte")

    def step(self, page, name: str) -> None:  # noqa: ANN001
        self.audit.check(page, name)


def follow(page, target) -> None:  # noqa: ANN001
    """Click a link or a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        target.click()


submit = follow


def nav(page, name: str) -> None:  # noqa: ANN001
    """Follow a link of the space's navigation."""
    follow(page, page.locator("nav.space-nav").get_by_role("link", name=name, exact=True))


def flash(page) -> str:  # noqa: ANN001
    return " ".join(page.locator(".flashes .flash").all_inner_texts())


def replace_text(page, field_id: str, text: str) -> None:  # noqa: ANN001
    """Replace the text of a live co-edited field by typing in its editor, as a person would."""
    editor = page.locator(".coedit__editor .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)
    until(page, f"document.getElementById({field_id!r}).value === {text!r}")


# -- the steps ----------------------------------------------------------------------------


def request_space(j: Journey) -> None:
    page = j.owner
    follow(page, page.locator(".site-nav").get_by_role("link", name="Mes espaces"))
    j.step(page, "mes-espaces")
    follow(page, page.locator("main").get_by_role("link", name="Demander un nouvel espace"))
    j.step(page, "demande-formulaire")
    assert page.get_by_role("heading", level=1).inner_text() == "Demander un nouvel espace"
    page.fill("#name", SPACE_NAME)
    page.fill("#slug", SLUG)
    page.fill("#purpose", "Partager les pratiques des médiathèques du réseau.")
    page.select_option("#visibility", "private")
    page.get_by_label("Communauté de pratique").check()
    submit(page, page.get_by_role("button", name="Envoyer la demande"))
    assert page.url.endswith("/spaces/requests")
    assert "Votre demande a été transmise aux gestionnaires de communauté." in flash(page)
    assert SPACE_NAME in page.locator("main").inner_text()
    j.step(page, "demande-envoyee")


def approve(j: Journey, admin_email: str) -> None:
    page = j.open(admin_email)
    follow(page, page.locator(".site-nav").get_by_role("link", name="Administration"))
    j.step(page, "admin")
    follow(page, page.locator("main").get_by_role("link", name="Examiner les demandes"))
    j.step(page, "admin-demandes")
    card = page.locator(".space-request", has_text=SPACE_NAME)
    assert "Partager les pratiques" in card.inner_text()
    submit(page, card.get_by_role("button", name=f"Approuver {SPACE_NAME}"))
    assert SPACE_NAME in page.locator("main").inner_text()
    assert page.locator(".space-request", has_text=SPACE_NAME).count() == 0
    j.step(page, "admin-approuvee")
    page.context.close()


def build(j: Journey) -> None:
    page = j.owner
    page.reload()
    j.step(page, "demande-approuvee")
    follow(page, page.get_by_role("link", name="Ouvrir l’espace"))
    assert page.url.endswith(f"/s/{SLUG}/")
    assert page.locator(".space-header__name").inner_text().strip() == SPACE_NAME
    j.step(page, "espace-accueil")
    # Switch the calendar on (the template leaves it off).
    nav(page, "Paramètres")
    j.step(page, "parametres")
    follow(page, page.get_by_role("link", name="Constructeur", exact=True))
    assert page.get_by_role("heading", level=1).inner_text() == "Construire l’espace"
    j.step(page, "constructeur")
    follow(page, page.locator("nav.settings-tabs").get_by_role("link", name="Modules", exact=True))
    j.step(page, "constructeur-modules")
    submit(page, page.get_by_role("button", name=re.compile(r"^Activer Agenda")))
    assert "est activé" in flash(page)
    j.step(page, "module-agenda-active")
    # Place its "Upcoming events" widget in the sidebar of the home page.
    follow(page, page.locator("nav.settings-tabs").get_by_role("link", name="Page", exact=True))
    j.step(page, "constructeur-page")
    item = page.locator('.builder-palette [data-widget="calendar.upcoming"]')
    if j.width >= 600:
        with page.expect_navigation():
            drag(page, item.locator(".builder-item__label"), page.locator('.builder-region__list[data-region="sidebar"]'))
    else:  # on a phone, the palette's buttons (the accessible alternative to dragging)
        item.locator("select").select_option("sidebar")
        submit(page, item.get_by_role("button", name="Ajouter Événements à venir"))
    sidebar = page.locator('.builder-region__list[data-region="sidebar"] [data-widget="calendar.upcoming"]')
    assert sidebar.count() == 1
    j.step(page, "bloc-place")
    submit(page, page.get_by_role("button", name="Publier", exact=True))
    assert "les membres la voient désormais" in flash(page)
    j.step(page, "page-publiee")
    follow(page, page.locator(".space-header__name a"))
    widget = page.locator('[data-region="sidebar"] .widget--calendar-upcoming')
    assert widget.is_visible() and "Événements à venir" in widget.inner_text()
    j.step(page, "accueil-publie")


def invite_and_accept(j: Journey) -> None:
    page = j.owner
    nav(page, "Membres")
    j.step(page, "membres")
    page.fill("#emails", MEMBER_EMAIL)
    page.fill("#message", "Bienvenue dans le réseau !")
    submit(page, page.get_by_role("button", name="Envoyer les invitations"))
    assert f"Invitation envoyée à\u00a0: {MEMBER_EMAIL}" in flash(page)
    j.step(page, "invitation-envoyee")
    # The second person reads the mail and follows its link.
    sent = [m for m in mail.OUTBOX if m["To"] == MEMBER_EMAIL]
    assert len(sent) == 1
    link = re.search(r"https?://\S+(/invitations/\S+)", sent[0].get_content()).group(1)
    member = j.member = j.open()
    member.goto(j.base + link)
    assert member.get_by_role("heading", level=1).inner_text() == f"Invitation dans l’espace {SPACE_NAME}"
    assert member.locator("#email").input_value() == MEMBER_EMAIL  # the invited address, fixed
    assert "Bienvenue dans le réseau !" in member.locator("main").inner_text()
    j.step(member, "invitation-recue")
    member.fill("#name", "Bruno Lefèvre")
    member.fill("#password", PASSWORD)
    member.fill("#confirm", PASSWORD)
    submit(member, member.get_by_role("button", name="Créer mon compte et rejoindre l’espace"))
    assert member.url.endswith(f"/s/{SLUG}/")
    assert f"Bienvenue dans l’espace {SPACE_NAME}" in flash(member)
    j.step(member, "invitation-acceptee")


def post_and_comment(j: Journey) -> None:
    member, owner = j.member, j.owner
    nav(member, "Articles")
    j.step(member, "articles")
    follow(member, member.get_by_role("link", name="Nouvel article").first)
    j.step(member, "article-formulaire")
    member.fill("#title", "Notre fonds local")
    member.fill("#body", f"Le fonds local s'enrichit : un herbier et une {WORD} séchée.")
    submit(member, member.get_by_role("button", name="Publier", exact=True))
    assert member.get_by_role("heading", level=1).inner_text() == "Notre fonds local"
    assert WORD in member.locator("main").inner_text()
    j.step(member, "article-publie")
    post_url = member.url
    # The owner reads it and comments.
    nav(owner, "Articles")
    j.step(owner, "articles-proprietaire")
    follow(owner, owner.locator("main").get_by_role("link", name="Notre fonds local").first)
    assert owner.url == post_url
    j.step(owner, "article-lu")
    owner.locator(".comment-form textarea").first.fill("Bravo, quelle belle trouvaille !")
    submit(owner, owner.locator(".comment-form").first.get_by_role("button", name="Commenter"))
    assert "Votre commentaire est publié." in flash(owner)
    j.step(owner, "commentaire-publie")
    member.reload()
    assert "Bravo, quelle belle trouvaille !" in member.locator("main").inner_text()
    j.step(member, "commentaire-lu")


def faq(j: Journey) -> None:
    member, owner = j.member, j.owner
    nav(member, "FAQ")
    j.step(member, "faq")
    follow(member, member.get_by_role("link", name="Poser une question"))
    j.step(member, "faq-question-formulaire")
    member.fill("#question", f"Comment prêter une {WORD} ?")
    member.fill("#details", "Pour une exposition dans une autre médiathèque.")
    submit(member, member.get_by_role("button", name="Envoyer ma question"))
    assert "votre question a été transmise aux modérateurs" in flash(member)
    assert f"Comment prêter une {WORD} ?" in member.locator("main").inner_text()
    j.step(member, "faq-question-envoyee")
    # The owner answers and publishes it.
    nav(owner, "FAQ")
    j.step(owner, "faq-moderateur")
    follow(owner, owner.get_by_role("link", name=re.compile("^Questions à traiter")))
    j.step(owner, "faq-a-traiter")
    # The first button of the question's row: "Answer" (its hidden text names the question).
    follow(owner, owner.locator("main li", has_text=f"Comment prêter une {WORD}").locator("a.button").first)
    j.step(owner, "faq-reponse-formulaire")
    owner.fill("#answer", "Remplissez la convention de prêt et prévenez l'équipe.")
    submit(owner, owner.get_by_role("button", name="Enregistrer et publier"))
    assert "L’entrée a été enregistrée." in flash(owner)
    j.step(owner, "faq-reponse-publiee")
    nav(member, "FAQ")
    assert "convention de prêt" in member.locator("main").inner_text()
    j.step(member, "faq-reponse-lue")


def wiki(j: Journey) -> None:
    member, owner = j.member, j.owner
    nav(owner, "Wiki")
    j.step(owner, "wiki")
    follow(owner, owner.get_by_role("link", name="Nouvelle page").first)
    j.step(owner, "wiki-nouvelle-page")
    owner.fill("#title", "Charte de prêt")
    owner.fill("#body", f"Les documents se prêtent pour trois semaines.\n\nLa {WORD} reste sur place.")
    submit(owner, owner.get_by_role("button", name="Créer la page"))
    assert owner.get_by_role("heading", level=1).inner_text() == "Charte de prêt"
    j.step(owner, "wiki-page-creee")
    page_url = owner.url
    # The member edits it, then compares the two revisions.
    nav(member, "Wiki")
    j.step(member, "wiki-membre")
    follow(member, member.locator("main").get_by_role("link", name="Charte de prêt").first)
    assert member.url == page_url
    j.step(member, "wiki-page-lue")
    follow(member, member.get_by_role("link", name="Modifier", exact=True))
    # With JavaScript the text is a live co-editor (the textarea stays underneath, in sync).
    member.wait_for_selector(".coedit[data-state=live]", state="attached")
    j.step(member, "wiki-modifier")
    replace_text(member, "body", f"Les documents se prêtent pour quatre semaines.\n\nLa {WORD} reste sur place.")
    member.fill("#summary", "Durée de prêt allongée")
    submit(member, member.get_by_role("button", name="Enregistrer", exact=True))
    assert "quatre semaines" in member.locator("main").inner_text()
    j.step(member, "wiki-modifiee")
    follow(member, member.get_by_role("link", name="Historique"))
    assert "Durée de prêt allongée" in member.locator("main").inner_text()
    j.step(member, "wiki-historique")
    submit(member, member.get_by_role("button", name="Comparer les révisions sélectionnées"))
    diff = member.locator(".wiki-diff").first
    assert diff.locator("ins").first.inner_text().strip() == "quatre"
    assert diff.locator("del").first.inner_text().strip() == "trois"
    # One word each way ("1 mots" today: the wiki's message is not plural-aware yet).
    assert re.search(r"\b1 mot ajouté · 1 mot supprimé\b", member.locator("main").inner_text())
    j.step(member, "wiki-differences")


def documents(j: Journey) -> None:
    member = j.member
    nav(member, "Documents")
    j.step(member, "documents")
    member.set_input_files("#doc-files", [
        {"name": f"affiche-{WORD}.png", "mimeType": "image/png", "buffer": png(640, 480)},
        {"name": "programme.pdf", "mimeType": "application/pdf", "buffer": pdf("Programme des animations")},
    ])
    submit(member, member.get_by_role("button", name="Téléverser", exact=True))
    assert "2 fichiers déposés" in member.locator("main").inner_text()
    j.step(member, "documents-deposes")
    follow(member, member.get_by_role("link", name=f"affiche-{WORD}.png"))
    member.locator("img.doc-preview__image").wait_for()
    assert member.evaluate("document.querySelector('img.doc-preview__image').naturalWidth") > 0
    j.step(member, "document-image")
    member.go_back()
    member.wait_for_load_state()
    j.step(member, "documents-retour")
    follow(member, member.get_by_role("link", name="programme.pdf"))
    frame = member.locator("iframe.doc-preview__pdf")
    assert frame.is_visible() and re.search(r"/d/\d+/pdf$", frame.get_attribute("src"))
    j.step(member, "document-pdf")


def calendar(j: Journey) -> None:
    member, owner = j.member, j.owner
    nav(owner, "Agenda")
    j.step(owner, "agenda")
    follow(owner, owner.get_by_role("link", name="Nouvel événement").first)
    j.step(owner, "agenda-formulaire")
    owner.fill("#title", "Rencontre des bibliothécaires")
    day = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()  # upcoming, whatever the hour
    owner.fill("#start_date", day)
    owner.fill("#start_time", "14:00")
    owner.fill("#end_date", day)
    owner.fill("#end_time", "16:00")
    owner.fill("#location", "Médiathèque centrale")
    submit(owner, owner.get_by_role("button", name="Enregistrer", exact=True))
    assert owner.get_by_role("heading", level=1).inner_text().strip() == "Rencontre des bibliothécaires"
    j.step(owner, "agenda-evenement")
    event_url = owner.url
    # The member finds it in the home page's "Upcoming events" widget.
    follow(member, member.locator(".space-header__name a"))
    widget = member.locator(".widget--calendar-upcoming")
    j.step(member, "accueil-evenement")
    follow(member, widget.get_by_role("link", name=re.compile("Rencontre des bibliothécaires")))
    assert member.url.split("?")[0] == event_url.split("?")[0]
    j.step(member, "agenda-invitation")
    submit(member, member.get_by_role("button", name="Oui", exact=True))
    assert "Votre réponse est enregistrée." in flash(member)
    assert member.get_by_role("button", name="Oui", exact=True).get_attribute("aria-pressed") == "true"
    assert "Médiathèque centrale" in member.locator("main").inner_text()
    j.step(member, "agenda-reponse")


def chat(j: Journey) -> None:
    member, owner = j.member, j.owner
    for page, who in ((owner, "proprietaire"), (member, "membre")):
        nav(page, "Discussions")
        j.step(page, f"discussions-{who}")
        follow(page, page.locator("main h2 a[data-channel]").first)
        page.wait_for_selector("html[data-realtime=online]", state="attached")
        j.step(page, f"salon-{who}")
    for page in (owner, member):  # a mark that a reload would wipe out
        page.evaluate("window.__sameDocument = true")
    owner.fill("#dm-body", f"Bonjour Bruno, la {WORD} est arrivée !")
    owner.locator(".dm-post button[type=submit]").click()
    member.wait_for_selector(f".dm-stream >> text=Bonjour Bruno, la {WORD} est arrivée !")
    member.fill("#dm-body", "Super, je passe la voir demain.")
    member.locator(".dm-post button[type=submit]").click()
    owner.wait_for_selector(".dm-stream >> text=Super, je passe la voir demain.")
    assert owner.locator(".dm-stream .dm-message").count() == member.locator(".dm-stream .dm-message").count() == 2
    assert owner.evaluate("window.__sameDocument") and member.evaluate("window.__sameDocument")  # live, no reload
    # The live messages are on the pages already loaded: audit them again.
    j.step(owner, "salon-en-direct-proprietaire")
    j.step(member, "salon-en-direct-membre")


def search(j: Journey, app: Flask) -> None:
    member = j.member
    app.extensions[EXTENSION_KEY].flush()  # the writer thread has caught up (an assertion aid)
    member.fill("#site-search-q", WORD)
    member.locator("form.site-search button[type=submit]").click()
    member.wait_for_url("**/search?q=*")
    member.wait_for_load_state()
    hits = member.locator(".search-hit").all_inner_texts()
    text = "\n".join(hits)
    for title in ("Notre fonds local", "Charte de prêt", f"Comment prêter une {WORD} ?"):
        assert title in text, f"{title!r} not found by the search: {hits}"
    assert member.get_by_role("heading", level=1).inner_text() == "Rechercher"
    j.step(member, "recherche")


# -- the journey --------------------------------------------------------------------------


@pytest.mark.parametrize("width", [375, 1280])
def test_a_new_community_from_request_to_search(browser, live_url, app, admin, alice, width, tmp_path: Path):  # noqa: ANN001
    service = app.extensions[EXTENSION_KEY]
    service.backend = WhooshBackend(tmp_path / "index")
    service.backend.setup()
    admin_email, owner_email = admin.email, alice.email
    db.session.remove()
    audit = PageAudit(screenshot_dir(str(width)))
    j = Journey(base=live_url, width=width, audit=audit, browser=browser)
    j.owner = j.open(owner_email)

    request_space(j)
    approve(j, admin_email)
    build(j)
    invite_and_accept(j)
    post_and_comment(j)
    faq(j)
    wiki(j)
    documents(j)
    calendar(j)
    chat(j)
    search(j, app)

    audit.assert_all_audited()
    space = db.session.scalar(db.select(Space).filter_by(slug=SLUG))
    roles = dict(db.session.execute(
        db.select(Membership.role, db.func.count()).filter_by(space_id=space.id).group_by(Membership.role)
    ).all())
    assert roles == {"owner": 1, "member": 1}
    assert audit.count >= 40
    for page in (j.owner, j.member):
        page.context.close()


def test_the_audit_notices_a_page_it_did_not_check(browser, live_url, tmp_path: Path):  # noqa: ANN001
    """The gate itself: a page loaded but never checked fails the journey, by its URL."""
    audit = PageAudit(tmp_path)
    context = browser.new_context(viewport={"width": 375, "height": 800}, bypass_csp=True)
    page = context.new_page()
    audit.watch(page)
    page.goto(live_url + "/login")
    audit.check(page, "connexion")
    page.goto(live_url + "/password/reset")  # loaded, never checked
    page.goto(live_url + "/login")
    audit.check(page, "connexion-encore")
    with pytest.raises(AssertionError, match="/password/reset"):
        audit.assert_all_audited()
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["01-connexion.png", "02-connexion-encore.png"]
    context.close()
