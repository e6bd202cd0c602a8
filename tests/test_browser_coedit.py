"""Two people co-edit one wiki page live in Chromium: Alice on a desktop (1280 px), Bob
on a phone (375 px). Each sees the other's text and cursor as they type; Bob loses the
network, keeps typing, comes back and both texts are merged on both sides; saving the
form then records one revision with both authors in the page's history."""

from __future__ import annotations

import pytest
from browser_support import sign_in
from conftest import add_member, make_space, make_user

from parvis.extensions import db
from parvis_modules.wiki import services
from parvis_modules.wiki.models import WikiRevision

pytestmark = pytest.mark.browser

EDITOR = ".coedit__editor .cm-content"
#: Elements of the editor's form sticking out of a phone's screen.
WIDEST = """Array.from(document.querySelectorAll('form, form *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _until(page, expression: str, seconds: float = 15) -> None:  # noqa: ANN001
    """Poll ``expression`` (wait_for_function would need 'unsafe-eval', which the CSP forbids)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


def _text(page) -> str:  # noqa: ANN001
    """The editor's text (CodeMirror lines joined), as the hidden textarea carries it."""
    return page.evaluate("document.getElementById('body').value")


def _has(page, needle: str, seconds: float = 15) -> None:  # noqa: ANN001
    _until(page, f"document.getElementById('body').value.includes({needle!r})", seconds)


def _open(browser, live_url, email, width):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_url, email)
    page.goto(f"{live_url}/s/atelier/wiki/p/notes-de-reunion/edit")
    page.wait_for_selector(".coedit[data-state=live]", state="attached")
    page.wait_for_selector(EDITOR)
    return context, page, errors


def _type_at_end(page, text: str) -> None:  # noqa: ANN001
    page.click(EDITOR)
    page.keyboard.press("Control+End")
    page.keyboard.type(text, delay=15)


def test_two_people_co_edit_a_page_through_a_network_loss(browser, live_url, app):  # noqa: ANN001
    owner = make_user("owner@example.org", "Olga Owner")
    alice = make_user("alice@example.org", "Alice Martin")
    bob = make_user("bob@example.org", "Bob Durand")
    space = make_space(owner, "atelier", "private", name="Atelier")
    add_member(space, alice)
    add_member(space, bob)
    page_row = services.create_page(space, owner, title="Notes de réunion", body="Ordre du jour.")
    db.session.commit()
    page_id = page_row.id
    db.session.remove()

    a_ctx, a, a_errors = _open(browser, live_url, "alice@example.org", 1280)
    b_ctx, b, b_errors = _open(browser, live_url, "bob@example.org", 375)
    assert _text(a) == _text(b) == "Ordre du jour."
    # The textarea is hidden, the editor is labelled by the field's label and fits a phone.
    assert a.locator("#body").is_hidden()
    assert a.get_attribute(EDITOR, "aria-label") == "Content (markdown)"
    assert b.evaluate(WIDEST) == []
    assert b.locator(".coedit__editor .cm-editor").bounding_box()["width"] <= 375

    # 1. Each sees the other's text live, and the other's cursor with their name.
    _type_at_end(a, " Alice écrit.")
    _has(b, "Alice écrit.")
    b.wait_for_selector(".cm-ySelectionCaret", state="attached")
    assert "Alice Martin" in (b.locator(".cm-ySelectionInfo").first.text_content() or "")
    _type_at_end(b, " Bob répond.")
    _has(a, "Bob répond.")

    # 2. Bob loses the network and keeps typing; Alice types meanwhile.
    b_ctx.set_offline(True)
    b.evaluate("window.ParvisRealtime.connect().io.engine.close()")
    b.wait_for_selector(".coedit[data-state=offline]", state="attached")
    _type_at_end(b, " Hors ligne, Bob continue.")
    _type_at_end(a, " Alice ajoute une ligne.")
    a.wait_for_timeout(500)
    assert "Hors ligne" not in _text(a)
    assert "Alice ajoute" not in _text(b)

    # 3. He comes back: both texts are merged on both sides.
    b_ctx.set_offline(False)
    b.wait_for_selector(".coedit[data-state=live]", state="attached", timeout=30000)
    _has(a, "Hors ligne, Bob continue.")
    _has(b, "Alice ajoute une ligne.")
    _until(a, f"document.getElementById('body').value === {_text(b)!r}")
    merged = _text(a)
    for piece in ("Ordre du jour.", "Alice écrit.", "Bob répond.", "Hors ligne, Bob continue.", "Alice ajoute une ligne."):
        assert merged.count(piece) == 1, merged
    b.wait_for_selector(".cm-ySelectionCaret", state="attached")  # Alice's cursor is back
    a.wait_for_selector(".cm-ySelectionCaret", state="attached")

    # 4. Alice saves: one revision with both authors.
    a.click("form[action$='/edit'] button[type=submit]")
    a.wait_for_url("**/wiki/p/notes-de-reunion")
    assert "Alice ajoute une ligne." in a.inner_text("main")
    with app.app_context():
        revs = list(db.session.scalars(
            db.select(WikiRevision).filter_by(page_id=page_id).order_by(WikiRevision.number)
        ))
        assert [r.number for r in revs] == [1, 2]
        assert revs[-1].body == merged
    a.goto(f"{live_url}/s/atelier/wiki/p/notes-de-reunion/history")
    row = a.locator("table.wiki-history tbody tr").first.inner_text()
    assert "Alice Martin" in row and "Bob Durand" in row
    assert a_errors == [] and b_errors == []
    a_ctx.close()
    b_ctx.close()


def test_without_a_live_connection_the_plain_form_still_saves(browser, live_url, app):  # noqa: ANN001
    owner = make_user("owner@example.org", "Olga Owner")
    space = make_space(owner, "atelier", "private", name="Atelier")
    services.create_page(space, owner, title="Notes de réunion", body="Avant")
    db.session.commit()
    db.session.remove()
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    sign_in(page, live_url, "owner@example.org")
    # Socket.IO cannot load: the page stays the plain form.
    page.route("**/socket.io.min.js", lambda route: route.abort())
    page.goto(f"{live_url}/s/atelier/wiki/p/notes-de-reunion/edit")
    assert page.locator("#body").is_visible()
    assert page.locator(".coedit__editor .cm-content").count() == 0
    page.fill("#body", "Après")
    page.click("form[action$='/edit'] button[type=submit]")
    page.wait_for_url("**/wiki/p/notes-de-reunion")
    assert "Après" in page.inner_text("main")
    context.close()


def test_a_note_is_live_accessible_on_a_phone_and_saves_a_version(browser, live_url, app):  # noqa: ANN001
    from browser_support import axe_violations

    from parvis_modules.documents import services as documents
    from parvis_modules.documents.models import DocumentVersion

    owner = make_user("owner@example.org", "Olga Owner")
    space = make_space(owner, "atelier", "private", name="Atelier")
    note = documents.create_note(space, None, "Compte rendu", "Présents :", owner)
    db.session.commit()
    note_id = note.id
    db.session.remove()

    context = browser.new_context(viewport={"width": 375, "height": 800}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_url, "owner@example.org")
    page.goto(f"{live_url}/s/atelier/documents/d/{note_id}/edit")
    page.wait_for_selector(".coedit[data-state=live]", state="attached")
    assert page.get_attribute(EDITOR, "aria-label") == "Text"
    assert page.evaluate(WIDEST) == []
    assert axe_violations(page) == []

    # The keyboard reaches the editor: Shift+Tab from the form's Save button passes
    # "Save version", then lands in the editor.
    page.focus("form.doc-note-form button[type=submit]")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.classList.contains('coedit__save')")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.classList.contains('cm-content')")
    page.keyboard.press("Control+End")
    page.keyboard.type(" Olga, Bob.", delay=10)
    _until(page, "document.getElementById('note-body').value === 'Présents : Olga, Bob.'")
    page.click(".coedit__save")
    page.wait_for_selector(".coedit__status >> text=Version saved", timeout=10000)
    with app.app_context():
        bodies = list(db.session.scalars(
            db.select(DocumentVersion.body).filter_by(document_id=note_id).order_by(DocumentVersion.number)
        ))
    assert bodies == ["Présents :", "Présents : Olga, Bob."]
    assert errors == []
    context.close()


def test_typing_before_the_editor_goes_live_is_kept(browser, live_url, app):  # noqa: ANN001
    owner = make_user("owner@example.org", "Olga Owner")
    space = make_space(owner, "atelier", "private", name="Atelier")
    services.create_page(space, owner, title="Notes de réunion", body="Début")
    db.session.commit()
    db.session.remove()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, live_url, "owner@example.org")
    held = []  # Socket.IO is held back until the person has typed
    page.route("**/socket.io.min.js", lambda route: held.append(route))
    page.goto(f"{live_url}/s/atelier/wiki/p/notes-de-reunion/edit", wait_until="commit")
    page.wait_for_selector("#body")
    page.fill("#body", "Début, puis une suite tapée tout de suite")
    held[0].continue_()
    page.wait_for_selector(".coedit[data-state=live]", state="attached")
    assert page.inner_text(EDITOR) == "Début, puis une suite tapée tout de suite"
    page.click("form[action$='/edit'] button[type=submit]")
    page.wait_for_url("**/wiki/p/notes-de-reunion")
    assert "une suite tapée" in page.inner_text("main")
    context.close()


def test_typing_before_live_over_a_changed_text_keeps_the_plain_form(browser, live_url, app):  # noqa: ANN001
    owner = make_user("owner@example.org", "Olga Owner")
    space = make_space(owner, "atelier", "private", name="Atelier")
    page_row = services.create_page(space, owner, title="Notes de réunion", body="Début")
    db.session.commit()
    ids = (space.id, page_row.id, owner.id)
    db.session.remove()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, live_url, "owner@example.org")
    held = []  # Socket.IO is held back until the person has typed
    page.route("**/socket.io.min.js", lambda route: held.append(route))
    page.goto(f"{live_url}/s/atelier/wiki/p/notes-de-reunion/edit", wait_until="commit")
    page.wait_for_selector("#body")
    page.fill("#body", "Ma version")
    with app.app_context():  # meanwhile someone else saves another text
        from parvis.models import Space, User
        from parvis_modules.wiki.models import WikiPage

        row = db.session.get(WikiPage, ids[1])
        services.save_page(row, db.session.get(Space, ids[0]), db.session.get(User, ids[2]),
                           title=row.title, body="Leur version", base_revision_id=row.current_revision_id)
        db.session.commit()
    held[0].continue_()
    page.wait_for_load_state()
    page.wait_for_timeout(1500)
    assert page.locator(".coedit__editor .cm-content").count() == 0  # stayed the plain form
    assert page.input_value("#body") == "Ma version"
    page.click("form[action$='/edit'] button[type=submit]")
    page.wait_for_selector(".wiki-conflict")  # nothing overwritten: the merge view
    context.close()
