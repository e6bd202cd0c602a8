"""Layouts as data: discovery, manifests, composition validation against them."""

from __future__ import annotations

import pytest

from parvis.layouts import discover_layouts
from parvis.services.composition import MAX_PLACEMENTS, CompositionInvalid, validate


def test_four_layouts_with_regions(app):
    layouts = discover_layouts()
    assert {"one-column", "main-sidebar", "header-three-columns", "dashboard-grid"} <= set(layouts)
    assert layouts["header-three-columns"].region_ids == ["header", "left", "center", "right"]


def test_valid_composition_is_cleaned(app):
    comp = validate({"layout": "main-sidebar", "placements": [
        {"region": "sidebar", "widget": "core.members", "settings": {"limit": "3"}},
        {"region": "main", "widget": "core.description"},
    ]})
    assert comp.placements[0]["settings"] == {"limit": 3}
    assert all(p["id"] for p in comp.placements)


@pytest.mark.parametrize("data,path,words", [
    ({"layout": "nope", "placements": []}, "layout", "nope"),
    ({"layout": "one-column", "placements": [{"region": "sidebar", "widget": "core.text"}]},
     "placements.0.region", "sidebar"),
    ({"layout": "one-column", "placements": [{"region": "main", "widget": "nope.x"}]},
     "placements.0.widget", "nope.x"),
    ({"layout": "one-column", "placements": [{"region": "main", "widget": "core.members",
                                              "settings": {"limit": 0}}]},
     "placements.0.settings.limit", ""),
    ({"layout": "one-column", "placements": [{"region": "main", "widget": "core.members",
                                              "settings": {"colour": "red"}}]},
     "placements.0.settings.colour", ""),
    ({"layout": "one-column", "placements": [{"region": "main", "widget": "core.description",
                                              "settings": {"x": 1}}]},
     "placements.0.settings.x", ""),
    ({"layout": "one-column", "placements": "all"}, "placements", ""),
    ({"layout": "one-column", "placements": [{"region": "main", "widget": "core.text", "extra": 1}]},
     "placements.0", "extra"),
    ({"layout": "one-column", "placements": [{"region": "main", "widget": "core.text"}] * (MAX_PLACEMENTS + 1)},
     "placements", str(MAX_PLACEMENTS)),
    ({"layout": "one-column", "placements": [{"region": "main", "widget": "core.text",
                                              "settings": {"body": "x" * 70000}}]},
     "_schema", "too large"),
    ([], "_schema", ""),
])
def test_invalid_compositions_name_the_problem(app, data, path, words):
    with pytest.raises(CompositionInvalid) as info:
        validate(data)
    assert path in info.value.errors, info.value.errors
    assert words in " ".join(info.value.errors[path])
