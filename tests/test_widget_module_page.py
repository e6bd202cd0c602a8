"""The "Module page" widget: a module's page shown inline on a composed page, as the
viewer would see it (issue 3, "iframe-free embed of a module page")."""

from __future__ import annotations

from conftest import add_member, logout, make_space
from conftest import login as _login

from parvis.extensions import db
from parvis.models import SpaceModule
from parvis.services.composition import working_copy
from parvis.services.embed import _fit
from parvis_modules.posts.service import PostInput, create_post


def login(client, user):  # noqa: ANN001, ANN201
    logout(client)
    return _login(client, user)


def _lock(space):  # noqa: ANN001, ANN202
    db.session.expire_all()
    return working_copy(space, "home").page.lock


def _place_posts_page(client, space, title="Nouvelles"):  # noqa: ANN001, ANN202
    client.post(f"/s/{space.slug}/builder/page/home/add",
                data={"widget": "core.page", "region": "main", "lock": _lock(space)})
    pid = working_copy(space, "home").composition.placements[-1]["id"]
    r = client.post(f"/s/{space.slug}/builder/page/home/placement/{pid}/settings",
                    data={"page": "posts:posts.index", "title": title, "lock": _lock(space)})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert client.post(f"/s/{space.slug}/builder/page/home/publish", data={"lock": _lock(space)}).status_code == 302


def test_members_see_the_module_page_inline(client, alice, bob):
    space = make_space(alice, "club", "private")
    add_member(space, bob, "member")
    create_post(space, alice, PostInput(title="Assemblée générale de printemps", body="Ordre du jour"))
    db.session.commit()
    login(client, alice)
    _place_posts_page(client, space)
    login(client, bob)
    html = client.get("/s/club/").get_data(as_text=True)
    section = html[html.index("widget--page"):]
    assert "Nouvelles" in section and "Assemblée générale de printemps" in section
    assert 'href="/s/club/posts/"' in section  # "Open the page"
    # Only the page's content: no second site header, footer or <main>.
    assert html.count("<main") == 1 and html.count('class="site-footer"') == 1
    assert html.count("<h1") == 1  # the embedded page's title became an h2


def test_what_the_viewer_may_not_see_is_not_embedded(client, alice, bob):
    space = make_space(alice, "ouvert", "public")
    create_post(space, alice, PostInput(title="Brouillon secret", body="x", publish=False))
    create_post(space, alice, PostInput(title="Annonce publique", body="y"))
    db.session.commit()
    login(client, alice)
    _place_posts_page(client, space)
    login(client, bob)  # not a member of this public space
    html = client.get("/s/ouvert/").get_data(as_text=True)
    assert "Annonce publique" in html and "Brouillon secret" not in html


def test_disabled_module_page_disappears_and_comes_back(client, alice):
    space = make_space(alice, "cycle", "public")
    create_post(space, alice, PostInput(title="Toujours là", body="z"))
    db.session.commit()
    login(client, alice)
    _place_posts_page(client, space)
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=space.id, module_id="posts"))
    row.enabled = False
    db.session.commit()
    html = client.get("/s/cycle/").get_data(as_text=True)
    assert "widget--page" not in html
    assert "Toujours là" not in html  # nor in the activity widget
    row.enabled = True
    db.session.commit()
    html = client.get("/s/cycle/").get_data(as_text=True)
    assert "Toujours là" in html[html.index("widget--page"):]


def test_unknown_page_is_refused(client, alice):
    space = make_space(alice, "refus", "public")
    login(client, alice)
    client.post("/s/refus/builder/page/home/add", data={"widget": "core.page", "region": "main", "lock": _lock(space)})
    pid = working_copy(space, "home").composition.placements[-1]["id"]
    r = client.post(f"/s/refus/builder/page/home/placement/{pid}/settings",
                    data={"page": "posts:admin.index", "lock": _lock(space)})
    assert r.status_code == 422


def test_embedded_ids_and_headings_do_not_clash_with_the_host_page():
    html = '<h1 id="t">T</h1><label for="q">Q</label><input id="q" aria-describedby="h q"><a href="#t">top</a>'
    fitted = _fit(html, "e-")
    assert fitted == ('<h2 id="e-t">T</h2><label for="e-q">Q</label>'
                      '<input id="e-q" aria-describedby="e-h e-q"><a href="#e-t">top</a>')
