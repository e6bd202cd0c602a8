"""Space templates and space files (space-as-code): discovery, creation, export, import."""

from __future__ import annotations

import io
import json

import pytest
from conftest import add_member, logout, make_space
from conftest import login as _login

from parvis.extensions import db
from parvis.models import Space, SpaceModule, SpaceRequest, SpaceTemplate
from parvis.services.composition import CompositionInvalid, published_composition
from parvis.services.space_templates import (
    available_templates,
    export_space,
    shipped_templates,
    validate_space_data,
)
from parvis.services.spaces import SpaceError, create_space, enabled_modules


def login(client, user):  # noqa: ANN001, ANN201
    logout(client)
    return _login(client, user)


def test_three_templates_ship(app):
    found = shipped_templates()
    assert {"community-of-practice", "project-team", "network-club"} <= set(found)
    for choice in found.values():
        assert str(choice.label) and str(choice.description)
        validate_space_data(choice.data, strict=False)  # valid on this platform


def test_create_space_from_template(app, alice):
    space = create_space(name="Réseau", slug="reseau", owner=alice, template="network-club")
    db.session.commit()
    enabled = [spec.id for spec, _row in enabled_modules(space)]
    assert "posts" in enabled and "faq" in enabled and "wiki" not in enabled
    assert enabled.index("posts") < enabled.index("faq")  # the template's navigation order
    _page, comp = published_composition(space)
    assert comp.layout == "dashboard-grid"
    assert [p["widget"] for p in comp.placements][:2] == ["core.description", "posts.announcement"]
    # Widgets of modules this platform lacks are left out, not an error.
    assert all(p["widget"].split(".")[0] in {"core", "posts", "faq", "wiki", "calendar",
                                             "discussions", "documents"} for p in comp.placements)


def test_unknown_template_is_refused(app, alice):
    with pytest.raises(SpaceError):
        create_space(name="X", slug="x", owner=alice, template="nope")


def test_request_form_offers_templates_and_approval_applies_it(client, alice, manager):
    login(client, alice)
    html = client.get("/spaces/request").get_data(as_text=True)
    assert "Community of practice" in html and "Project team" in html and "Network or club" in html
    r = client.post("/spaces/request", data={
        "name": "Équipe projet", "slug": "projet", "purpose": "Livrer", "visibility": "private",
        "join_policy": "request", "template": "project-team"})
    assert r.status_code == 302
    req = db.session.scalar(db.select(SpaceRequest).filter_by(slug="projet"))
    assert req.template == "project-team"
    from parvis.services.membership import approve_request

    with client.application.test_request_context():
        approve_request(req, manager)
    db.session.commit()
    space = db.session.scalar(db.select(Space).filter_by(slug="projet"))
    _page, comp = published_composition(space)
    assert comp.layout == "header-three-columns"
    r = client.post("/spaces/request", data={
        "name": "Autre", "slug": "autre", "purpose": "x", "visibility": "private",
        "join_policy": "request", "template": "nope"})
    assert r.status_code == 422


@pytest.mark.config(SPACE_AUTO_APPROVE=True)
def test_request_with_template_opens_at_once(client, alice, bob):
    login(client, alice)
    r = client.post("/spaces/request", data={
        "name": "Pratiques", "slug": "pratiques", "purpose": "Partager", "visibility": "public",
        "join_policy": "open", "template": "community-of-practice"})
    assert r.status_code == 302 and r.location.endswith("/s/pratiques/")
    html = client.get("/s/pratiques/").get_data(as_text=True)
    assert "widget--description" in html and "layout--main-sidebar" in html


def test_export_then_create_from_file(client, alice, manager, bob):
    space = make_space(alice, "source", "public", template="project-team")
    space.accent_color = "#1a2b3c"
    db.session.commit()
    login(client, alice)
    client.post("/s/source/builder/pages", data={"title": "Ressources"})
    r = client.get("/s/source/builder/export.json")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    data = json.loads(r.get_data(as_text=True))
    assert data["format"] == "parvis.space/1" and data["accent_color"] == "#1a2b3c"
    assert [p["slug"] for p in data["pages"]] == ["home", "ressources"]
    login(client, bob)
    assert client.get("/spaces/from-file").status_code == 403
    login(client, manager)
    r = client.post("/spaces/from-file", data={
        "name": "Copie", "slug": "copie", "visibility": "private", "join_policy": "invitation",
        "file": (io.BytesIO(json.dumps(data).encode()), "source.parvis.json")},
        content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    copy = db.session.scalar(db.select(Space).filter_by(slug="copie"))
    assert copy.accent_color == "#1a2b3c" and copy.nav_pages == [{"slug": "ressources", "title": "Ressources"}]
    exported = export_space(copy)
    assert exported["pages"] == data["pages"] and exported["modules"] == data["modules"]


def test_invalid_file_is_refused_naming_the_problem(client, manager):
    login(client, manager)
    bad = {"format": "parvis.space/1", "theme": "default", "modules": [{"id": "nope"}],
           "pages": [{"slug": "home", "layout": "one-column",
                      "placements": [{"region": "main", "widget": "core.members", "settings": {"limit": 999}}]}]}
    r = client.post("/spaces/from-file", data={
        "name": "Bad", "slug": "bad", "visibility": "private", "join_policy": "request",
        "file": (io.BytesIO(json.dumps(bad).encode()), "bad.json")}, content_type="multipart/form-data")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "modules.0.id" in html and "pages.0.placements.0.settings.limit" in html
    assert db.session.scalar(db.select(Space).filter_by(slug="bad")) is None
    r = client.post("/spaces/from-file", data={
        "name": "Bad", "slug": "bad", "visibility": "private", "join_policy": "request",
        "file": (io.BytesIO(b"{nope"), "bad.json")}, content_type="multipart/form-data")
    assert r.status_code == 422 and "not valid JSON" in r.get_data(as_text=True)


def test_unreadable_accent_in_file_is_refused(app):
    with pytest.raises(CompositionInvalid) as info:
        validate_space_data({"accent_color": "#ffff00", "pages": []}, strict=True)
    assert "4.5:1" in " ".join(info.value.errors["accent_color"])


def test_import_into_space(client, alice):
    make_space(alice, "target", "public")
    login(client, alice)
    data = {"format": "parvis.space/1", "theme": "dark", "modules": [{"id": "wiki", "enabled": False}],
            "pages": [{"slug": "home", "layout": "one-column",
                       "placements": [{"region": "main", "widget": "core.text", "settings": {"body": "Bonjour"}}]}]}
    r = client.post("/s/target/builder/import", data={"file": (io.BytesIO(json.dumps(data).encode()), "f.json")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    space = db.session.scalar(db.select(Space).filter_by(slug="target"))
    assert space.theme == "dark"
    row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=space.id, module_id="wiki"))
    assert row.enabled is False
    assert "Bonjour" in client.get("/s/target/").get_data(as_text=True)


def test_save_as_template_and_publish(client, alice, bob, admin):
    space = make_space(alice, "model", "public", template="community-of-practice")
    add_member(space, bob, "admin")
    login(client, alice)
    r = client.post("/s/model/builder/save-template", data={"label": "Notre modèle", "description": "Pour les réseaux"})
    assert r.status_code == 302
    row = db.session.scalar(db.select(SpaceTemplate))
    assert row.label == "Notre modèle" and not row.published
    assert "Notre modèle" in client.get("/spaces/request").get_data(as_text=True)
    login(client, bob)  # not offered to others until published
    assert "Notre modèle" not in client.get("/spaces/request").get_data(as_text=True)
    assert client.post(f"/s/model/builder/templates/{row.id}", data={"op": "publish"}).status_code == 404
    login(client, admin)
    assert client.post(f"/s/model/builder/templates/{row.id}", data={"op": "publish"}).status_code == 302
    login(client, bob)
    assert "Notre modèle" in client.get("/spaces/request").get_data(as_text=True)
    space2 = create_space(name="B", slug="b-space", owner=bob, template=f"user:{row.id}")
    db.session.commit()
    assert published_composition(space2) is not None
    with client.application.test_request_context():
        assert any(t.key == f"user:{row.id}" for t in available_templates(bob))
    assert client.post("/s/model/builder/save-template", data={"label": ""}).status_code == 422


def test_yaml_space_file_round_trip(client, alice, manager):
    """Export as YAML (readable in a diff), then create a space from that YAML file."""
    import yaml

    make_space(alice, "yamlsrc", "public", template="project-team")
    login(client, alice)
    r = client.get("/s/yamlsrc/builder/export.yaml")
    assert r.status_code == 200 and r.mimetype == "application/yaml"
    assert 'filename="yamlsrc.parvis.yaml"' in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    assert text.startswith("format: parvis.space/1")
    data = yaml.safe_load(text)
    login(client, manager)
    r = client.post("/spaces/from-file", data={
        "name": "Copie YAML", "slug": "copie-yaml", "visibility": "private", "join_policy": "invitation",
        "file": (io.BytesIO(text.encode()), "yamlsrc.parvis.yaml")}, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    copy = db.session.scalar(db.select(Space).filter_by(slug="copie-yaml"))
    exported = export_space(copy)
    assert exported["pages"] == data["pages"] and exported["modules"] == data["modules"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a: &x [1, 2]\nb: *x\n", "not valid YAML"),  # aliases could expand a small file
        (b"format: [unclosed\n", "not valid YAML (line"),
        (b"!!python/object/apply:os.system ['true']\n", "not valid YAML"),
        (b"\xff\xfe\x00junk", "not UTF-8"),
    ],
)
def test_hostile_yaml_space_files_are_refused(client, manager, content, message):
    login(client, manager)
    r = client.post("/spaces/from-file", data={
        "name": "Bad", "slug": "bad-yaml", "visibility": "private", "join_policy": "invitation",
        "file": (io.BytesIO(content), "bad.yaml")}, content_type="multipart/form-data")
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert db.session.scalar(db.select(Space).filter_by(slug="bad-yaml")) is None
