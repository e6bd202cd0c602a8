from conftest import login


def test_home_anonymous(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "Content-Security-Policy" in r.headers


def test_login(client, alice):
    r = login(client, alice)
    assert r.status_code == 302
    r = client.get("/")
    assert b"Alice Martin" in r.data
