"""The members page: roles, removal, invitations and accepting them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import PASSWORD, add_member, login, make_space, make_user

from parvis.extensions import db
from parvis.models import Invitation, Membership, Notification, User, utcnow
from parvis.services import mail


def _role(space, user):  # noqa: ANN001, ANN202
    return db.session.scalar(db.select(Membership.role).filter_by(space_id=space.id, user_id=user.id))


def _membership(space, user):  # noqa: ANN001, ANN202
    return db.session.scalar(db.select(Membership).filter_by(space_id=space.id, user_id=user.id))


def _token_from_mail(index: int = -1) -> str:
    body = mail.OUTBOX[index].get_content()
    match = re.search(r"/invitations/([A-Za-z0-9_-]+)", body)
    assert match, body
    return match.group(1)


@pytest.fixture
def team(app, alice, bob, carol):  # noqa: ANN001, ANN201
    """A private space: alice owns it, bob is a member, carol an admin."""
    space = make_space(alice, "team", "private")
    add_member(space, bob, "member")
    add_member(space, carol, "admin")
    return space


# -- members list and role changes -------------------------------------------------------


def test_members_page_lists_roles_and_profiles(client, team, alice, bob):
    login(client, bob)
    html = client.get("/s/team/members").get_data(as_text=True)
    assert "Alice Martin" in html and "Carol Petit" in html
    assert f"/people/{alice.id}" in html
    assert "Owner" in html and "Admin" in html
    # a member has no management controls and no invite form
    assert 'name="role"' not in html and "Invite people" not in html
    assert "Leave this space" in html


@pytest.mark.parametrize("role", ["guest", "member", "moderator"])
def test_lower_roles_cannot_manage(client, team, bob, carol, role):
    db.session.execute(db.update(Membership).filter_by(user_id=bob.id).values(role=role))
    db.session.commit()
    login(client, bob)
    target = _membership(team, carol)
    assert client.post(f"/s/team/members/{target.id}/role", data={"role": "guest"}).status_code == 403
    assert client.post(f"/s/team/members/{target.id}/remove").status_code == 403
    assert client.post("/s/team/invite", data={"emails": "x@example.org", "role": "member"}).status_code == 403
    assert _role(team, carol) == "admin"
    assert mail.OUTBOX == []


def test_admin_changes_roles_without_escalation(client, team, alice, bob, carol):
    login(client, carol)
    html = client.get("/s/team/members").get_data(as_text=True)
    assert "Invite people" in html
    bob_row = _membership(team, bob)
    r = client.post(f"/s/team/members/{bob_row.id}/role", data={"role": "moderator"})
    assert r.status_code == 302
    assert _role(team, bob) == "moderator"
    assert db.session.scalar(db.select(Notification).filter_by(user_id=bob.id, kind="space.role_changed"))
    # an admin cannot grant owner
    r = client.post(f"/s/team/members/{bob_row.id}/role", data={"role": "owner"})
    assert r.status_code == 403
    assert _role(team, bob) == "moderator"
    # nor touch the owner
    alice_row = _membership(team, alice)
    assert client.post(f"/s/team/members/{alice_row.id}/role", data={"role": "member"}).status_code == 403
    assert client.post(f"/s/team/members/{alice_row.id}/remove").status_code == 403
    assert _role(team, alice) == "owner"
    # unknown role
    assert client.post(f"/s/team/members/{bob_row.id}/role", data={"role": "king"}).status_code == 400


def test_owner_grants_owner_and_last_owner_is_kept(app, client, team, alice, bob, admin):
    login(client, alice)
    bob_row = _membership(team, bob)
    assert client.post(f"/s/team/members/{bob_row.id}/role", data={"role": "owner"}).status_code == 302
    assert _role(team, bob) == "owner"
    # back to one owner; a platform admin cannot demote the last one
    assert client.post(f"/s/team/members/{bob_row.id}/role", data={"role": "member"}).status_code == 302
    pa = app.test_client()
    login(pa, admin)
    alice_row = _membership(team, alice)
    r = pa.post(f"/s/team/members/{alice_row.id}/role", data={"role": "admin"})
    assert r.status_code == 409
    assert "at least one owner" in r.get_data(as_text=True)
    assert _role(team, alice) == "owner"
    r = pa.post(f"/s/team/members/{alice_row.id}/remove")
    assert r.status_code == 409
    assert _role(team, alice) == "owner"


def test_remove_member(client, team, bob, carol):
    login(client, carol)
    bob_row = _membership(team, bob)
    assert client.post(f"/s/team/members/{bob_row.id}/remove").status_code == 302
    assert _role(team, bob) is None
    assert db.session.scalar(db.select(Notification).filter_by(user_id=bob.id, kind="space.member_removed"))
    # removing oneself goes through "leave"
    carol_row = _membership(team, carol)
    assert client.post(f"/s/team/members/{carol_row.id}/remove").status_code == 400


def test_membership_of_another_space_is_404(client, team, alice, carol):
    other = make_space(alice, "other", "public")
    row = _membership(other, alice)
    login(client, carol)
    assert client.post(f"/s/team/members/{row.id}/role", data={"role": "member"}).status_code == 404


# -- invitations ----------------------------------------------------------------------------


def test_invite_several_addresses(client, team, carol):
    login(client, carol)
    r = client.post(
        "/s/team/invite",
        data={"emails": "new1@example.org, new2@example.org\nNEW1@example.org", "role": "guest", "message": "Welcome!"},
    )
    assert r.status_code == 302
    rows = db.session.scalars(db.select(Invitation).order_by(Invitation.email)).all()
    assert [i.email for i in rows] == ["new1@example.org", "new2@example.org"]
    assert {i.role for i in rows} == {"guest"}
    assert len(mail.OUTBOX) == 2 and "Welcome!" in mail.OUTBOX[0].get_content()
    html = client.get("/s/team/members").get_data(as_text=True)
    assert "new2@example.org" in html and "Pending invitations" in html


def test_invite_refuses_bad_input(client, team, carol):
    login(client, carol)
    r = client.post("/s/team/invite", data={"emails": "good@example.org, not-an-address", "role": "member"})
    assert r.status_code == 422
    assert "not-an-address" in r.get_data(as_text=True)
    r = client.post("/s/team/invite", data={"emails": "", "role": "member"})
    assert r.status_code == 422
    r = client.post("/s/team/invite", data={"emails": "x@example.org", "role": "owner"})
    assert r.status_code == 422  # above the admin's own role: not offered
    assert mail.OUTBOX == [] and db.session.scalar(db.select(db.func.count()).select_from(Invitation)) == 0


def test_invitation_of_new_email_creates_account(app, client, team, carol):
    login(client, carol)
    client.post("/s/team/invite", data={"emails": "newcomer@partner.org", "role": "moderator"})
    token = _token_from_mail()
    visitor = app.test_client()
    r = visitor.get(f"/invitations/{token}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "newcomer@partner.org" in html and "Create your account" in html
    r = visitor.post(f"/invitations/{token}", data={"name": "Nina New", "password": "short", "confirm": "short"})
    assert r.status_code == 422
    assert db.session.scalar(db.select(User).filter_by(email="newcomer@partner.org")) is None
    r = visitor.post(
        f"/invitations/{token}",
        data={"name": "Nina New", "password": PASSWORD, "confirm": PASSWORD, "email": "evil@example.org"},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/s/team/")
    user = db.session.scalar(db.select(User).filter_by(email="newcomer@partner.org"))
    assert user is not None and user.name == "Nina New"
    assert db.session.scalar(db.select(User).filter_by(email="evil@example.org")) is None
    assert _role(team, user) == "moderator"
    # signed in: the space is readable at once
    assert visitor.get("/s/team/").status_code == 200
    assert db.session.scalar(db.select(Notification).filter_by(user_id=carol.id, kind="invitation.accepted"))
    # the link works only once
    other = app.test_client()
    r = other.get(f"/invitations/{token}")
    assert r.status_code == 410 and "already been used" in r.get_data(as_text=True)


def test_invitation_of_existing_user(app, client, team, carol):
    dave = make_user("dave@example.org", "Dave")
    login(client, carol)
    client.post("/s/team/invite", data={"emails": "dave@example.org", "role": "member"})
    assert db.session.scalar(db.select(Notification).filter_by(user_id=dave.id, kind="invitation.created"))
    token = _token_from_mail()
    browser = app.test_client()
    r = browser.get(f"/invitations/{token}")
    assert r.status_code == 302
    assert "/login" in r.headers["Location"] and "invitations" in r.headers["Location"]
    r = browser.post("/login?next=/invitations/" + token, data={"email": "dave@example.org", "password": PASSWORD})
    assert r.headers["Location"].endswith(f"/invitations/{token}")
    r = browser.get(f"/invitations/{token}")
    assert r.status_code == 200 and "Accept and open the space" in r.get_data(as_text=True)
    assert _role(team, dave) is None  # nothing changes on GET
    r = browser.post(f"/invitations/{token}")
    assert r.status_code == 302
    assert _role(team, dave) == "member"


def test_expired_revoked_and_invalid_invitations(app, client, team, carol):
    login(client, carol)
    client.post("/s/team/invite", data={"emails": "late@example.org, gone@example.org", "role": "member"})
    late_token, gone_token = _token_from_mail(0), _token_from_mail(1)
    late = db.session.scalar(db.select(Invitation).filter_by(email="late@example.org"))
    late.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    gone = db.session.scalar(db.select(Invitation).filter_by(email="gone@example.org"))
    assert client.post(f"/s/team/invitations/{gone.id}/revoke").status_code == 302
    visitor = app.test_client()
    r = visitor.get(f"/invitations/{late_token}")
    assert r.status_code == 410 and "expired" in r.get_data(as_text=True)
    r = visitor.post(f"/invitations/{gone_token}", data={"name": "G", "password": PASSWORD, "confirm": PASSWORD})
    assert r.status_code == 410 and "withdrawn" in r.get_data(as_text=True)
    r = visitor.get("/invitations/not-a-real-token")
    assert r.status_code == 400 and "invalid" in r.get_data(as_text=True)
    assert db.session.scalar(db.select(User).filter_by(email="gone@example.org")) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership).filter_by(space_id=team.id)) == 3


def test_invitation_to_secret_space(app, client, alice):
    space = make_space(alice, "hidden", "secret", join_policy="invitation")
    login(client, alice)
    client.post("/s/hidden/invite", data={"emails": "spy@example.org", "role": "guest"})
    token = _token_from_mail()
    visitor = app.test_client()
    visitor.post(f"/invitations/{token}", data={"name": "Spy", "password": PASSWORD, "confirm": PASSWORD})
    spy = db.session.scalar(db.select(User).filter_by(email="spy@example.org"))
    assert _role(space, spy) == "guest"
    assert visitor.get("/s/hidden/").status_code == 200
    # a guest reads but may not invite
    assert visitor.post("/s/hidden/invite", data={"emails": "x@example.org", "role": "guest"}).status_code == 403


def test_revoke_checks(app, client, team, alice, carol):
    make_space(alice, "other", "public")
    login(client, alice)
    client.post("/s/other/invite", data={"emails": "someone@example.org", "role": "member"})
    inv = db.session.scalar(db.select(Invitation))
    admin_of_team = app.test_client()
    login(admin_of_team, carol)
    assert admin_of_team.post(f"/s/team/invitations/{inv.id}/revoke").status_code == 404
    assert client.post(f"/s/other/invitations/{inv.id}/revoke").status_code == 302
    assert client.post(f"/s/other/invitations/{inv.id}/revoke").status_code == 302  # idempotent
    db.session.refresh(inv)
    assert inv.revoked_at is not None


def test_members_page_queries_are_bounded(client, team, alice):
    from parvis.testing.queries import count_queries

    login(client, alice)
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/s/team/members").status_code == 200
    for n in range(15):
        add_member(team, make_user(f"m{n}@example.org"), "member")
        db.session.add(
            Invitation(space_id=team.id, email=f"i{n}@example.org", token_hash=f"h{n}", expires_at=utcnow() + timedelta(days=1))
        )
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        html = client.get("/s/team/members").get_data(as_text=True)
    assert "i14@example.org" in html and "M14" in html
    assert many.count <= few.count, many.report()


def test_members_page_is_paginated_ordered_by_role_and_searchable(client, alice):
    """A space of 120 members: pages of 50, owners first then by name, in a bounded
    number of queries; the name search finds one member among them."""
    from sqlalchemy import event

    from parvis.views.space_members import MEMBERS_PER_PAGE

    space = make_space(alice, "big", "private")
    for i in range(120):
        user = User(email=f"m{i:03d}@example.org", username=f"m{i:03d}", name=f"Agent {i:03d}")
        user.password_hash = alice.password_hash
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(space_id=space.id, user_id=user.id, role="moderator" if i == 119 else "member"))
    db.session.commit()
    login(client, alice)
    statements: list[str] = []
    engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        html = client.get("/s/big/members").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert "(121)" in html  # the count covers every page
    names = re.findall(r'<span class="avatar" aria-hidden="true">\w*</span> ([^<]+)</a>', html)
    assert len(names) == MEMBERS_PER_PAGE
    assert names[:3] == [alice.name, "Agent 119", "Agent 000"]  # owner, moderator, then members by name
    assert 'rel="next"' in html
    assert len(statements) < 20
    last = client.get("/s/big/members?page=3").get_data(as_text=True)
    assert "Agent 118" in last and 'rel="prev"' in last
    found = client.get("/s/big/members?q=agent+042").get_data(as_text=True)
    assert re.findall(r"</span> (Agent \d+)</a>", found) == ["Agent 042"]
    none = client.get("/s/big/members?q=%25_").get_data(as_text=True)  # wildcards are literal
    assert "No member matches" in none
