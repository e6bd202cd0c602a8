"""Profile photos, space icons and banners: sniffed images only, served safely."""

from __future__ import annotations

import io

from conftest import add_member, login, make_space

from parvis.extensions import db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


def upload(client, url, data: bytes, name: str = "me.png", **extra):
    return client.post(
        url,
        data={"image": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data",
    )


def test_profile_photo_upload_serve_and_remove(client, alice, bob):
    login(client, alice)
    r = upload(client, "/account/photo", PNG)
    assert r.status_code == 302
    db.session.refresh(alice)
    assert alice.photo_key and "me.png" not in alice.photo_key
    r = client.get(f"/people/{alice.id}/photo")
    assert r.status_code == 200
    assert r.mimetype == "image/png"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert f"/people/{alice.id}/photo".encode() in client.get(f"/people/{alice.id}").data
    r = client.post("/account/photo", data={"remove": "1"})
    db.session.refresh(alice)
    assert alice.photo_key is None
    assert client.get(f"/people/{alice.id}/photo").status_code == 404


def test_photo_refuses_svg_html_and_missing_file(client, alice):
    login(client, alice)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    r = upload(client, "/account/photo", svg, "x.png")
    assert r.status_code == 302
    assert "PNG, JPEG" in client.get("/account/profile").get_data(as_text=True)
    db.session.refresh(alice)
    assert alice.photo_key is None
    upload(client, "/account/photo", b"<html><script>alert(1)</script>", "x.jpg")
    db.session.refresh(alice)
    assert alice.photo_key is None
    r = client.post("/account/photo", data={}, content_type="multipart/form-data")
    assert r.status_code == 302
    db.session.refresh(alice)
    assert alice.photo_key is None


def test_photo_of_anonymous_and_unknown_user(client, alice):
    assert client.get(f"/people/{alice.id}/photo").status_code == 302
    login(client, alice)
    assert client.get("/people/999999/photo").status_code == 404


def test_space_banner_by_admins_only_and_visibility(client, alice, bob, carol):
    space = make_space(alice, "secret-team", "secret")
    add_member(space, bob, "member")
    login(client, bob)
    assert upload(client, "/s/secret-team/image/banner", PNG).status_code == 403
    client.post("/logout")
    login(client, alice)
    assert upload(client, "/s/secret-team/image/banner", PNG).status_code == 302
    db.session.refresh(space)
    assert space.banner_key
    assert client.get("/s/secret-team/image/banner").status_code == 200
    assert b"/s/secret-team/image/banner" in client.get("/s/secret-team/").data
    assert client.get("/s/secret-team/image/poster").status_code == 404
    client.post("/logout")
    login(client, carol)
    # A non-member may not learn that a secret space exists.
    assert client.get("/s/secret-team/image/banner").status_code == 404


def test_private_space_icon_is_visible_to_outsiders(client, alice, carol):
    space = make_space(alice, "private-team", "private")
    login(client, alice)
    upload(client, "/s/private-team/image/icon", PNG)
    db.session.refresh(space)
    assert space.icon_key
    client.post("/logout")
    login(client, carol)
    assert client.get("/s/private-team/image/icon").status_code == 200
