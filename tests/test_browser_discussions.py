"""Two people chatting live in Chromium: one on a phone (375 px), one on a desktop
(1280 px). Live delivery, catch-up after going offline, a mention that raises a
browser notification, a removed member cut off at once, and the no-JavaScript path."""

from __future__ import annotations

import pytest
from browser_support import sign_in
from conftest import add_member, make_space, make_user

from parvis.extensions import db
from parvis.models import Membership
from parvis.services.spaces import remove_member
from parvis_modules.discussions.models import Channel

pytestmark = pytest.mark.browser

#: Records browser notifications instead of showing them (permission granted).
NOTIFICATION_SPY = """
window.__notes = [];
window.Notification = function (title, options) { window.__notes.push({title: title, body: (options || {}).body}); };
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
"""


#: The elements sticking out of the viewport (for a helpful failure message).
WIDEST = """Array.from(document.querySelectorAll('.dm-layout, .dm-layout *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _people_and_space():  # noqa: ANN202
    owner = make_user("owner@example.org", "Olga Owner")
    alice = make_user("alice@example.org", "Alice Martin")
    bob = make_user("bob@example.org", "Bob Durand")
    space = make_space(owner, "atelier", "private", name="Atelier")
    add_member(space, alice)
    add_member(space, bob)
    channel = db.session.scalar(db.select(Channel).filter_by(space_id=space.id))
    return owner, alice, bob, space, channel


def _open(browser, live_url, email, width, channel_id, spy=False):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport={"width": width, "height": 800})
    if spy:
        context.add_init_script(NOTIFICATION_SPY)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_url, email)
    page.goto(f"{live_url}/s/atelier/discussions/c/{channel_id}")
    page.wait_for_selector("html[data-realtime=online]", state="attached")
    return context, page, errors


def _until(page, expression: str, seconds: float = 10) -> None:  # noqa: ANN001
    """Poll ``expression`` (wait_for_function would need 'unsafe-eval', which the CSP forbids)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


def _send(page, text: str) -> None:  # noqa: ANN001
    page.fill("#dm-body", text)
    page.locator(".dm-post button[type=submit]").click()


def test_two_people_chat_live_catch_up_get_mentioned_and_get_cut_off(browser, live_url, app):  # noqa: ANN001
    owner, alice, bob, space, channel = _people_and_space()
    ids = (channel.id, alice.email, bob.email, bob.username, space.id)
    channel_id, alice_email, bob_email, bob_handle, _space_id = ids
    db.session.remove()

    a_ctx, a, a_errors = _open(browser, live_url, alice_email, 1280, channel_id)
    b_ctx, b, b_errors = _open(browser, live_url, bob_email, 375, channel_id, spy=True)

    # 1. Both chat live: no reload.
    _send(a, "Bonjour Bob, tu es là ?")
    b.wait_for_selector(".dm-stream >> text=Bonjour Bob, tu es là ?")
    _send(b, "Oui, je suis là !")
    a.wait_for_selector(".dm-stream >> text=Oui, je suis là !")
    assert a.locator(".dm-stream .dm-message").count() == 2
    assert b.evaluate(WIDEST) == []  # the discussion fits a 375 px phone

    # Typing reaches the other person.
    a.type("#dm-body", "En train d'écrire")
    b.wait_for_selector(".dm-typing >> text=Alice Martin")
    a.fill("#dm-body", "")

    # 2. Bob goes offline, Alice writes twice, Bob comes back and catches up in order.
    b.evaluate("window.ParvisRealtime.connect().disconnect()")
    _send(a, "Premier message pendant ton absence")
    _send(a, "Second message pendant ton absence")
    a.wait_for_selector(".dm-stream >> text=Second message pendant ton absence")
    assert b.locator(".dm-stream >> text=Premier message").count() == 0
    b.evaluate("window.ParvisRealtime.connect().connect()")
    b.wait_for_selector(".dm-stream >> text=Second message pendant ton absence")
    texts = b.locator(".dm-stream .dm-message__body").all_inner_texts()
    assert texts[-2:] == ["Premier message pendant ton absence", "Second message pendant ton absence"]
    assert len(texts) == len(set(texts)) == 4  # no duplicate

    # 3. A mention raises a browser notification for Bob.
    _send(a, f"@{bob_handle} peux-tu relire le compte rendu ?")
    _until(b, "window.__notes.length === 1")
    note = b.evaluate("window.__notes[0]")
    assert "Alice Martin" in note["title"] and "relire" in note["body"]

    # 4. Bob is removed from the space: he stops receiving at once.
    with app.app_context():
        membership = db.session.scalar(
            db.select(Membership).filter_by(space_id=space.id, user_id=bob.id)
        )
        remove_member(membership, db.session.merge(owner))
        db.session.commit()
    b.wait_for_selector(".dm-status >> text=no longer have access")
    _send(a, "Message après le départ de Bob")
    a.wait_for_selector(".dm-stream >> text=Message après le départ de Bob")
    b.wait_for_timeout(500)
    assert b.locator(".dm-stream >> text=Message après le départ de Bob").count() == 0

    assert a_errors == [] and b_errors == []
    a_ctx.close()
    b_ctx.close()


def test_posting_without_javascript_works_as_a_page(browser, live_url, app):  # noqa: ANN001
    _owner, alice, _bob, _space, channel = _people_and_space()
    channel_id, email = channel.id, alice.email
    db.session.remove()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    sign_in(page, live_url, email)
    page.goto(f"{live_url}/s/atelier/discussions/c/{channel_id}")
    page.fill("#dm-body", "Sans JavaScript aussi")
    page.locator(".dm-post button[type=submit]").click()
    page.wait_for_load_state()
    assert "Sans JavaScript aussi" in page.locator(".dm-stream").inner_text()
    assert page.evaluate(WIDEST) == []
    context.close()
