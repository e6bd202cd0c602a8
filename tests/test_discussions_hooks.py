"""The discussions module and the platform: contract, widgets (bounded queries), search
documents, export, deletion, demo content, migrations branch."""

from __future__ import annotations

import pytest
from conftest import login
from test_discussions import build_team, post

from parvis import WidgetContext
from parvis.extensions import db
from parvis.plugins.manager import current_platform
from parvis.testing.contract import check_module
from parvis.testing.queries import count_queries
from parvis_modules.discussions import lifecycle, service
from parvis_modules.discussions.models import Channel, Message


@pytest.fixture
def team(app, admin):  # noqa: ANN001, ANN201
    return build_team("hooks")


def test_the_module_keeps_the_contract(app):
    assert check_module(app, "discussions") == []


def _widget(widget_id: str):  # noqa: ANN202
    return current_platform().widgets[widget_id]


def _render(widget_id: str, contexts: list[WidgetContext]) -> list[str]:
    spec = _widget(widget_id)
    spec.load(contexts)
    return [str(spec.render(ctx)) for ctx in contexts]


@pytest.mark.parametrize("widget_id", ["discussions.latest", "discussions.minichat"])
def test_widgets_render_with_defaults_and_empty_data(app, team, widget_id):
    spec = _widget(widget_id)
    ctx = WidgetContext(space=team.space, settings=dict(spec.defaults), user=team.member)
    with app.test_request_context():
        html = str(spec.render(ctx))
    assert "discussion" in html.lower() or "general" in html


def test_latest_widget_shows_active_threads_first(app, team):
    old = post(team, team.member, "Old thread")
    post(team, team.member, "Newer message")
    post(team, team.other, "reply", thread=old)
    ctx = WidgetContext(space=team.space, settings={"limit": 5}, user=team.member)
    with app.test_request_context():
        html = _render("discussions.latest", [ctx])[0]
    assert html.index("Old thread") < html.index("Newer message")
    assert "reply" not in html.split("Old thread")[0]


def test_minichat_shows_the_chosen_channel_and_a_form(app, team):
    other = service.create_channel(team.space, team.admin, "projets", "")
    post(team, team.member, "in general")
    post(team, team.member, "in projets", channel=other)
    ctxs = [
        WidgetContext(space=team.space, settings={"channel_id": other.id, "limit": 8}, user=team.member),
        WidgetContext(space=team.space, settings={"channel_id": None, "limit": 8}, user=team.guest),
    ]
    with app.test_request_context():
        chosen, default = _render("discussions.minichat", ctxs)
    assert "in projets" in chosen and "in general" not in chosen and 'name="body"' in chosen
    assert "in general" in default and 'name="body"' not in default  # guests read only


@pytest.mark.parametrize("widget_id", ["discussions.latest", "discussions.minichat"])
def test_widget_queries_do_not_grow_with_data_or_placements(app, team, widget_id):
    def measure(n_placements: int) -> int:
        ctxs = [
            WidgetContext(space=team.space, settings=dict(_widget(widget_id).defaults), user=team.member)
            for _ in range(n_placements)
        ]
        with app.test_request_context(), count_queries() as log:
            _render(widget_id, ctxs)
        return log.count

    post(team, team.member, "one")
    few = measure(1)
    for n in range(40):
        root = post(team, team.member, f"message {n}")
        post(team, team.other, "answer", thread=root)
    many = measure(6)
    assert many <= few + 1 and many <= 4, (few, many)


def test_channel_page_queries_are_bounded(app, team):
    client = app.test_client()
    login(client, team.member)
    post(team, team.other, "hello")
    client.get(f"{team.url}/c/{team.channel.id}")
    with count_queries() as few:
        client.get(f"{team.url}/c/{team.channel.id}")
    for n in range(60):
        message = post(team, team.other, f"@{team.member.username} number {n}")
        if n % 10 == 0:
            post(team, team.member, "reply", thread=message)
    client.get(f"{team.url}/c/{team.channel.id}")
    with count_queries() as many:
        client.get(f"{team.url}/c/{team.channel.id}")
    assert many.count <= few.count + 1, many.report()
    assert many.count <= 25, many.report()


def test_search_documents_skip_deleted_messages(app, team):
    kept = post(team, team.member, "Le **budget** est voté")
    gone = post(team, team.member, "à effacer")
    service.delete_message(gone, team.space, team.member)
    with app.test_request_context():
        docs = list(lifecycle.search_documents(team.space))
        one = lifecycle.search_document(kept.id)
        none = lifecycle.search_document(gone.id)
    assert [d["object_id"] for d in docs] == [kept.id]
    assert docs[0]["type"] == "discussions.message" and docs[0]["body"] == "Le budget est voté"
    assert docs[0]["url"].endswith(f"/discussions/m/{kept.id}")
    assert one["object_id"] == kept.id and none is None


def test_content_type_resolves_only_for_readers(app):
    team = build_team("resolve", visibility="private")
    message = post(team, team.member, "private")
    ct = current_platform().content_type("discussions.message")
    assert ct.resolve(message.id, team.other) is message
    assert ct.resolve(message.id, team.outsider) is None
    assert ct.resolve(10**12, team.other) is None


def test_export_has_channels_and_messages(app, team):
    root = post(team, team.member, "Root")
    post(team, team.other, "Reply", thread=root)
    data = current_platform().hook.parvis_export_space(space=team.space, module_id="discussions")
    exported = next(d for d in data if d)
    channel = exported["channels"][0]
    assert channel["name"] == "general"
    assert [(m["body"], m["thread_id"]) for m in channel["messages"]] == [("Root", None), ("Reply", root.id)]


def test_deleting_the_space_removes_everything(app, team):
    root = post(team, team.member, "bye")
    post(team, team.other, "reply", thread=root)
    client = app.test_client()
    login(client, team.owner)
    response = client.post(f"/s/{team.slug}/settings/delete", data={"confirm": team.slug})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Channel)) == 0


def test_demo_seed_adds_a_thread(app, team):
    lifecycle.seed_demo(team.space, [team.member, team.other])
    db.session.commit()
    root = db.session.scalar(db.select(Message).filter_by(thread_id=None))
    assert root.reply_count == 2
    assert team.channel.last_seq == 3


def test_migration_branch_is_declared(app):
    spec = current_platform().module("discussions")
    files = list(spec.migrations.glob("discussions_0001_*.py"))
    assert files and "branch_labels = ('discussions',)" in files[0].read_text()
