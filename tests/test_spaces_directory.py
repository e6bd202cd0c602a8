"""The directory of spaces and space requests (asking, approving, declining)."""

from __future__ import annotations

from conftest import add_member, login, make_space, make_user

from parvis.extensions import db
from parvis.models import Membership, Notification, Space, SpaceRequest
from parvis.testing.queries import count_queries


def test_directory_needs_sign_in(client, alice):
    make_space(alice, "open-data", "public")
    r = client.get("/spaces")
    assert r.status_code == 302
    assert "/login" in r.headers["Location"]


def test_directory_visibility_per_user(client, app, alice, bob, admin):
    make_space(alice, "pub", "public", name="Public Garden")
    make_space(alice, "priv", "private", name="Private Club")
    secret = make_space(alice, "hidden", "secret", name="Secret Lab")
    login(client, bob)
    html = client.get("/spaces").get_data(as_text=True)
    assert "Public Garden" in html and "Private Club" in html
    assert "Secret Lab" not in html
    # a member sees the secret space, with their role badge
    add_member(secret, bob, "moderator")
    html = client.get("/spaces").get_data(as_text=True)
    assert "Secret Lab" in html and "Moderator" in html
    # a platform admin sees everything
    other = app.test_client()
    login(other, admin)
    assert "Secret Lab" in other.get("/spaces").get_data(as_text=True)


def test_directory_search_filters_and_mine(client, alice, bob):
    make_space(alice, "bees", "public", name="Beekeepers", description="Honey and hives")
    make_space(alice, "trains", "private", name="Rail fans", join_policy="open")
    mine = make_space(bob, "bob-own", "public", name="Bob's corner")
    login(client, bob)
    html = client.get("/spaces?q=honey").get_data(as_text=True)
    assert "Beekeepers" in html and "Rail fans" not in html
    html = client.get("/spaces?q=RAIL").get_data(as_text=True)
    assert "Rail fans" in html and "Beekeepers" not in html
    html = client.get("/spaces?visibility=private").get_data(as_text=True)
    assert "Rail fans" in html and "Beekeepers" not in html
    html = client.get("/spaces?join_policy=open").get_data(as_text=True)
    assert "Rail fans" in html and "Beekeepers" not in html
    html = client.get("/spaces?mine=1").get_data(as_text=True)
    assert mine.name.replace("'", "&#39;") in html and "Beekeepers" not in html
    # LIKE wildcards are taken literally
    assert "Beekeepers" not in client.get("/spaces?q=%25").get_data(as_text=True)


def test_directory_join_buttons(client, alice, bob):
    make_space(alice, "open-one", "public", name="Open one", join_policy="open")
    make_space(alice, "ask-one", "private", name="Ask one", join_policy="request")
    make_space(alice, "invite-one", "private", name="Invite one", join_policy="invitation")
    login(client, bob)
    html = client.get("/spaces").get_data(as_text=True)
    assert ">Join<" in html
    assert "Ask to join" in html
    assert "By invitation only" in html


def test_directory_pagination_and_bounded_queries(client, alice, bob):
    for n in range(5):
        make_space(alice, f"space-{n:02d}", "public")
    login(client, bob)
    db.session.expire_all()
    with count_queries() as small:
        assert client.get("/spaces").status_code == 200
    for n in range(5, 30):
        space = make_space(alice, f"space-{n:02d}", "public")
        if n % 2:
            add_member(space, bob)
    db.session.expire_all()
    with count_queries() as big:
        html = client.get("/spaces").get_data(as_text=True)
    assert big.count <= small.count, big.report()
    assert "Page 1 of 2" in html
    html = client.get("/spaces?page=2").get_data(as_text=True)
    assert "Space 29" in html and "Space 00" not in html
    assert client.get("/spaces?page=abc").status_code == 200


# -- requests --------------------------------------------------------------------------


def _request(client, **overrides):  # noqa: ANN001, ANN003, ANN202
    data = {
        "name": "Réseau des médiathèques",
        "slug": "",
        "purpose": "Share practices",
        "audience": "Librarians",
        "visibility": "private",
        "join_policy": "request",
    }
    data.update(overrides)
    return client.post("/spaces/request", data=data)


def test_request_form_and_slug_suggestion(client, alice, manager):
    login(client, alice)
    assert client.get("/spaces/request").status_code == 200
    r = _request(client)
    assert r.status_code == 302
    req = db.session.scalar(db.select(SpaceRequest))
    assert req.slug == "reseau-des-mediatheques"
    assert req.status == "pending" and req.requester_id == alice.id
    # community managers are notified
    assert db.session.scalar(
        db.select(Notification).filter_by(user_id=manager.id, kind="space_request.created")
    )
    html = client.get("/spaces/requests").get_data(as_text=True)
    assert "Réseau des médiathèques" in html and "Waiting for a decision" in html


def test_request_refuses_bad_slugs_and_long_fields(client, alice):
    make_space(alice, "taken", "public")
    login(client, alice)
    r = _request(client, slug="taken")
    assert r.status_code == 422
    assert "already used by another space" in r.get_data(as_text=True)
    r = _request(client, slug="admin")
    assert r.status_code == 422 and "reserved" in r.get_data(as_text=True)
    r = _request(client, slug="Not a slug!")
    assert r.status_code == 422 and "lowercase letters" in r.get_data(as_text=True)
    r = _request(client, name="x" * 121)
    assert r.status_code == 422
    r = _request(client, slug="a" * 65)
    assert r.status_code == 422
    r = _request(client, visibility="galactic")
    assert r.status_code == 422
    r = _request(client, name="日本語")  # nothing to derive an address from
    assert r.status_code == 422 and "Choose an address" in r.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(SpaceRequest)) == 0
    # a second request for the same pending address is refused
    assert _request(client, slug="fresh").status_code == 302
    assert _request(client, slug="fresh").status_code == 422


def test_request_approved_makes_requester_owner(app, client, alice, manager):
    login(client, alice)
    _request(client, name="Urban farming", slug="urban-farming", visibility="public")
    req = db.session.scalar(db.select(SpaceRequest))
    cm = app.test_client()
    login(cm, manager)
    assert "Urban farming" in cm.get("/admin/requests").get_data(as_text=True)
    r = cm.post(f"/admin/requests/{req.id}/approve", data={"message": ""})
    assert r.status_code == 302
    space = db.session.scalar(db.select(Space).filter_by(slug="urban-farming"))
    assert space is not None and space.visibility == "public"
    role = db.session.scalar(db.select(Membership.role).filter_by(space_id=space.id, user_id=alice.id))
    assert role == "owner"
    note = db.session.scalar(db.select(Notification).filter_by(user_id=alice.id, kind="space_request.approved"))
    assert note is not None and "/s/urban-farming/" in note.url
    html = client.get("/spaces/requests").get_data(as_text=True)
    assert "Approved" in html and "/s/urban-farming/" in html
    # deciding twice is refused without a 500
    r = cm.post(f"/admin/requests/{req.id}/approve", data={})
    assert r.status_code in (302, 303)
    assert db.session.scalar(db.select(db.func.count()).select_from(Space)) == 1


def test_request_declined_with_message(app, client, alice, manager):
    login(client, alice)
    _request(client, name="Cats", slug="cats")
    req = db.session.scalar(db.select(SpaceRequest))
    cm = app.test_client()
    login(cm, manager)
    r = cm.post(f"/admin/requests/{req.id}/decline", data={"message": "  "})
    assert r.status_code == 422
    assert "Explain why" in r.get_data(as_text=True)
    db.session.refresh(req)
    assert req.status == "pending"
    r = cm.post(f"/admin/requests/{req.id}/decline", data={"message": "A space about cats exists: join it."})
    assert r.status_code == 302
    db.session.refresh(req)
    assert req.status == "declined"
    assert db.session.scalar(db.select(Notification).filter_by(user_id=alice.id, kind="space_request.declined"))
    html = client.get("/spaces/requests").get_data(as_text=True)
    assert "Declined" in html and "A space about cats exists" in html
    assert db.session.scalar(db.select(Space).filter_by(slug="cats")) is None


def test_auto_approve_opens_space_at_once(app, client, alice):
    app.config["SPACE_AUTO_APPROVE"] = True
    login(client, alice)
    r = _request(client, name="Quick", slug="quick")
    assert r.status_code == 302 and r.headers["Location"].endswith("/s/quick/")
    assert client.get("/s/quick/").status_code == 200


def test_request_needs_sign_in(client):
    r = client.get("/spaces/request")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    make_user("zed@example.org")
    assert client.get("/spaces/requests").status_code == 302
