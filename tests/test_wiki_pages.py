"""Wiki pages through the browser: create, read, edit, links, tree, trash."""

from __future__ import annotations

import pytest
from test_wiki_support import as_user, edit, page, people, url, wiki_space

from parvis.extensions import db
from parvis.models import Activity
from parvis_modules.wiki.models import WikiLink, WikiPage, WikiRevision, WikiSlugHistory


@pytest.fixture
def crew(app):
    return people()


@pytest.fixture
def space(crew):
    return wiki_space(crew)


def test_member_creates_a_page_and_reads_it(client, crew, space):
    as_user(client, crew.member)
    r = client.get(url(space, "new"))
    assert r.status_code == 200
    r = client.post(
        url(space, "new"),
        data={"title": "Guide de démarrage", "body": "# Bonjour\n\nTexte **gras**.", "summary": "first"},
    )
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/wiki/p/guide-de-demarrage")
    r = client.get(url(space, "p/guide-de-demarrage"))
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Guide de démarrage" in html
    assert "<strong>gras</strong>" in html
    wiki_page = db.session.scalar(db.select(WikiPage))
    assert wiki_page.current_revision.number == 1
    assert wiki_page.current_revision.summary == "first"
    assert db.session.scalar(db.select(Activity.verb).filter_by(target_id=wiki_page.id)) == "wiki.created"


# -- permissions per role ---------------------------------------------------------

READ_ROUTES = ["", "p/home", "p/home/history", "p/home/r/1", "p/home/compare?from=1&to=2"]
EDIT_GETS = ["new", "p/home/edit", "p/home/move", "organise"]


@pytest.fixture
def home(space, crew):
    wiki_page = page(space, crew.member, "Home", "Hello [[Other]]")
    edit(space, crew.member, wiki_page, "Hello again [[Other]]")
    return wiki_page


def test_everyone_who_may_read_a_public_space_reads_the_wiki(client, crew, home):
    for role in ("owner", "admin", "moderator", "member", "guest", "outsider"):
        as_user(client, getattr(crew, role))
        for path in READ_ROUTES:
            assert client.get(url(home.space, path)).status_code == 200, (role, path)


def test_private_space_outsiders_get_403_and_secret_space_outsiders_404(app, client, crew):
    insider = as_user(app.test_client(), crew.admin)
    as_user(client, crew.outsider)
    for visibility, expected in (("private", 403), ("secret", 404)):
        space = wiki_space(crew, f"s-{visibility}", visibility)
        wiki_page = page(space, crew.member, "Home", "x")
        edit(space, crew.member, wiki_page, "y")
        for path in READ_ROUTES + EDIT_GETS + ["trash"]:
            assert client.get(url(space, path)).status_code == expected, (visibility, path)
            assert insider.get(url(space, path)).status_code == 200, (visibility, path)
        assert client.get(f"/api/v1/spaces/{space.slug}/wiki/pages/home").status_code == expected


def test_anonymous_visitors_are_sent_to_log_in(client, home):
    r = client.get(url(home.space, "p/home"))
    assert r.status_code == 302
    assert "/login" in r.headers["Location"]
    assert client.get(f"/api/v1/spaces/{home.space.slug}/wiki/pages").status_code == 401


def test_only_members_and_above_open_the_editing_screens(client, crew, home):
    expected = {"owner": 200, "admin": 200, "moderator": 200, "member": 200, "guest": 403, "outsider": 403}
    for role, status in expected.items():
        as_user(client, getattr(crew, role))
        for path in EDIT_GETS:
            assert client.get(url(home.space, path)).status_code == status, (role, path)


def test_readers_cannot_write_anything(client, crew, home):
    space = home.space
    base = home.current_revision_id
    posts = [
        ("new", {"title": "Intrusion", "body": "x"}),
        ("p/home/edit", {"title": "Home", "body": "defaced", "base_revision_id": base}),
        ("p/home/move", {"parent_id": "", "slug": "moved"}),
        ("p/home/shift", {"direction": "up"}),
        ("reorder", {"parent_id": "", "order": [home.id]}),
        ("p/home/r/1/restore", {}),
        ("p/home/delete", {}),
        (f"trash/{home.id}/restore", {}),
    ]
    for role in ("guest", "outsider"):
        as_user(client, getattr(crew, role))
        for path, data in posts:
            assert client.post(url(space, path), data=data).status_code == 403, (role, path)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(WikiPage)) == 1
    assert home.body == "Hello again [[Other]]"
    assert home.slug == "home" and home.deleted_at is None


def test_moderators_and_above_delete(client, crew, space):
    expected = {"owner": True, "admin": True, "moderator": True, "member": False, "guest": False}
    for role, allowed in expected.items():
        target = page(space, crew.member, f"Page {role}", "x")
        as_user(client, getattr(crew, role))
        assert client.get(url(space, f"p/{target.slug}/delete")).status_code == (200 if allowed else 403)
        assert client.post(url(space, f"p/{target.slug}/delete")).status_code == (302 if allowed else 403)
        db.session.expire_all()
        assert (target.deleted_at is not None) == allowed, role


def test_only_admins_see_the_trash_and_restore(client, crew, home):
    from parvis_modules.wiki import services

    expected = {"moderator": False, "member": False, "guest": False, "admin": True, "owner": True}
    for role, allowed in expected.items():
        db.session.expire_all()
        services.delete_page(home, home.space, crew.moderator)
        db.session.commit()
        as_user(client, getattr(crew, role))
        assert client.get(url(home.space, "trash")).status_code == (200 if allowed else 403), role
        r = client.post(url(home.space, f"trash/{home.id}/restore"))
        assert r.status_code == (302 if allowed else 403), role
        db.session.expire_all()
        assert (home.deleted_at is None) == allowed, role


def test_archived_space_is_read_only(client, crew, home):
    home.space.status = "archived"
    db.session.commit()
    as_user(client, crew.owner)
    assert client.get(url(home.space, "p/home")).status_code == 200
    assert client.get(url(home.space, "p/home/edit")).status_code == 403


def test_disabled_module_answers_404_and_keeps_the_data(client, crew, home):
    from parvis.services.spaces import set_module_enabled

    set_module_enabled(home.space, "wiki", False, crew.owner)
    db.session.commit()
    as_user(client, crew.owner)
    for path in ("", "p/home", "new", "trash"):
        assert client.get(url(home.space, path)).status_code == 404
    assert client.get(f"/api/v1/spaces/{home.space.slug}/wiki/pages").status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(WikiRevision)) == 2
    set_module_enabled(home.space, "wiki", True, crew.owner)
    db.session.commit()
    assert "Hello again" in client.get(url(home.space, "p/home")).get_data(as_text=True)


def test_unknown_page_is_404(client, crew, space):
    as_user(client, crew.member)
    assert client.get(url(space, "p/nope")).status_code == 404
    assert client.get(url(space, "p/nope/history")).status_code == 404
    assert client.post(url(space, "p/nope/edit"), data={"title": "x"}).status_code == 404


# -- wiki links and backlinks ------------------------------------------------------


def test_wiki_links_resolve_and_missing_pages_offer_creation(client, crew, space):
    page(space, crew.member, "Règles de la communauté", "Soyez gentils.")
    source = page(
        space, crew.member, "Accueil",
        "Voir [[Règles de la communauté]], [[règles  DE la communauté|les règles]] et [[Page absente]].\n\n"
        "`[[pas un lien]]`",
    )
    as_user(client, crew.member)
    html = client.get(url(space, f"p/{source.slug}")).get_data(as_text=True)
    assert 'href="/s/wiki-space/wiki/p/regles-de-la-communaute"' in html
    assert ">les règles</a>" in html
    assert 'class="wiki-link--missing" href="/s/wiki-space/wiki/new?title=Page+absente"' in html
    assert "<code>[[pas un lien]]</code>" in html
    # a guest may not create: the missing page is plain text
    as_user(client, crew.guest)
    html = client.get(url(space, f"p/{source.slug}")).get_data(as_text=True)
    assert "Page absente" in html
    assert "/wiki/new?title=" not in html


def test_the_create_link_prefills_the_title_and_the_new_page_gets_the_backlink(client, crew, space):
    source = page(space, crew.member, "Accueil", "Voir [[Page absente]].")
    as_user(client, crew.member)
    r = client.get(url(space, "new?title=Page+absente"))
    assert 'value="Page absente"' in r.get_data(as_text=True)
    client.post(url(space, "new"), data={"title": "Page absente", "body": "Créée."})
    target = db.session.scalar(db.select(WikiPage).filter_by(slug="page-absente"))
    link = db.session.scalar(db.select(WikiLink).filter_by(source_id=source.id))
    assert link.target_page_id == target.id
    html = client.get(url(space, "p/page-absente")).get_data(as_text=True)
    assert 'href="/s/wiki-space/wiki/p/accueil">Accueil</a>' in html


def test_links_never_cross_spaces(client, crew, space):
    other = wiki_space(crew, "other-space")
    page(other, crew.member, "Secret plan", "hidden")
    source = page(
        space, crew.member, "Accueil",
        "[[other-space:Secret plan]] [[Secret plan]] [[wiki-space:Accueil|moi]]",
    )
    as_user(client, crew.member)
    html = client.get(url(space, f"p/{source.slug}")).get_data(as_text=True)
    assert "/s/other-space/" not in html
    assert "other-space:Secret plan" in html  # shown as plain text
    # "Secret plan" does not exist in this space: offered for creation here, not resolved there
    assert 'href="/s/wiki-space/wiki/new?title=Secret+plan"' in html
    assert 'href="/s/wiki-space/wiki/p/accueil" rel="noopener noreferrer nofollow">moi</a>' in html
    keys = set(db.session.scalars(db.select(WikiLink.target_key).filter_by(source_id=source.id)))
    assert keys == {"secret plan", "accueil"}
    assert db.session.scalar(db.select(WikiLink.target_page_id).filter_by(target_key="secret plan")) is None


def test_backlinks_list_linking_pages_only(client, crew, space):
    target = page(space, crew.member, "Cible", "x")
    page(space, crew.member, "Source A", "[[Cible]]")
    page(space, crew.member, "Source B", "[[cible|ici]]")
    page(space, crew.member, "Autre", "rien")
    as_user(client, crew.member)
    html = client.get(url(space, "p/cible")).get_data(as_text=True)
    backlinks = html.split('id="wiki-backlinks-title"')[1]
    assert "Source A" in backlinks and "Source B" in backlinks and "Autre" not in backlinks
    source_b = db.session.scalar(db.select(WikiPage).filter_by(slug="source-b"))
    edit(space, crew.member, source_b, "plus de lien")
    html = client.get(url(space, f"p/{target.slug}")).get_data(as_text=True)
    assert "Source B" not in html.split('id="wiki-backlinks-title"')[1]


# -- rename, move, tree ----------------------------------------------------------------


def test_rename_keeps_old_url_and_links_working(client, crew, space):
    target = page(space, crew.member, "Ancien titre", "x")
    source = page(space, crew.member, "Source", "[[Ancien titre]]")
    as_user(client, crew.member)
    r = client.post(
        url(space, "p/ancien-titre/edit"),
        data={"title": "Nouveau titre", "body": "x", "base_revision_id": target.current_revision_id},
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert target.slug == "nouveau-titre"
    r = client.get(url(space, "p/ancien-titre"))
    assert r.status_code == 301
    assert r.headers["Location"].endswith("/wiki/p/nouveau-titre")
    r = client.get(url(space, "p/ancien-titre/history"))
    assert r.status_code == 301 and r.headers["Location"].endswith("/p/nouveau-titre/history")
    html = client.get(url(space, f"p/{source.slug}")).get_data(as_text=True)
    assert 'href="/s/wiki-space/wiki/p/nouveau-titre"' in html
    assert "Source" in client.get(url(space, "p/nouveau-titre")).get_data(as_text=True)


def test_move_form_changes_parent_and_slug(client, crew, space):
    parent = page(space, crew.member, "Parent", "")
    child = page(space, crew.member, "Enfant", "")
    as_user(client, crew.member)
    r = client.post(url(space, "p/enfant/move"), data={"parent_id": str(parent.id), "slug": "petit"})
    assert r.status_code == 302
    db.session.expire_all()
    assert child.parent_id == parent.id and child.slug == "petit"
    assert db.session.scalar(db.select(WikiSlugHistory.old_slug)) == "enfant"
    assert client.get(url(space, "p/enfant")).status_code == 301
    html = client.get(url(space, "p/petit")).get_data(as_text=True)
    assert 'aria-label="Breadcrumb"' in html and ">Parent</a>" in html
    r = client.post(url(space, "p/petit/move"), data={"parent_id": "", "slug": "Pas Bon!"})
    assert r.status_code == 422
    assert "lowercase letters" in r.get_data(as_text=True)
    r = client.post(url(space, "p/petit/move"), data={"parent_id": "", "slug": "parent"})
    assert r.status_code == 422
    assert "already uses this address" in r.get_data(as_text=True)


def test_circular_parent_is_refused(client, crew, space):
    top = page(space, crew.member, "Top", "")
    middle = page(space, crew.member, "Middle", "", parent_id=top.id)
    bottom = page(space, crew.member, "Bottom", "", parent_id=middle.id)
    as_user(client, crew.member)
    for parent_id in (top.id, bottom.id):
        r = client.post(url(space, "p/top/move"), data={"parent_id": str(parent_id), "slug": "top"})
        assert r.status_code == 422
        assert "under itself or one of its own sub-pages" in r.get_data(as_text=True)
    r = client.post(url(space, "reorder"), json={"parent_id": bottom.id, "order": [top.id]})
    assert r.status_code == 422
    r = client.post(url(space, "p/top/move"), data={"parent_id": "999999", "slug": "top"})
    assert r.status_code == 422
    db.session.expire_all()
    assert top.parent_id is None


def test_reorder_with_arrows_and_with_the_drag_and_drop_endpoint(client, crew, space):
    a = page(space, crew.member, "A", "")
    b = page(space, crew.member, "B", "")
    c = page(space, crew.member, "C", "")
    as_user(client, crew.member)
    html = client.get(url(space, "organise")).get_data(as_text=True)
    assert "Sortable.min.js" in html and "wiki-organise.js" in html
    client.post(url(space, "p/c/shift"), data={"direction": "up"})
    db.session.expire_all()
    assert [p.title for p in sorted([a, b, c], key=lambda p: p.position)] == ["A", "C", "B"]
    r = client.post(url(space, "reorder"), json={"parent_id": a.id, "order": [b.id, c.id]})
    assert r.status_code == 200 and r.get_json() == {"ok": True}
    db.session.expire_all()
    assert b.parent_id == a.id and c.parent_id == a.id and b.position < c.position
    assert client.post(url(space, "reorder"), json={"parent_id": None, "order": ["x"]}).status_code == 400
    assert client.post(url(space, "p/a/shift"), data={"direction": "sideways"}).status_code == 400
    html = client.get(url(space, "")).get_data(as_text=True)
    assert html.index(">A</a>") < html.index(">B</a>") < html.index(">C</a>")


def test_static_script_is_served(client, crew, space):
    as_user(client, crew.member)
    r = client.get(url(space, "static/wiki-organise.js"))
    assert r.status_code == 200
    r.close()


# -- trash -----------------------------------------------------------------------------


def test_trash_and_restore(client, crew, space):
    parent = page(space, crew.member, "Parent", "")
    doomed = page(space, crew.member, "Doomed", "old text", parent_id=parent.id)
    child = page(space, crew.member, "Child", "", parent_id=doomed.id)
    as_user(client, crew.moderator)
    r = client.post(url(space, "p/doomed/delete"))
    assert r.status_code == 302
    db.session.expire_all()
    assert doomed.deleted_at is not None
    assert child.parent_id == parent.id  # sub-pages move up
    assert db.session.scalar(db.select(db.func.count()).select_from(WikiRevision).filter_by(page_id=doomed.id)) == 1
    r = client.get(url(space, "p/doomed"))
    assert r.status_code == 410
    assert "is in the trash" in r.get_data(as_text=True)
    # editing a deleted page is refused with a clear message
    as_user(client, crew.member)
    r = client.post(
        url(space, "p/doomed/edit"),
        data={"title": "Doomed", "body": "new", "base_revision_id": doomed.current_revision_id},
    )
    assert r.status_code == 409
    assert "is in the trash" in r.get_data(as_text=True)
    assert "Doomed" not in client.get(url(space, "")).get_data(as_text=True)
    as_user(client, crew.admin)
    html = client.get(url(space, "trash")).get_data(as_text=True)
    assert "Doomed" in html
    assert client.get(url(space, "p/doomed/history")).status_code == 200
    r = client.post(url(space, f"trash/{doomed.id}/restore"))
    assert r.status_code == 302
    db.session.expire_all()
    assert doomed.deleted_at is None and doomed.body == "old text"
    assert client.get(url(space, "p/doomed")).status_code == 200
    assert client.post(url(space, f"trash/{doomed.id}/restore")).status_code == 404


# -- bad input ---------------------------------------------------------------------------


def test_empty_title_and_huge_body_are_refused_with_a_message(client, crew, space):
    as_user(client, crew.member)
    r = client.post(url(space, "new"), data={"title": "   ", "body": "x"})
    assert r.status_code == 422
    assert "Give the page a title." in r.get_data(as_text=True)
    r = client.post(url(space, "new"), data={"title": "Big", "body": "x" * 200_001})
    assert r.status_code == 422
    assert "The page is too long" in r.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(WikiPage)) == 0
    wiki_page = page(space, crew.member, "Small", "x")
    r = client.post(
        url(space, "p/small/edit"),
        data={"title": "Small", "body": "y" * 200_001, "base_revision_id": wiki_page.current_revision_id},
    )
    assert r.status_code == 422
    assert "The page is too long" in r.get_data(as_text=True)
    r = client.post(url(space, "p/small/edit"), data={"title": "Small", "body": "y", "base_revision_id": "abc"})
    assert r.status_code == 422
    assert "reload the page" in r.get_data(as_text=True)
    db.session.expire_all()
    assert wiki_page.body == "x"


XSS_TITLE = '<script>alert("t")</script>"><img src=x onerror=alert(1)>'
XSS_BODY = (
    "# <script>alert('h')</script> heading\n\n"
    '## "><img src=x onerror=alert(2)>\n\n'
    "<script>alert('b')</script>\n\n[click](javascript:alert(3))\n\n"
    "[[<script>alert(4)</script>]] [[Home|<img src=x onerror=alert(5)>]] [[javascript:alert(6)]]\n\n"
    "### third"
)


def _assert_safe(html: str) -> None:
    assert "<script>alert" not in html
    assert "onerror=alert" not in html.replace("&#34;", "").replace("&quot;", "") or "<img src=x onerror" not in html
    assert "<img src=x" not in html and '<img src="x"' not in html
    assert "javascript:alert" not in html.split("<textarea")[0] or 'href="javascript' not in html
    assert 'href="javascript' not in html


def test_xss_payloads_are_rendered_safely_everywhere(client, crew, space):
    as_user(client, crew.member)
    r = client.post(url(space, "new"), data={"title": XSS_TITLE, "body": XSS_BODY, "summary": XSS_TITLE})
    assert r.status_code == 302
    wiki_page = db.session.scalar(db.select(WikiPage))
    client.post(
        url(space, f"p/{wiki_page.slug}/edit"),
        data={"title": XSS_TITLE, "body": XSS_BODY + "\n\n<script>alert(7)</script>", "summary": XSS_TITLE,
              "base_revision_id": wiki_page.current_revision_id},
    )
    for path in ("", f"p/{wiki_page.slug}", f"p/{wiki_page.slug}/history", f"p/{wiki_page.slug}/r/1",
                 f"p/{wiki_page.slug}/compare?from=1&to=2", f"p/{wiki_page.slug}/edit",
                 f"p/{wiki_page.slug}/move", "organise"):
        r = client.get(url(space, path))
        assert r.status_code == 200, path
        _assert_safe(r.get_data(as_text=True))
    html = client.get(url(space, f"p/{wiki_page.slug}")).get_data(as_text=True)
    assert 'id="h-script-alert-h-script-heading"' in html  # ToC anchor made of safe characters
    assert '<a href="#h-img-src-x-onerror-alert-2">' in html
    assert "&lt;script&gt;" in html
    diff = client.get(url(space, f"p/{wiki_page.slug}/compare?from=1&to=2")).get_data(as_text=True)
    assert "<ins>" in diff and "&lt;script&gt;alert(7)&lt;/script&gt;" in diff


def test_page_templates_are_offered_when_creating(client, crew, space):
    template = page(space, crew.member, "Modèle compte rendu", "## Participants\n\n## Décisions", is_template=True)
    page(space, crew.member, "Ordinaire", "rien")
    as_user(client, crew.member)
    html = client.get(url(space, "new")).get_data(as_text=True)
    assert "Start from a template" in html and "Modèle compte rendu" in html and ">Ordinaire</option>" not in html.split('id="wiki-template"')[1].split("</select>")[0]
    html = client.get(url(space, f"new?template={template.id}&title=Réunion")).get_data(as_text=True)
    assert "## Participants" in html and 'value="Réunion"' in html
    r = client.post(url(space, f"p/{template.slug}/edit"), data={
        "title": template.title, "body": template.body, "base_revision_id": template.current_revision_id,
    })
    assert r.status_code == 302
    db.session.expire_all()
    assert template.is_template is False  # unticked box removes the template flag


def test_table_of_contents_follows_the_setting(client, crew, space):
    from parvis.models import SpaceModule

    page(space, crew.member, "Long", "# Un\n\n## Deux\n\ntext")
    as_user(client, crew.member)
    assert 'id="wiki-toc-title"' not in client.get(url(space, "p/long")).get_data(as_text=True)
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=space.id, module_id="wiki"))
    row.settings = {"toc_min_headings": 2, "comments": False}
    db.session.commit()
    html = client.get(url(space, "p/long")).get_data(as_text=True)
    assert 'id="wiki-toc-title"' in html and '<a href="#h-deux">Deux</a>' in html
    assert 'id="h-un"' in html


def test_mentions_in_a_page_notify_once(client, crew, space):
    from parvis.models import Notification

    as_user(client, crew.member)
    client.post(url(space, "new"), data={"title": "Hello", "body": f"Hi @{crew.guest.username}"})
    wiki_page = db.session.scalar(db.select(WikiPage))
    client.post(url(space, "p/hello/edit"), data={
        "title": "Hello", "body": f"Hi @{crew.guest.username} again", "base_revision_id": wiki_page.current_revision_id,
    })
    notes = db.session.scalars(db.select(Notification).filter_by(user_id=crew.guest.id)).all()
    assert len(notes) == 1 and notes[0].url.endswith("/wiki/p/hello")
