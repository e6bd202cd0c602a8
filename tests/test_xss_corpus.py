"""The XSS corpus through every text field of every module's forms and JSON API.

``tests/xss_payloads.txt`` holds the payloads (script tags, event handlers,
``javascript:``/``data:`` URLs, SVG and MathML, markdown tricks, broken HTML, unicode
tricks). For each installed module, in a space where every module is on and seeded:

* **forms**: every page of the module is opened as the space's owner; every
  ``<form method="post">`` inside the space with a text field (the module's own, the
  core's comment forms on its pages...) is sent once per payload, every text field
  carrying it; the answer (or the page it redirects to) must be clean HTML;
* **API**: every ``POST``/``PUT``/``PATCH`` of the module in the OpenAPI document is
  sent once per payload, every string property carrying it;
* afterwards every page of the module and the space home, now full of payloads, must
  be clean.

"Clean" is :func:`parvis.testing.html_safety.find_injections`: no event handler, no
inline or foreign script, no script URL, no ``srcdoc``/``<base>``/active CSS. Nothing
is discovered by hand: a module added tomorrow is swept as it lands. The browser half
(nothing executes in Chromium) is tests/test_browser_xss.py.
"""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from parvis.plugins.manager import ENTRY_POINT_GROUP
from parvis.testing.html_safety import CANARY, PageForm, find_injections, load_payloads, page_forms
from parvis.testing.routes import build_path, existing_value, fill, method_of, module_rules, request
from parvis.testing.world import World, build_world

PAYLOADS = load_payloads(Path(__file__).with_name("xss_payloads.txt"))
MODULES = sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def test_the_corpus_is_large_and_varied() -> None:
    assert len(PAYLOADS) >= 100
    text = "\n".join(PAYLOADS).lower()
    for family in ("<script", "onerror=", "javascript:", "data:text/html", "<svg", "](javascript",
                   "<math", "\u200b", "\uff1c", "\u202e", "&#"):
        assert family in text, f"no payload of the family {family!r}"


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ("<p>&lt;script&gt;window.__xss=1&lt;/script&gt;</p>", False),
        ('<input value="&lt;img src=x onerror=alert(1)&gt;">', False),
        ("<textarea><img src=x onerror=alert(1)></textarea>", True),  # textarea parsed as HTML here: fine, strict
        ('<script src="/static/js/parvis.js"></script>', False),
        ("<script>window.__xss=1</script>", True),
        ('<img src="x" onerror="alert(1)">', True),
        ('<a href="java\u200bscript:alert(1)">x</a>', True),
        ('<a href="&#106;avascript:alert(1)">x</a>', True),
        ('<a href="https://example.org/?q=javascript:1">x</a>', False),
        ('<iframe srcdoc="&lt;script&gt;"></iframe>', True),
        ('<div style="background:url(javascript:alert(1))">', True),
        ('<script src="//evil.example/x.js"></script>', True),
    ],
)
def test_the_checker_tells_escaped_from_live(html: str, found: bool) -> None:
    assert bool(find_injections(html)) is found, find_injections(html)


# -- the sweep ------------------------------------------------------------------------------


def _fresh_values(form: PageForm, payload: str, n: int) -> dict[str, str]:
    data = dict(form.values)
    for name in form.text_fields:
        data[name] = f"xss-{n}" if "slug" in name else payload
    return data


def _clean(html: str, where: str) -> list[str]:
    return [f"{where}: {problem}" for problem in find_injections(html)]


def _html(response: Any) -> str:
    return response.get_data(as_text=True) if response.mimetype == "text/html" else ""


def _target(response: Any) -> str | None:
    """Where a redirect leads, without its fragment (None for no local redirect)."""
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and location.startswith("/"):
        return location.split("#", 1)[0]
    return None


def _module_pages(app: Flask, module_id: str, world: World) -> list[str]:
    return [
        build_path(rule, fill(app, rule, world.space))
        for rule in module_rules(app, module_id)
        if method_of(rule) == "GET" and "space_slug" in rule.arguments
    ]


def _forms_of(app: Flask, module_id: str, world: World) -> list[PageForm]:
    owner, prefix = world.client("owner"), f"/s/{world.space.slug}/"
    seen: dict[Any, PageForm] = {}
    for path in _module_pages(app, module_id, world):
        response = request(owner, "GET", path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in page_forms(response.get_data(as_text=True), path):
            if form.text_fields and form.action.startswith(prefix) and "/settings" not in form.action:
                seen.setdefault(form.key(), form)
    return list(seen.values())


def _submit_forms(app: Flask, module_id: str, world: World, targets: set[str]) -> tuple[int, list[str]]:
    """Send every payload through every form; re-shown forms are checked at once, the
    pages redirected to are added to ``targets`` (checked once, full of payloads, at the end)."""
    problems: list[str] = []
    forms = _forms_of(app, module_id, world)
    owner = world.client("owner")
    for form in forms:
        for n, payload in enumerate(PAYLOADS):
            response = request(owner, "POST", form.action, _fresh_values(form, payload, n))
            where = f"form {form.action} with payload #{n} {payload[:60]!r}"
            if response.status_code >= 500:
                problems.append(f"{where}: status {response.status_code}")
                continue
            target = _target(response)
            if target:
                targets.add(target)
            else:
                problems += _clean(_html(response), where)
    return len(forms), problems


def _openapi_path(rule: Any) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def _schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = body.get("schema")
    if schema and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _body(schema: dict[str, Any], payload: str, module_id: str, world: World) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if "enum" in prop:
            body[name] = prop["enum"][0]
        elif kind == "string" and not prop.get("format"):
            body[name] = payload[: prop["maxLength"]] if "maxLength" in prop else payload
        elif kind == "integer" and name.endswith("_id") and name in schema.get("required", []):
            # ``base_revision_id`` -> try ``base_revision_id``, then ``revision_id``.
            guesses = [name, name.split("_")[-2] + "_id"]
            value = next((v for g in guesses if (v := existing_value(g, "id", module_id, world.space))), None)
            if value is not None:
                body[name] = value
        elif kind == "boolean":
            body[name] = name == "publish"
        elif kind == "array" and prop.get("items", {}).get("type") == "string":
            limit = prop["items"].get("maxLength")
            body[name] = [payload[:limit] if limit else payload]
    return body


def _send_api(app: Flask, module_id: str, world: World) -> tuple[int, list[str]]:
    owner = world.client("owner")
    document = request(owner, "GET", "/api/v1/openapi.json").get_json()
    problems: list[str] = []
    operations = 0
    for rule in module_rules(app, module_id):
        if not rule.rule.startswith("/api/"):
            continue
        path_item = document["paths"].get(_openapi_path(rule), {})
        for method in ("post", "put", "patch"):
            operation = path_item.get(method)
            schema = operation and _schema(document, operation)
            if not schema or method.upper() not in (rule.methods or ()):
                continue
            operations += 1
            for n, payload in enumerate(PAYLOADS):
                path = build_path(rule, fill(app, rule, world.space))
                response = request(owner, method.upper(), path, _body(schema, payload, module_id, world))
                if response.status_code >= 500:
                    problems.append(f"{method.upper()} {path} payload #{n}: status {response.status_code}")
    return operations, problems


@pytest.fixture
def quiet_errors(app: Flask) -> None:
    app.config["PROPAGATE_TEST_ERRORS"] = False


@pytest.mark.parametrize("module_id", MODULES)
def test_payloads_through_forms_and_api_render_inert(app: Flask, module_id: str, quiet_errors: None) -> None:
    world = build_world(app, None, "public", prefix="xss")
    owner = world.client("owner")
    # The pages are clean before anything is sent (else the checker would mean nothing).
    baseline = []
    for path in _module_pages(app, module_id, world):
        baseline += _clean(_html(request(owner, "GET", path)), f"before: {path}")
    assert not baseline, "\n".join(baseline)

    targets: set[str] = set()
    forms, problems = _submit_forms(app, module_id, world, targets)
    operations, api_problems = _send_api(app, module_id, world)
    problems += api_problems
    pages = {*_module_pages(app, module_id, world), *targets, f"/s/{world.space.slug}/"}
    shown = 0  # pages where payloads are displayed (as text): proof they were stored
    for path in sorted(pages):
        for role in ("owner", "member"):
            response = request(world.client(role), "GET", path)
            if response.status_code >= 500:
                problems.append(f"after: {role} GET {path}: status {response.status_code}")
            html = _html(response)
            shown += CANARY in html
            problems += _clean(html, f"after: {role} GET {path}")
    assert shown or not forms + operations, f"{module_id}: no payload was stored and shown back"
    assert forms + operations > 0 or not module_rules(app, module_id), (
        f"{module_id}: no form and no API operation with a text field was found"
    )
    assert not problems, f"{len(problems)} problems (injections, server errors):\n" + "\n".join(problems[:60])
