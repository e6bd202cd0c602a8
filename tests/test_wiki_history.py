"""Wiki history: revisions, word diff, restore, and edit conflicts (never overwritten)."""

from __future__ import annotations

import pytest
from test_wiki_support import as_user, edit, page, people, url, wiki_space

from parvis.extensions import db
from parvis.models import Activity
from parvis_modules.wiki import services
from parvis_modules.wiki.models import WikiPage, WikiRevision


@pytest.fixture
def crew(app):
    return people()


@pytest.fixture
def space(crew):
    return wiki_space(crew)


def _revisions(wiki_page: WikiPage) -> list[WikiRevision]:
    return list(
        db.session.scalars(
            db.select(WikiRevision).filter_by(page_id=wiki_page.id).order_by(WikiRevision.number)
        )
    )


def test_every_save_is_a_revision_with_author_and_summary(client, crew, space):
    wiki_page = page(space, crew.member, "Notes", "one")
    as_user(client, crew.moderator)
    r = client.post(url(space, "p/notes/edit"), data={
        "title": "Notes", "body": "one two", "summary": "added two",
        "base_revision_id": wiki_page.current_revision_id,
    })
    assert r.status_code == 302
    revisions = _revisions(wiki_page)
    assert [(r.number, r.body, r.author_id, r.summary) for r in revisions] == [
        (1, "one", crew.member.id, ""), (2, "one two", crew.moderator.id, "added two"),
    ]
    assert db.session.scalar(
        db.select(Activity.verb).filter_by(target_id=wiki_page.id).order_by(Activity.id.desc())
    ) == "wiki.updated"
    html = client.get(url(space, "p/notes/history")).get_data(as_text=True)
    assert "added two" in html and "Moderator Person" in html and "Member Person" in html
    # saving unchanged text stores no empty revision
    db.session.expire_all()
    r = client.post(url(space, "p/notes/edit"), data={
        "title": "Notes", "body": "one two", "base_revision_id": wiki_page.current_revision_id,
    }, follow_redirects=True)
    assert "No changes to save." in r.get_data(as_text=True)
    assert len(_revisions(wiki_page)) == 2


def test_view_any_revision_and_compare_any_two(client, crew, space):
    wiki_page = page(space, crew.member, "Notes", "The quick brown fox")
    edit(space, crew.member, wiki_page, "The quick red fox jumps")
    edit(space, crew.member, wiki_page, "A slow red fox jumps", title="Renamed notes")
    as_user(client, crew.guest)
    html = client.get(url(space, "p/renamed-notes/r/1")).get_data(as_text=True)
    assert "The quick brown fox" in html and "old revision" in html
    html = client.get(url(space, "p/renamed-notes/compare?from=1&to=2")).get_data(as_text=True)
    assert "<del>brown</del><ins>red</ins>" in html
    assert "<ins> jumps</ins>" in html
    html = client.get(url(space, "p/renamed-notes/compare?from=3&to=1")).get_data(as_text=True)
    assert "Changes from revision 1 to 3" in html
    assert "<del>Notes</del><ins>Renamed notes</ins>" in html  # the title changed too
    assert client.get(url(space, "p/renamed-notes/compare?from=1&to=9")).status_code == 404
    assert client.get(url(space, "p/renamed-notes/r/9")).status_code == 404
    assert client.get(url(space, "p/renamed-notes/compare")).status_code == 200  # defaults: last change


def test_restore_creates_a_new_revision_and_loses_nothing(client, crew, space):
    wiki_page = page(space, crew.member, "Notes", "first text")
    edit(space, crew.member, wiki_page, "vandalised")
    as_user(client, crew.member)
    r = client.post(url(space, "p/notes/r/1/restore"))
    assert r.status_code == 302
    revisions = _revisions(wiki_page)
    assert [r.body for r in revisions] == ["first text", "vandalised", "first text"]
    assert revisions[-1].restored_from == 1 and "Restored revision 1" in revisions[-1].summary
    db.session.expire_all()
    assert wiki_page.body == "first text"
    html = client.get(url(space, "p/notes/history")).get_data(as_text=True)
    assert "restored from 1" in html
    assert client.post(url(space, "p/notes/r/7/restore")).status_code == 404


def test_conflict_refuses_the_second_save_and_shows_the_merge_view(app, crew, space):
    wiki_page = page(space, crew.member, "Shared", "Line one.\nLine two.")
    base = wiki_page.current_revision_id
    first, second = app.test_client(), app.test_client()
    as_user(first, crew.member)
    as_user(second, crew.moderator)
    # both open the editor on the same revision
    assert f'value="{base}"' in first.get(url(space, "p/shared/edit")).get_data(as_text=True)
    assert f'value="{base}"' in second.get(url(space, "p/shared/edit")).get_data(as_text=True)
    r = first.post(url(space, "p/shared/edit"), data={
        "title": "Shared", "body": "Line one.\nLine two, by Alice.", "base_revision_id": base,
    })
    assert r.status_code == 302
    r = second.post(url(space, "p/shared/edit"), data={
        "title": "Shared", "body": "Line one, by Bob.\nLine two.", "summary": "bob",
        "base_revision_id": base,
    })
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "Someone else changed this page" in html
    assert "<ins>, by Alice</ins>" in html  # their change, base -> current
    assert "Line one, by Bob." in html  # your text is kept in the form
    assert "Line two, by Alice." in html  # and theirs is shown in full
    current_id = db.session.scalar(db.select(WikiPage.current_revision_id).filter_by(id=wiki_page.id))
    assert f'name="base_revision_id" type="hidden" value="{current_id}"' in html
    db.session.expire_all()
    assert wiki_page.body == "Line one.\nLine two, by Alice."  # nothing overwritten
    assert len(_revisions(wiki_page)) == 2
    # after merging, saving from the current revision works
    r = second.post(url(space, "p/shared/edit"), data={
        "title": "Shared", "body": "Line one, by Bob.\nLine two, by Alice.", "base_revision_id": current_id,
    })
    assert r.status_code == 302
    db.session.expire_all()
    assert wiki_page.body == "Line one, by Bob.\nLine two, by Alice."
    assert len(_revisions(wiki_page)) == 3


def test_the_service_refuses_a_stale_base_even_without_the_form(crew, space):
    wiki_page = page(space, crew.member, "Shared", "v1")
    base = wiki_page.current_revision_id
    edit(space, crew.member, wiki_page, "v2")
    with pytest.raises(services.EditConflict) as caught:
        services.save_page(wiki_page, space, crew.admin, title="Shared", body="v3", base_revision_id=base)
    assert caught.value.current.body == "v2" and caught.value.base.body == "v1"
    db.session.rollback()
    other = page(space, crew.member, "Other", "x")
    with pytest.raises(services.WikiError):  # a revision of another page is no valid base
        services.save_page(wiki_page, space, crew.admin, title="Shared", body="v3",
                           base_revision_id=other.current_revision_id)


def test_restore_on_a_deleted_page_is_refused(client, crew, space):
    wiki_page = page(space, crew.member, "Gone", "a")
    edit(space, crew.member, wiki_page, "b")
    services.delete_page(wiki_page, space, crew.admin)
    db.session.commit()
    as_user(client, crew.member)
    r = client.post(url(space, "p/gone/r/1/restore"))
    assert r.status_code == 409 and "is in the trash" in r.get_data(as_text=True)
    assert len(_revisions(wiki_page)) == 2


def test_history_is_paginated(client, crew, space):
    wiki_page = page(space, crew.member, "Busy", "0")
    for n in range(1, 56):
        edit(space, crew.member, wiki_page, str(n))
    as_user(client, crew.member)
    html = client.get(url(space, "p/busy/history")).get_data(as_text=True)
    assert "56 revisions" in html and 'href="/s/wiki-space/wiki/p/busy/history?page=2"' in html
    assert ">56</a>" in html and ">6</a>" not in html
    html = client.get(url(space, "p/busy/history?page=2")).get_data(as_text=True)
    assert ">6</a>" in html and ">1</a>" in html
    assert client.get(url(space, "p/busy/history?page=9")).status_code == 404
