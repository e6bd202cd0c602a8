"""Wiki hooks (search, export, space deletion, demo), widgets and bounded queries."""

from __future__ import annotations

import pytest
from test_wiki_support import as_user, edit, page, people, url, wiki_space

from parvis.extensions import db
from parvis.models import Space
from parvis.plugins.manager import current_platform
from parvis.plugins.spec import WidgetContext
from parvis.testing.queries import count_queries
from parvis_modules.wiki.links import title_key
from parvis_modules.wiki.models import WikiLink, WikiPage, WikiRevision, WikiSlugHistory


@pytest.fixture
def crew(app):
    return people()


@pytest.fixture
def space(crew):
    return wiki_space(crew)


def test_module_is_registered_through_its_entry_point(app):
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="parvis.modules")}
    assert names["wiki"] == "parvis_modules.wiki.plugin"
    spec = current_platform().module("wiki")
    assert {p.action: p.default_role for p in spec.permissions} == {
        "wiki.edit": "member", "wiki.delete": "moderator", "wiki.restore": "admin",
    }
    assert {w.id for w in spec.widgets} == {"wiki.page", "wiki.recent", "wiki.tree"}
    assert current_platform().content_type("wiki.page") is not None


def test_search_documents_hold_current_text_of_live_pages(crew, space):
    kept = page(space, crew.member, "Kept", "first")
    edit(space, crew.member, kept, "**current** text")
    gone = page(space, crew.member, "Gone", "bye")
    from parvis_modules.wiki import services

    services.delete_page(gone, space, crew.admin)
    db.session.commit()
    docs = [d for batch in current_platform().hook.parvis_search_documents(space=space) for d in batch or ()
            if d["type"] == "wiki.page"]
    assert [(d["title"], d["body"], d["object_id"]) for d in docs] == [("Kept", "current text", kept.id)]
    assert docs[0]["url"].endswith("/s/wiki-space/wiki/p/kept")


def test_export_holds_pages_markdown_and_revisions(crew, space):
    parent = page(space, crew.member, "Parent", "p")
    child = page(space, crew.member, "Child", "v1", parent_id=parent.id)
    edit(space, crew.admin, child, "v2", summary="second")
    results = current_platform().hook.parvis_export_space(space=space, module_id="wiki")
    export = next(r for r in results if r is not None)
    import json

    json.dumps(export)  # serialisable
    by_slug = {p["slug"]: p for p in export["pages"]}
    assert by_slug["child"]["parent_id"] == parent.id and by_slug["child"]["markdown"] == "v2"
    assert [(r["number"], r["markdown"], r["summary"], r["author"]) for r in by_slug["child"]["revisions"]] == [
        (1, "v1", "", "member@example.org"), (2, "v2", "second", "admin@example.org"),
    ]
    assert all(r is None for r in current_platform().hook.parvis_export_space(space=space, module_id="other")
               if r is not None and "pages" not in r)


def test_space_deleted_removes_wiki_rows(crew, space):
    wiki_page = page(space, crew.member, "A", "[[B]]")
    page(space, crew.member, "B", "", parent_id=wiki_page.id)
    edit(space, crew.member, wiki_page, "[[B]] again", title="A renamed")
    other = wiki_space(crew, "other")
    page(other, crew.member, "Other", "stays")
    current_platform().hook.parvis_space_deleted(space=space)
    db.session.delete(db.session.get(Space, space.id))
    db.session.commit()
    assert db.session.scalars(db.select(WikiPage.title)).all() == ["Other"]
    assert db.session.scalar(db.select(db.func.count()).select_from(WikiRevision)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(WikiLink)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(WikiSlugHistory)) == 0


def test_demo_seed_builds_a_small_french_tree(client, crew, space):
    current_platform().hook.parvis_demo_seed(space=space, module_id="wiki", users=[crew.owner, crew.member])
    db.session.commit()
    pages = db.session.scalars(db.select(WikiPage).filter_by(space_id=space.id)).all()
    assert 4 <= len(pages) <= 6
    assert any(p.parent_id for p in pages) and any(p.is_template for p in pages)
    counts = [db.session.scalar(db.select(db.func.count()).select_from(WikiRevision).filter_by(page_id=p.id))
              for p in pages]
    assert max(counts) == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(WikiLink).filter(WikiLink.target_page_id.is_not(None))) >= 3
    as_user(client, crew.member)
    html = client.get(url(space, "p/accueil-du-wiki")).get_data(as_text=True)
    assert "Guide de démarrage" in html


# -- widgets -----------------------------------------------------------------------------


def test_widgets_render_page_recent_and_tree(app, crew, space):
    home = page(space, crew.member, "Home", "Hello **world** [[Child]]")
    page(space, crew.member, "Child", "c", parent_id=home.id)
    page(space, crew.member, "Deep", "d", parent_id=db.session.scalar(db.select(WikiPage.id).filter_by(slug="child")))
    widgets = current_platform().widgets
    with app.test_request_context(f"/s/{space.slug}/"):
        from flask import g

        g.space = space
        ctx = WidgetContext(space=space, settings={"slug": "home"}, user=crew.guest)
        html = str(widgets["wiki.page"].render(ctx))
        assert "<strong>world</strong>" in html and "/s/wiki-space/wiki/p/child" in html
        html = str(widgets["wiki.page"].render(WidgetContext(space, {"slug": "nope"}, crew.guest)))
        assert "does not exist" in html
        html = str(widgets["wiki.recent"].render(WidgetContext(space, {"limit": 2}, crew.guest)))
        assert html.count("<li>") == 2 and "Deep" in html
        html = str(widgets["wiki.tree"].render(WidgetContext(space, {"depth": 2}, crew.guest)))
        assert "Home" in html and "Child" in html and "Deep" not in html
        private = wiki_space(crew, "private-one", "private")
        page(private, crew.member, "Hidden", "secret")
        for widget_id in ("wiki.page", "wiki.recent", "wiki.tree"):
            html = str(widgets[widget_id].render(WidgetContext(private, {"slug": "hidden"}, crew.outsider)))
            assert "Hidden" not in html and "secret" not in html


def test_content_type_resolves_only_visible_live_pages(crew, space):
    from parvis_modules.wiki import services

    content_type = current_platform().content_type("wiki.page")
    wiki_page = page(space, crew.member, "Home", "x")
    assert content_type.resolve(wiki_page.id, crew.guest) is wiki_page
    assert content_type.url(wiki_page).endswith("/wiki/p/home")
    private = wiki_space(crew, "private-one", "private")
    hidden = page(private, crew.member, "Hidden", "x")
    assert content_type.resolve(hidden.id, crew.outsider) is None
    services.delete_page(wiki_page, space, crew.admin)
    db.session.commit()
    assert content_type.resolve(wiki_page.id, crew.member) is None
    assert content_type.resolve(987654, crew.member) is None


# -- bounded queries ---------------------------------------------------------------------


def _bulk_wiki(space, author, pages: int, revisions: int) -> WikiPage:
    """A wiki of ``pages`` pages (a deep chain and wide levels), the first with ``revisions`` revisions."""
    rows = []
    for n in range(pages):
        title = f"Page {n}"
        rows.append(WikiPage(space_id=space.id, title=title, title_key=title_key(title), slug=f"page-{n}",
                             position=n, author_id=author.id))
    db.session.add_all(rows)
    db.session.flush()
    for n, row in enumerate(rows[1:], 1):
        row.parent_id = rows[(n - 1) // 3].id  # a tree three children wide
    first = rows[0]
    history = [WikiRevision(page_id=first.id, number=k, title=first.title, author_id=author.id,
                            body=f"# Title\n\n## Part {k}\n\n## More\n\n## End\n\n[[Page 1]] [[Page 2|two]] [[Missing]] @{author.username}")
               for k in range(1, revisions + 1)]
    others = [WikiRevision(page_id=row.id, number=1, title=row.title, author_id=author.id, body="[[Page 0]]")
              for row in rows[1:]]
    db.session.add_all(history + others)
    db.session.flush()
    first.current_revision_id = history[-1].id
    for row, rev in zip(rows[1:], others, strict=True):
        row.current_revision_id = rev.id
    db.session.add_all(
        WikiLink(space_id=space.id, source_id=row.id, target_key="page 0", target_page_id=first.id)
        for row in rows[1:]
    )
    db.session.add_all([
        WikiLink(space_id=space.id, source_id=first.id, target_key="page 1", target_page_id=rows[1].id),
        WikiLink(space_id=space.id, source_id=first.id, target_key="page 2", target_page_id=rows[2].id),
        WikiLink(space_id=space.id, source_id=first.id, target_key="missing", target_page_id=None),
    ])
    db.session.commit()
    return first


def _view_queries(client, space, slug: str) -> int:
    client.get(url(space, f"p/{slug}"))  # warm caches
    with count_queries() as queries:
        r = client.get(url(space, f"p/{slug}"))
    assert r.status_code == 200
    return queries


def test_page_view_issues_a_bounded_number_of_queries(app, crew):
    small = wiki_space(crew, "small")
    big = wiki_space(crew, "big")
    small_page = _bulk_wiki(small, crew.member, pages=5, revisions=2)
    big_page = _bulk_wiki(big, crew.member, pages=200, revisions=100)
    client = as_user(app.test_client(), crew.member)
    small_q = _view_queries(client, small, small_page.slug)
    big_q = _view_queries(client, big, big_page.slug)
    assert small_q.count == big_q.count, big_q.report()
    assert big_q.count <= 15, big_q.report()
    assert not big_q.matching("FROM wiki_revisions WHERE wiki_revisions.page_id")  # no history load
    html = client.get(url(big, f"p/{big_page.slug}")).get_data(as_text=True)
    assert html.count("/wiki/p/page-") > 200  # children, links and 199 backlinks are there
    assert small_q.count <= 15, small_q.report()


def test_index_and_history_are_bounded_too(app, crew):
    small = wiki_space(crew, "small")
    big = wiki_space(crew, "big")
    small_page = _bulk_wiki(small, crew.member, pages=5, revisions=2)
    big_page = _bulk_wiki(big, crew.member, pages=200, revisions=100)
    client = as_user(app.test_client(), crew.member)
    counts = []
    for space, wiki_page in ((small, small_page), (big, big_page)):
        row = []
        for path in ("", "organise", f"p/{wiki_page.slug}/history", f"p/{wiki_page.slug}/compare"):
            client.get(url(space, path))
            with count_queries() as queries:
                assert client.get(url(space, path)).status_code == 200
            row.append(queries.count)
        counts.append(row)
    assert counts[0] == counts[1]


def test_wiki_keeps_the_module_contract(app, module_contract):
    assert module_contract(app, "wiki") == []
