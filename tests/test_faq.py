"""The FAQ module's pages: reading, proposing, the moderation workflow, votes, search."""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD, add_member, csrf_token_from, login, logout, make_space, make_user

from parvis.extensions import db
from parvis.models import Activity, Notification, SpaceModule
from parvis_modules.faq import workflow
from parvis_modules.faq.models import FaqCategory, FaqEntry, FaqVote

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class Faq:
    """A space with people in every role and a small FAQ."""

    def __init__(self, space, people):  # noqa: ANN001
        self.space = space
        self.people = people
        self.slug = space.slug
        self.url = f"/s/{space.slug}/faq"

    def __getattr__(self, name: str):  # noqa: ANN204
        try:
            return self.people[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def build_faq(slug: str = "team", visibility: str = "public") -> Faq:
    owner = make_user(f"owner-{slug}@example.org", "Olga Owner")
    space = make_space(owner, slug, visibility=visibility)
    people = {"owner": owner}
    for role in ("admin", "moderator", "member", "guest"):
        user = make_user(f"{role}-{slug}@example.org", f"{role.title()} Person")
        add_member(space, user, role)
        people[role] = user
    people["outsider"] = make_user(f"outsider-{slug}@example.org", "Oscar Outsider")
    people["other"] = make_user(f"other-{slug}@example.org", "Otto Member")
    add_member(space, people["other"], "member")
    return Faq(space, people)


@pytest.fixture
def faq(app, admin):  # noqa: ANN001, ANN201
    data = build_faq()
    data.people["platform_admin"] = admin
    return data


def sign_in(client, user) -> None:  # noqa: ANN001
    logout(client)
    assert login(client, user).status_code == 302


def category(faq: Faq, name: str = "General", position: int = 0) -> FaqCategory:
    row = FaqCategory(space_id=faq.space.id, name=name, position=position)
    db.session.add(row)
    db.session.commit()
    return row


def entry(faq: Faq, question: str = "How do I start?", answer: str = "Read the guide.", *,
          status: str = "published", cat: FaqCategory | None = None, author=None, yes: int = 0,
          no: int = 0) -> FaqEntry:  # noqa: ANN001
    row = FaqEntry(
        space_id=faq.space.id,
        question=question,
        answer=answer,
        status=status,
        category_id=cat.id if cat else None,
        author_id=(author or faq.moderator).id,
        helpful_yes=yes,
        helpful_no=no,
    )
    db.session.add(row)
    db.session.commit()
    return row


def page(client, url: str, status: int = 200) -> str:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


# -- reading, per role ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["guest", "member", "moderator", "admin", "owner", "platform_admin"])
def test_readers_see_published_entries_with_anchors(client, faq, role):  # noqa: ANN001
    cat = category(faq, "Getting started")
    item = entry(faq, "How do I join?", "Click **Join**.", cat=cat)
    sign_in(client, faq.people[role])
    html = page(client, f"{faq.url}/")
    assert "How do I join?" in html
    assert "<strong>Join</strong>" in html
    assert f'id="q-{item.id}"' in html
    assert f'href="#q-{item.id}"' in html
    assert "Getting started" in html
    html = page(client, f"{faq.url}/entries/{item.id}")
    assert "How do I join?" in html
    assert f"/s/team/faq/#q-{item.id}" in html


def test_outsider_reads_public_space_faq(client, faq):  # noqa: ANN001
    entry(faq, "Public question")
    sign_in(client, faq.outsider)
    assert "Public question" in page(client, f"{faq.url}/")
    # ... but may neither propose nor vote.
    assert client.get(f"{faq.url}/propose").status_code == 403


@pytest.mark.parametrize(("visibility", "status"), [("private", 403), ("secret", 404)])
def test_outsider_of_private_and_secret_space(client, app, visibility, status):  # noqa: ANN001
    data = build_faq("closed", visibility)
    item = entry(data, "Internal question")
    sign_in(client, data.outsider)
    for url in ("/", "/search?q=internal", "/search/live?q=internal", f"/entries/{item.id}",
                "/propose", "/mine", "/queue", "/categories", "/static/faq.js"):
        assert client.get(f"{data.url}{url}").status_code == status, url
    assert client.post(f"{data.url}/entries/{item.id}/vote", data={"helpful": "yes"}).status_code == status
    assert client.post(f"{data.url}/propose", data={"question": "Let me in?"}).status_code == status
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqEntry)) == 1


def test_anonymous_is_sent_to_login(client, faq):  # noqa: ANN001
    response = client.get(f"{faq.url}/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_guest_is_read_only(client, faq):  # noqa: ANN001
    item = entry(faq)
    sign_in(client, faq.guest)
    html = page(client, f"{faq.url}/")
    assert "Was this helpful?" not in html
    assert "Ask a question" not in html
    assert client.get(f"{faq.url}/propose").status_code == 403
    assert client.post(f"{faq.url}/propose", data={"question": "Hmm?"}).status_code == 403
    assert client.post(f"{faq.url}/entries/{item.id}/vote", data={"helpful": "yes"}).status_code == 403
    for url in ("/queue", "/categories", "/entries/new", f"/entries/{item.id}/edit",
                f"/entries/{item.id}/decline"):
        assert client.get(f"{faq.url}{url}").status_code == 403, url
    for url in (f"/entries/{item.id}/publish", f"/entries/{item.id}/unpublish",
                f"/entries/{item.id}/delete"):
        assert client.post(f"{faq.url}{url}").status_code == 403, url
    assert db.session.get(FaqEntry, item.id) is not None


def test_member_cannot_moderate(client, faq):  # noqa: ANN001
    cat = category(faq)
    item = entry(faq, status="proposed", author=faq.member)
    sign_in(client, faq.member)
    for url in ("/queue", "/categories", "/entries/new", f"/entries/{item.id}/edit",
                f"/entries/{item.id}/decline"):
        assert client.get(f"{faq.url}{url}").status_code == 403, url
    assert client.post(f"{faq.url}/entries/{item.id}/publish").status_code == 403
    assert client.post(f"{faq.url}/entries/{item.id}/delete").status_code == 403
    assert client.post(f"{faq.url}/categories", data={"name": "Mine"}).status_code == 403
    assert client.post(f"{faq.url}/categories/{cat.id}/rename", data={"name": "X"}).status_code == 403
    assert client.post(f"{faq.url}/categories/{cat.id}/move", data={"direction": "up"}).status_code == 403
    assert client.post(f"{faq.url}/categories/{cat.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(FaqEntry, item.id).status == "proposed"
    assert db.session.get(FaqCategory, cat.id).name == "General"


@pytest.mark.parametrize("role", ["moderator", "admin", "owner", "platform_admin"])
def test_moderators_reach_the_moderation_pages(client, faq, role):  # noqa: ANN001
    item = entry(faq, status="proposed", author=faq.member)
    sign_in(client, faq.people[role])
    assert "How do I start?" in page(client, f"{faq.url}/queue")
    page(client, f"{faq.url}/categories")
    page(client, f"{faq.url}/entries/new")
    page(client, f"{faq.url}/entries/{item.id}/edit")
    page(client, f"{faq.url}/entries/{item.id}/decline")


def test_unknown_and_huge_ids_are_404(client, faq):  # noqa: ANN001
    sign_in(client, faq.moderator)
    for url in ("/entries/999", "/entries/99999999999999999999", "/entries/999/edit"):
        assert client.get(f"{faq.url}{url}").status_code == 404, url
    assert client.post(f"{faq.url}/entries/999/vote", data={"helpful": "yes"}).status_code == 404
    assert client.post(f"{faq.url}/categories/999/delete").status_code == 404


def test_entry_of_another_space_is_404(client, faq):  # noqa: ANN001
    other = make_space(faq.owner, "elsewhere")
    foreign = FaqEntry(space_id=other.id, question="Elsewhere?", answer="Yes", status="published",
                       author_id=faq.owner.id)
    db.session.add(foreign)
    db.session.commit()
    sign_in(client, faq.owner)
    assert client.get(f"{faq.url}/entries/{foreign.id}").status_code == 404
    assert client.get(f"/s/elsewhere/faq/entries/{foreign.id}").status_code == 200


# -- proposing and the workflow ------------------------------------------------------


def notifications_of(user, kind: str | None = None) -> list[Notification]:  # noqa: ANN001
    stmt = db.select(Notification).filter_by(user_id=user.id).order_by(Notification.id)
    if kind:
        stmt = stmt.filter_by(kind=kind)
    return list(db.session.scalars(stmt))


def test_propose_answer_publish_workflow(client, faq):  # noqa: ANN001
    cat = category(faq, "Tools")
    sign_in(client, faq.member)
    page(client, f"{faq.url}/propose")
    response = client.post(f"{faq.url}/propose", data={
        "question": "Can I work offline?", "details": "On the *train*.", "category_id": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith("/faq/mine")
    item = db.session.scalar(db.select(FaqEntry))
    assert (item.status, item.author_id, item.details) == ("proposed", faq.member.id, "On the *train*.")
    mine = page(client, f"{faq.url}/mine")
    assert "Can I work offline?" in mine and "Proposed" in mine
    # Moderators (and above) are told; the member is not.
    assert [n.kind for n in notifications_of(faq.moderator)] == ["faq.proposed"]
    assert notifications_of(faq.owner, "faq.proposed") and notifications_of(faq.admin, "faq.proposed")
    assert not notifications_of(faq.other)
    verbs = db.session.scalars(db.select(Activity.verb)).all()
    assert verbs == ["faq.proposed"]
    assert "offline" not in db.session.scalar(db.select(Activity.title))  # stays private

    # Another member, the search and the FAQ page do not see it.
    sign_in(client, faq.other)
    assert "Can I work offline?" not in page(client, f"{faq.url}/")
    assert client.get(f"{faq.url}/entries/{item.id}").status_code == 404
    assert "Can I work offline?" not in page(client, f"{faq.url}/search?q=offline")

    # The moderator answers it: status answered, the proposer is told.
    sign_in(client, faq.moderator)
    assert "Can I work offline?" in page(client, f"{faq.url}/queue")
    response = client.post(f"{faq.url}/entries/{item.id}/edit", data={
        "question": "Can I work offline?", "category_id": str(cat.id),
        "answer": "Not yet, but **soon**.", "save": "Save"})
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(FaqEntry, item.id)
    assert (item.status, item.category_id, item.answered_by_id) == ("answered", cat.id, faq.moderator.id)
    assert [n.kind for n in notifications_of(faq.member)] == ["faq.answered"]
    sign_in(client, faq.other)
    assert client.get(f"{faq.url}/entries/{item.id}").status_code == 404
    sign_in(client, faq.member)
    assert "Answered, not yet published" in page(client, f"{faq.url}/mine")
    assert "<strong>soon</strong>" in page(client, f"{faq.url}/entries/{item.id}")

    # Published: everyone sees it, the proposer is told, the activity is recorded.
    sign_in(client, faq.moderator)
    assert client.post(f"{faq.url}/entries/{item.id}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(FaqEntry, item.id).status == "published"
    assert [n.kind for n in notifications_of(faq.member)] == ["faq.answered", "faq.published"]
    published = db.session.scalar(db.select(Activity).filter_by(verb="faq.published"))
    assert published.title == "Can I work offline?" and published.target_id == item.id
    sign_in(client, faq.other)
    html = page(client, f"{faq.url}/")
    assert "Can I work offline?" in html and "Tools" in html


def test_publish_directly_from_the_answer_form(client, faq):  # noqa: ANN001
    item = entry(faq, "Direct?", "", status="proposed", author=faq.member)
    sign_in(client, faq.moderator)
    response = client.post(f"{faq.url}/entries/{item.id}/edit", data={
        "question": "Direct?", "category_id": "", "answer": "Yes.", "publish": "Save and publish"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(FaqEntry, item.id).status == "published"
    assert [n.kind for n in notifications_of(faq.member)] == ["faq.published"]


def test_publishing_notifies_the_people_the_answer_mentions(client, faq):  # noqa: ANN001
    item = entry(faq, "Who knows?", "Ask @otto.member or @oscar.outsider.", status="answered")
    sign_in(client, faq.moderator)
    assert client.post(f"{faq.url}/entries/{item.id}/publish").status_code == 302
    # Oscar is not a member but the space is public: he may read it.
    assert [n.kind for n in notifications_of(faq.other)] == ["mention"]
    assert [n.kind for n in notifications_of(faq.outsider)] == ["mention"]
    html = page(client, f"{faq.url}/")
    with client.application.test_request_context():
        from flask import url_for

        profile = url_for("auth.profile", user_id=faq.other.id)
    assert f'href="{profile}"' in html


def test_publishing_needs_an_answer(client, faq):  # noqa: ANN001
    item = entry(faq, "Empty?", "", status="proposed", author=faq.member)
    sign_in(client, faq.moderator)
    response = client.post(f"{faq.url}/entries/{item.id}/edit", data={
        "question": "Empty?", "answer": "", "publish": "Save and publish"})
    assert response.status_code == 422
    assert "Write an answer before publishing." in response.get_data(as_text=True)
    response = client.post(f"{faq.url}/entries/{item.id}/publish", follow_redirects=True)
    assert "Write an answer before publishing." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FaqEntry, item.id).status == "proposed"


def test_decline_with_reason(client, faq):  # noqa: ANN001
    item = entry(faq, "Can I have a pony?", "", status="proposed", author=faq.member)
    sign_in(client, faq.moderator)
    response = client.post(f"{faq.url}/entries/{item.id}/decline", data={"reason": ""})
    assert response.status_code == 422
    assert "Give the reason for declining." in response.get_data(as_text=True)
    response = client.post(f"{faq.url}/entries/{item.id}/decline",
                           data={"reason": "Out of <b>scope</b>."})
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(FaqEntry, item.id)
    assert (item.status, item.decline_reason) == ("declined", "Out of <b>scope</b>.")
    [note] = notifications_of(faq.member)
    assert note.kind == "faq.declined" and "Out of <b>scope</b>." in note.title
    sign_in(client, faq.member)
    mine = page(client, f"{faq.url}/mine")
    assert "Declined" in mine and "Out of &lt;b&gt;scope&lt;/b&gt;." in mine
    assert "Out of &lt;b&gt;scope&lt;/b&gt;." in page(client, f"{faq.url}/entries/{item.id}")
    sign_in(client, faq.other)
    assert client.get(f"{faq.url}/entries/{item.id}").status_code == 404


def test_published_entry_cannot_be_declined_without_unpublishing(client, faq):  # noqa: ANN001
    item = entry(faq)
    sign_in(client, faq.moderator)
    response = client.post(f"{faq.url}/entries/{item.id}/decline", data={"reason": "No"})
    assert response.status_code == 422
    assert client.post(f"{faq.url}/entries/{item.id}/unpublish").status_code == 302
    db.session.expire_all()
    assert db.session.get(FaqEntry, item.id).status == "answered"
    assert client.post(f"{faq.url}/entries/{item.id}/decline", data={"reason": "No"}).status_code == 302


def test_moderator_writes_and_deletes_an_entry(client, faq):  # noqa: ANN001
    cat = category(faq, "Rules")
    sign_in(client, faq.moderator)
    response = client.post(f"{faq.url}/entries/new", data={
        "question": "Is it free?", "category_id": str(cat.id), "answer": "Yes, *free*.",
        "publish": "Save and publish"})
    assert response.status_code == 302
    item = db.session.scalar(db.select(FaqEntry))
    assert (item.status, item.category_id, item.author_id) == ("published", cat.id, faq.moderator.id)
    response = client.post(f"{faq.url}/entries/new", data={"question": "Draft?", "answer": "",
                                                           "save": "Save"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(FaqEntry).filter_by(question="Draft?")).status == "answered"
    sign_in(client, faq.member)
    client.post(f"{faq.url}/entries/{item.id}/vote", data={"helpful": "yes"})
    sign_in(client, faq.moderator)
    assert client.post(f"{faq.url}/entries/{item.id}/delete").status_code == 302
    assert db.session.get(FaqEntry, item.id) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqVote)) == 0


def test_edit_published_entry_records_update(client, faq):  # noqa: ANN001
    item = entry(faq, "Old question?", "Old answer.")
    sign_in(client, faq.moderator)
    response = client.post(f"{faq.url}/entries/{item.id}/edit", data={
        "question": "New question?", "answer": "New answer.", "publish": "Save"})
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(FaqEntry, item.id)
    assert (item.question, item.answer, item.status) == ("New question?", "New answer.", "published")
    assert db.session.scalar(db.select(Activity.verb)) == "faq.updated"
    # A published entry cannot lose its answer.
    response = client.post(f"{faq.url}/entries/{item.id}/edit", data={
        "question": "New question?", "answer": "", "publish": "Save"})
    assert response.status_code == 422


def test_setting_nobody_may_propose(client, faq):  # noqa: ANN001
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=faq.space.id, module_id="faq"))
    row.settings = {**row.settings, "who_may_propose": "nobody"}
    db.session.commit()
    sign_in(client, faq.member)
    assert "Ask a question" not in page(client, f"{faq.url}/")
    assert client.get(f"{faq.url}/propose").status_code == 403
    assert client.post(f"{faq.url}/propose", data={"question": "Still?"}).status_code == 403
    sign_in(client, faq.moderator)
    assert client.get(f"{faq.url}/propose").status_code == 403
    page(client, f"{faq.url}/entries/new")


# -- bad input -----------------------------------------------------------------------


def test_empty_and_too_long_questions_are_refused(client, faq):  # noqa: ANN001
    sign_in(client, faq.member)
    response = client.post(f"{faq.url}/propose", data={"question": "   "})
    assert response.status_code == 422
    assert "The question cannot be empty." in response.get_data(as_text=True)
    response = client.post(f"{faq.url}/propose", data={"question": "x" * 301})
    assert response.status_code == 422
    assert "Too long: 300 characters at most." in response.get_data(as_text=True)
    response = client.post(f"{faq.url}/propose", data={"question": "Fine?", "category_id": "999"})
    assert response.status_code == 422
    assert "Choose a category of this FAQ." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqEntry)) == 0


def test_gigantic_answer_is_refused_with_a_message(client, faq):  # noqa: ANN001
    item = entry(faq, "Big?", "", status="proposed", author=faq.member)
    sign_in(client, faq.moderator)
    response = client.post(f"{faq.url}/entries/{item.id}/edit", data={
        "question": "Big?", "answer": "a" * 50_001, "publish": "Save and publish"})
    assert response.status_code == 422
    assert "Too long: 50000 characters at most." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FaqEntry, item.id).answer == ""
    with pytest.raises(Exception, match="too long"):
        workflow.clean_answer("a" * 50_001)


def test_bad_vote_and_move_values(client, faq):  # noqa: ANN001
    item = entry(faq)
    cat = category(faq)
    sign_in(client, faq.moderator)
    assert client.post(f"{faq.url}/entries/{item.id}/vote", data={"helpful": "maybe"}).status_code == 400
    assert client.post(f"{faq.url}/categories/{cat.id}/move", data={"direction": "sideways"}).status_code == 400
    assert client.get(f"{faq.url}/?order=nonsense").status_code == 200


def test_xss_payloads_are_rendered_safely(client, faq):  # noqa: ANN001
    cat = category(faq, XSS)
    item = entry(faq, XSS, f"{XSS}\n\n[link](javascript:alert(1))", cat=cat)
    proposal = entry(faq, XSS, "", status="proposed", author=faq.member)
    proposal.details = XSS
    db.session.commit()
    sign_in(client, faq.moderator)
    urls = [f"{faq.url}/", f"{faq.url}/?order=helpful", f"{faq.url}/entries/{item.id}",
            f"{faq.url}/search?q=alert", f"{faq.url}/search/live?q=alert", f"{faq.url}/queue",
            f"{faq.url}/categories", f"{faq.url}/entries/{proposal.id}",
            f"{faq.url}/entries/{proposal.id}/edit"]
    for url in urls:
        html = page(client, url)
        assert "<script>alert" not in html, url
        assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), url
        assert 'href="javascript:' not in html, url
    assert "&lt;script&gt;" in page(client, f"{faq.url}/")


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_csrf_is_required(client, faq):  # noqa: ANN001
    item = entry(faq)
    token = csrf_token_from(page(client, "/login"))
    client.post("/login", data={"email": faq.member.email, "password": PASSWORD, "csrf_token": token})
    response = client.post(f"{faq.url}/entries/{item.id}/vote", data={"helpful": "yes"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqVote)) == 0
    token = csrf_token_from(page(client, f"{faq.url}/"))
    response = client.post(f"{faq.url}/entries/{item.id}/vote",
                           data={"helpful": "yes", "csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqVote)) == 1


# -- votes and ordering --------------------------------------------------------------


def test_votes_are_counted_and_changeable(client, faq):  # noqa: ANN001
    item = entry(faq)
    before = item.updated_at
    sign_in(client, faq.member)
    response = client.post(f"{faq.url}/entries/{item.id}/vote", data={"helpful": "yes"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/s/team/faq/#q-{item.id}")
    html = page(client, f"{faq.url}/")
    assert "1 person found this helpful" in html
    assert 'value="yes" class="button button--small" aria-pressed="true"' in html
    client.post(f"{faq.url}/entries/{item.id}/vote", data={"helpful": "no"})
    sign_in(client, faq.other)
    client.post(f"{faq.url}/entries/{item.id}/vote", data={"helpful": "yes"})
    client.post(f"{faq.url}/entries/{item.id}/vote", data={"helpful": "yes"})
    db.session.expire_all()
    item = db.session.get(FaqEntry, item.id)
    assert (item.helpful_yes, item.helpful_no) == (1, 1)
    assert item.updated_at == before  # a vote is not an edit
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqVote)) == 2
    assert "1 person found this helpful · 1 did not" in page(client, f"{faq.url}/entries/{item.id}")


def test_cannot_vote_on_unpublished_entry(client, faq):  # noqa: ANN001
    item = entry(faq, status="answered", author=faq.member)
    sign_in(client, faq.member)
    response = client.post(f"{faq.url}/entries/{item.id}/vote", data={"helpful": "yes"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(FaqVote)) == 0


def test_most_helpful_ordering(client, faq):  # noqa: ANN001
    cat = category(faq)
    entry(faq, "Alpha question", cat=cat, yes=1)
    entry(faq, "Beta question", cat=cat, yes=9, no=1)
    entry(faq, "Gamma question", cat=cat, yes=3)
    sign_in(client, faq.member)
    html = page(client, f"{faq.url}/?order=helpful")
    assert html.index("Beta question") < html.index("Gamma question") < html.index("Alpha question")
    html = page(client, f"{faq.url}/")
    main = html[html.index('id="faq-list"'):]
    toc_end = main.index('class="faq-category"')
    body = main[toc_end:]
    assert body.index("Alpha question") < body.index("Beta question") < body.index("Gamma question")
    # The space's default order is a setting.
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=faq.space.id, module_id="faq"))
    row.settings = {**row.settings, "default_order": "helpful"}
    db.session.commit()
    html = page(client, f"{faq.url}/")
    assert html.index("Beta question") < html.index("Alpha question")


# -- search --------------------------------------------------------------------------


def test_search_page_and_live_fragment(client, faq):  # noqa: ANN001
    cat = category(faq, "Access")
    item = entry(faq, "How do I reset my password?", "Use the *forgotten password* link.", cat=cat)
    entry(faq, "Where are the minutes?", "In the documents.")
    entry(faq, "Secret password plan?", "Hidden.", status="answered")
    sign_in(client, faq.member)
    html = page(client, f"{faq.url}/search?q=password")
    assert "How do I reset my password?" in html
    assert "Secret password plan?" not in html
    assert "Where are the minutes?" not in html
    assert 'role="search"' in html and 'name="q"' in html
    fragment = page(client, f"{faq.url}/search/live?q=PASSWORD+reset")
    assert "<html" not in fragment and "How do I reset my password?" in fragment
    assert f"/s/team/faq/#q-{item.id}" in fragment
    assert "1 question matches" in fragment
    assert "0 questions match" in page(client, f"{faq.url}/search/live?q=nothing")
    assert "question" not in page(client, f"{faq.url}/search/live?q=").lower()
    # LIKE wildcards are searched literally.
    assert "0 questions match" in page(client, f"{faq.url}/search/live?q=%25")
    assert "0 questions match" in page(client, f"{faq.url}/search/live?q=_")


def test_faq_page_links_the_search_script(client, faq):  # noqa: ANN001
    sign_in(client, faq.member)
    html = page(client, f"{faq.url}/")
    match = re.search(r'<script src="([^"]+faq\.js)"', html)
    assert match and "data-faq-live=" in html
    response = client.get(match.group(1))
    assert response.status_code == 200
    assert "fetch(" in response.get_data(as_text=True)
    response.close()


# -- categories ----------------------------------------------------------------------


def test_category_management(client, faq):  # noqa: ANN001
    sign_in(client, faq.moderator)
    for name in ("First", "Second", "Third"):
        assert client.post(f"{faq.url}/categories", data={"name": name}).status_code == 302
    response = client.post(f"{faq.url}/categories", data={"name": " "})
    assert response.status_code == 422 and "The category needs a name." in response.get_data(as_text=True)
    first, second, third = db.session.scalars(
        db.select(FaqCategory).order_by(FaqCategory.position)).all()
    assert [c.name for c in (first, second, third)] == ["First", "Second", "Third"]

    client.post(f"{faq.url}/categories/{third.id}/move", data={"direction": "up"})
    client.post(f"{faq.url}/categories/{first.id}/move", data={"direction": "up"})  # already first
    names = db.session.scalars(db.select(FaqCategory.name).order_by(FaqCategory.position)).all()
    assert names == ["First", "Third", "Second"]
    client.post(f"{faq.url}/categories/{first.id}/move", data={"direction": "down"})
    names = db.session.scalars(db.select(FaqCategory.name).order_by(FaqCategory.position)).all()
    assert names == ["Third", "First", "Second"]

    assert client.post(f"{faq.url}/categories/{first.id}/rename", data={"name": "Premier"}).status_code == 302
    response = client.post(f"{faq.url}/categories/{first.id}/rename", data={"name": ""})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(FaqCategory, first.id).name == "Premier"

    item = entry(faq, cat=db.session.get(FaqCategory, first.id))
    response = client.post(f"{faq.url}/categories/{first.id}/delete")
    assert response.status_code == 422
    assert "still holds 1 questions" in response.get_data(as_text=True)
    response = client.post(f"{faq.url}/categories/{first.id}/delete", data={"move_to": str(first.id)})
    assert response.status_code == 422
    response = client.post(f"{faq.url}/categories/{first.id}/delete", data={"move_to": str(second.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(FaqCategory, first.id) is None
    assert db.session.get(FaqEntry, item.id).category_id == second.id
    assert client.post(f"{faq.url}/categories/{third.id}/delete").status_code == 302
    assert db.session.get(FaqCategory, third.id) is None
    html = page(client, f"{faq.url}/categories")
    assert "Second" in html and "Up" in html and "Down" in html


# -- query count ---------------------------------------------------------------------


def _fill(faq: Faq, n: int) -> None:
    cats = [category(faq, f"Category {i}", i) for i in range(3)]
    for i in range(n):
        item = entry(faq, f"Question {i} for @member-team?", f"Answer {i} by @moderator.person",
                     cat=cats[i % 3], yes=i % 4)
        db.session.add(FaqVote(entry_id=item.id, user_id=faq.member.id, helpful=bool(i % 2)))
    db.session.commit()


@pytest.mark.parametrize("order", ["category", "helpful"])
def test_faq_page_query_count_is_bounded(client, app, count_queries, order):  # noqa: ANN001
    small, large = build_faq("small"), build_faq("large")
    _fill(small, 3)
    _fill(large, 30)
    counts = []
    for data in (small, large):
        sign_in(client, data.member)
        client.get(f"{data.url}/?order={order}")  # warm-up: session touch, caches
        with count_queries() as queries:
            html = page(client, f"{data.url}/?order={order}")
        assert "Question 2 for" in html
        counts.append(queries.count)
        assert queries.count <= 15, queries.report()
        print(queries.report())
    print("FAQ page queries:", counts)
    assert counts[0] == counts[1]


# -- module switched off -------------------------------------------------------------


def test_disabled_module_is_404_and_keeps_data(client, faq):  # noqa: ANN001
    item = entry(faq)
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=faq.space.id, module_id="faq"))
    row.enabled = False
    db.session.commit()
    sign_in(client, faq.owner)
    for url in ("/", f"/entries/{item.id}", "/search?q=start", "/categories"):
        assert client.get(f"{faq.url}{url}").status_code == 404, url
    assert client.get(f"/api/v1/spaces/{faq.slug}/faq/entries").status_code == 404
    assert db.session.get(FaqEntry, item.id) is not None
    row.enabled = True
    db.session.commit()
    assert client.get(f"{faq.url}/entries/{item.id}").status_code == 200


def test_archived_space_is_read_only(client, faq):  # noqa: ANN001
    item = entry(faq)
    proposal = entry(faq, "Pending?", "", status="proposed", author=faq.member)
    faq.space.status = "archived"
    db.session.commit()
    sign_in(client, faq.member)
    html = page(client, f"{faq.url}/")
    assert "How do I start?" in html and "Ask a question" not in html and "Was this helpful?" not in html
    assert client.post(f"{faq.url}/propose", data={"question": "Late?"}).status_code == 403
    assert client.post(f"{faq.url}/entries/{item.id}/vote", data={"helpful": "yes"}).status_code == 403
    sign_in(client, faq.moderator)
    assert client.post(f"{faq.url}/entries/{proposal.id}/publish").status_code == 404
    assert client.get(f"{faq.url}/queue").status_code == 403
