"""The plugin contract: discovery, isolation, blocking, and every hook's call-site.

The test-only module ``exercise`` (tests/plugins/exercise_module.py) implements every
hook and records its calls, so these tests check that the core calls each hook, when
the documentation says, with the documented keyword arguments.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import add_member, login, make_app, make_space
from flask import Flask
from plugins import exercise_module as ex

from parvis import ModuleSpec, hookimpl
from parvis.extensions import db
from parvis.plugins import hookspecs
from parvis.plugins.manager import ENTRY_POINT_GROUP, current_platform
from parvis.services.spaces import remove_member, set_module_enabled

HOOK_NAMES = sorted(n for n in vars(hookspecs) if n.startswith("parvis_"))


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    ex.reset()


@pytest.fixture
def space(app: Flask, alice):  # noqa: ANN001, ANN201
    """A public space owned by alice with the exercise module switched on."""
    space = make_space(alice, "lab", "public")
    ex.enable(space, alice)
    return space


def _mine(name: str) -> list[dict]:
    """Recorded calls of ``name`` about the exercise module (hooks see every module's events)."""
    return [kwargs for kwargs in ex.calls(name) if kwargs.get("module_id") == "exercise"]


def _kwargs_match_spec(name: str, kwargs: dict) -> None:
    expected = set(inspect.signature(getattr(hookspecs, name)).parameters)
    assert set(kwargs) == expected, f"{name} called with {sorted(kwargs)}, spec says {sorted(expected)}"


# -- discovery and isolation ------------------------------------------------------------


def test_check_pending_passes(app: Flask) -> None:
    current_platform().pm.check_pending()


def test_exercise_module_implements_every_hook() -> None:
    implemented = {n for n in HOOK_NAMES if hasattr(getattr(ex, n, None), "parvis_impl")}
    assert implemented == set(HOOK_NAMES), sorted(set(HOOK_NAMES) - implemented)


def test_builtin_posts_module_comes_from_entry_point_group(app: Flask) -> None:
    platform = current_platform()
    assert "posts" in platform.modules
    assert "posts" in platform.installed_entry_points()
    dists = {
        plugin.__name__: dist.metadata["name"]
        for plugin, dist in platform.pm.list_plugin_distinfo()
    }
    assert dists.get("parvis_modules.posts.plugin") == "parvis"
    assert platform.pm.get_plugin("posts") is not None  # registered under its entry-point name
    assert ENTRY_POINT_GROUP == "parvis.modules"


def test_every_entry_point_is_a_module_of_the_same_id(app: Flask) -> None:
    from importlib.metadata import entry_points

    platform = current_platform()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        plugin = platform.pm.get_plugin(ep.name)
        assert plugin is not None, f"entry point {ep.name} is not registered"
        assert plugin.__name__ == ep.value
        assert ep.name in platform.modules, f"entry point {ep.name} declares no module of that id"


def test_each_app_has_its_own_plugin_manager(app: Flask, database_url: str, instance_dir: str) -> None:
    class Extra:
        @hookimpl
        def parvis_module(self) -> ModuleSpec:
            return ModuleSpec(id="extra", name="Extra")

    with_extra = make_app(database_url, instance_dir, EXTRA_PLUGINS=["plugins.exercise_module", Extra()])
    without = make_app(database_url, instance_dir, EXTRA_PLUGINS=[])
    platforms = [a.extensions["parvis"] for a in (app, with_extra, without)]
    assert len({id(p.pm) for p in platforms}) == 3
    assert "extra" in with_extra.extensions["parvis"].modules
    assert "extra" not in app.extensions["parvis"].modules
    assert "extra" not in without.extensions["parvis"].modules
    assert "exercise" not in without.extensions["parvis"].modules
    assert "exercise" not in {rule.endpoint.split(".")[0] for rule in without.url_map.iter_rules()}


def test_module_blocked_by_name_is_never_imported(
    app: Flask, database_url: str, instance_dir: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "parvis_blocked_probe"
    (tmp_path / f"{name}.py").write_text(
        textwrap.dedent(
            f"""
            from parvis import ModuleSpec, hookimpl

            @hookimpl
            def parvis_module():
                return ModuleSpec(id="{name}", name="Probe")
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    blocked = make_app(database_url, instance_dir, EXTRA_PLUGINS=[name], DISABLED_MODULES=[name])
    assert name not in sys.modules
    assert name not in blocked.extensions["parvis"].modules
    allowed = make_app(database_url, instance_dir, EXTRA_PLUGINS=[name])
    assert name in sys.modules
    assert name in allowed.extensions["parvis"].modules
    monkeypatch.delitem(sys.modules, name)


def test_blocked_module_loaded_under_another_name_contributes_nothing(
    database_url: str, instance_dir: str
) -> None:
    blocked = make_app(database_url, instance_dir, DISABLED_MODULES=["exercise"])
    platform = blocked.extensions["parvis"]
    assert "exercise" not in platform.modules
    assert not [r for r in blocked.url_map.iter_rules() if r.endpoint.startswith("exercise")]
    assert "exercise.hello" not in platform.widgets  # parvis_widgets of the module did not run
    assert "exercise-hello" not in blocked.cli.commands
    with blocked.test_request_context():
        assert platform.hook.parvis_template_slot(slot="head", context={}) == []


def test_disabled_builtin_module_is_not_imported(tmp_path: Path) -> None:
    """Through the real entry point, in a fresh interpreter (posts is imported here already)."""
    code = textwrap.dedent(
        f"""
        import sys
        from parvis import create_app
        app = create_app({{
            "TESTING": True, "SECRET_KEY": "x", "DISABLED_MODULES": ["posts"],
            "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / 'probe.db'}",
        }}, instance_path={str(tmp_path / 'instance')!r})
        assert "parvis_modules.posts.plugin" not in sys.modules, "posts was imported"
        assert "posts" not in app.extensions["parvis"].modules
        assert not [r for r in app.url_map.iter_rules() if r.endpoint.startswith("posts.")]
        print("ok")
        """
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


# -- start-up hooks -------------------------------------------------------------------------


def test_startup_hooks_are_called_with_documented_arguments(database_url: str, instance_dir: str) -> None:
    ex.reset()
    new_app = make_app(database_url, instance_dir)
    for name in ("parvis_module", "parvis_widgets", "parvis_themes", "parvis_cli_commands", "parvis_app_ready"):
        assert ex.calls(name), f"{name} was not called at start-up"
        for kwargs in ex.calls(name):
            _kwargs_match_spec(name, kwargs)
    assert ex.calls("parvis_app_ready")[-1]["app"] is new_app
    assert ex.calls("parvis_cli_commands")[-1]["cli"] is new_app.cli
    assert new_app.extensions["exercise"] == {"ready": True}


def test_module_spec_is_mounted(app: Flask) -> None:
    platform = current_platform()
    spec = platform.module("exercise")
    assert spec is not None and spec.default_enabled is False
    rules = {r.endpoint: r.rule for r in app.url_map.iter_rules()}
    assert rules["exercise.index"] == "/s/<space_slug>/exercise/"
    assert rules["exercise_api.api_items"] == "/api/v1/spaces/<space_slug>/exercise/items"
    assert platform.content_type("exercise.item") is not None
    assert platform.blueprint_owners["exercise"] == "exercise"
    assert platform.blueprint_owners["exercise_api"] == "exercise"


def test_widgets_from_spec_and_hook(app: Flask) -> None:
    widgets = current_platform().widgets
    assert widgets["exercise.counter"].module_id == "exercise"
    assert widgets["exercise.counter"].form is ex.CounterForm
    assert widgets["exercise.hello"].module_id is None
    assert "core.text" in widgets  # the core dog-foods parvis_widgets


def test_cli_command_from_hook(app: Flask) -> None:
    assert "exercise-hello" in app.cli.commands
    result = app.test_cli_runner().invoke(args=["exercise-hello"])
    assert result.exit_code == 0
    assert "hello from exercise" in result.output


def test_themes_hook_feeds_theme_discovery(app: Flask) -> None:
    from parvis.themes import discover_themes

    ex.reset()
    themes = discover_themes(app)
    assert {"default", "dark", "high-contrast"} <= set(themes)
    assert ex.calls("parvis_themes") == [{}]


def test_layouts_hook_feeds_layout_discovery(app: Flask) -> None:
    from parvis.layouts import discover_layouts

    app.extensions.pop("parvis.layouts", None)  # discovered lazily, once per app
    ex.reset()
    found = discover_layouts()
    assert "main-sidebar" in found  # the core ships its layouts through the same hook
    assert ex.calls("parvis_layouts") == [{}]


def _optional_module(dotted: str):  # noqa: ANN202
    import importlib

    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        return None


# -- template slot --------------------------------------------------------------------------


def test_template_slot_head_is_rendered(client, alice) -> None:  # noqa: ANN001
    html = client.get("/login").get_data(as_text=True)
    head = html.split("</head>", 1)[0]
    assert '<meta name="parvis-exercise" content="on">' in head
    calls = ex.calls("parvis_template_slot")
    assert {"slot": "head"} in calls
    for kwargs in calls:
        assert set(kwargs) == {"slot"}  # recorded subset; the spec passes slot and context


# -- space life-cycle ------------------------------------------------------------------------


def test_enable_disable_reenable_keeps_data(app: Flask, client, alice, bob) -> None:  # noqa: ANN001
    space = make_space(alice, "lab", "public")
    assert _mine("parvis_space_module_enabled") == []  # not default-enabled
    add_member(space, bob, "member")
    login(client, bob)
    assert client.get("/s/lab/exercise/").status_code == 404

    ex.enable(space, alice)
    assert _mine("parvis_space_module_enabled") == [{"space": space, "module_id": "exercise"}]
    assert client.get("/s/lab/exercise/").status_code == 200
    assert client.post("/s/lab/exercise/act").status_code == 302
    assert "Done" in client.get("/s/lab/exercise/").get_data(as_text=True)
    item_id = db.session.scalar(db.select(ex.ExerciseItem.id))

    set_module_enabled(space, "exercise", False, alice)
    db.session.commit()
    assert _mine("parvis_space_module_disabled") == [{"space": space, "module_id": "exercise"}]
    for url in ("/s/lab/exercise/", f"/s/lab/exercise/items/{item_id}", "/api/v1/spaces/lab/exercise/items"):
        assert client.get(url).status_code == 404, url
    assert client.post("/s/lab/exercise/act").status_code == 404
    assert db.session.get(ex.ExerciseItem, item_id) is not None  # data kept

    ex.enable(space, alice)
    assert len(_mine("parvis_space_module_enabled")) == 2
    assert client.get(f"/s/lab/exercise/items/{item_id}").status_code == 200
    assert client.get("/api/v1/spaces/lab/exercise/items").get_json() == {
        "items": [{"id": item_id, "title": "Done"}]
    }


def test_create_space_with_module_calls_enabled_hook(app: Flask, alice) -> None:  # noqa: ANN001
    space = make_space(alice, "made", "public", modules=["posts", "exercise"])
    calls = ex.calls("parvis_space_module_enabled")
    assert {"space": space, "module_id": "exercise"} in calls
    assert {"space": space, "module_id": "posts"} in calls  # every module's hook sees every call
    for kwargs in calls:
        _kwargs_match_spec("parvis_space_module_enabled", kwargs)


def test_permission_of_module_is_enforced(app: Flask, client, space, bob, carol) -> None:  # noqa: ANN001
    add_member(space, bob, "guest")
    login(client, bob)
    assert client.get("/s/lab/exercise/").status_code == 200
    assert client.post("/s/lab/exercise/act").status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(ex.ExerciseItem)) == 0


def test_member_removed_hook(app: Flask, space, alice, bob) -> None:  # noqa: ANN001
    membership = add_member(space, bob, "member")
    remove_member(membership, alice)
    db.session.commit()
    assert ex.calls("parvis_member_removed") == [{"space": space, "user": bob}]


def test_space_deleted_hook(app: Flask, client, space, alice) -> None:  # noqa: ANN001
    """Deleting a space from its settings calls the hook before the row goes."""
    db.session.add(ex.ExerciseItem(space_id=space.id, title="x"))
    db.session.commit()
    space_id = space.id
    login(client, alice)
    response = client.post("/s/lab/settings/delete", data={"confirm": "lab"})
    assert response.status_code == 302
    calls = ex.calls("parvis_space_deleted")
    assert len(calls) == 1 and set(calls[0]) == {"space"}
    assert calls[0]["space"].id == space_id
    db.session.expire_all()
    from parvis.models import Space

    assert db.session.get(Space, space_id) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(ex.ExerciseItem)) == 0


def test_export_space_hook(app: Flask, space, alice) -> None:  # noqa: ANN001
    from parvis.services.export import module_exports

    db.session.add(ex.ExerciseItem(space_id=space.id, title="exported"))
    db.session.commit()
    data = module_exports(space)
    calls = ex.calls("parvis_export_space")
    assert {"space": space, "module_id": "exercise"} in calls
    for kwargs in calls:
        _kwargs_match_spec("parvis_export_space", kwargs)
    assert "exported" in str(data["exercise"])


def test_search_documents_hook(app: Flask, space, alice) -> None:  # noqa: ANN001
    db.session.add(ex.ExerciseItem(space_id=space.id, title="findme"))
    db.session.commit()
    collect = _find_callable(
        ("parvis.services.search", "space_documents"),
        ("parvis.services.search", "documents_of"),
        ("parvis.services.search", "collect_documents"),
    )
    if collect is None:
        with app.test_request_context():
            docs = [d for batch in current_platform().hook.parvis_search_documents(space=space) for d in batch or ()]
    else:
        docs = list(_call_with_known_args(collect, space=space))
    assert ex.calls("parvis_search_documents")[0] == {"space": space}
    doc = next(d for d in docs if d.get("type") == "exercise.item")
    assert {"type", "object_id", "title", "body", "url"} <= set(doc)
    assert doc["title"] == "findme"


def test_demo_seed_hook(app: Flask, tmp_path: Path) -> None:
    """``parvis demo`` seeds every enabled module of every demo space through the hook."""
    from parvis.demo import seed_demo
    from parvis.services.spaces import enabled_modules

    app.instance_path = str(tmp_path)  # the demo writes its credentials file there
    assert seed_demo(app, echo=lambda *args: None) is True
    calls = ex.calls("parvis_demo_seed")
    assert calls
    for kwargs in calls:
        _kwargs_match_spec("parvis_demo_seed", kwargs)
        enabled = {spec.id for spec, _row in enabled_modules(kwargs["space"])}
        assert kwargs["module_id"] in enabled
        assert kwargs["users"], "a demo space has members"


def _find_callable(*candidates: tuple[str, str]):  # noqa: ANN202
    for module_name, attr in candidates:
        module = _optional_module(module_name)
        if module is not None and callable(getattr(module, attr, None)):
            return getattr(module, attr)
    return None


def _call_with_known_args(fn, **available):  # noqa: ANN001, ANN003, ANN202
    """Call ``fn`` with the subset of ``available`` keyword arguments it accepts."""
    params = inspect.signature(fn).parameters
    return fn(**{k: v for k, v in available.items() if k in params})


# -- the contract kit ------------------------------------------------------------------------


def test_every_installed_module_keeps_the_contract(app: Flask) -> None:
    from parvis.testing.contract import check_module

    problems = {m: check_module(app, m) for m in current_platform().modules}
    assert problems["exercise"] == []
    assert {m: p for m, p in problems.items() if p} == {}


def test_contract_kit_reports_problems(app: Flask, database_url: str, instance_dir: str) -> None:
    from parvis import NavEntry, Permission
    from parvis.testing.contract import check_module

    class Sloppy:
        @hookimpl
        def parvis_module(self) -> ModuleSpec:
            return ModuleSpec(
                id="sloppy",
                name="Sloppy",
                permissions=(Permission("other.do", "Do", "chief"),),
                nav=(NavEntry("Nowhere", "sloppy.index"),),
                settings_defaults={"colour": "red"},
            )

    sloppy_app = make_app(database_url, instance_dir, EXTRA_PLUGINS=[Sloppy()])
    problems = " | ".join(check_module(sloppy_app, "sloppy"))
    assert "other.do" in problems and "chief" in problems
    assert "sloppy.index" in problems
    assert "defaults without a form" in problems
    assert check_module(sloppy_app, "nothing") == ["module 'nothing' is not installed (or is blocked)"]
