"""French-first: complete catalogs, compiled, used by default; English on request.

The test app of ``conftest.py`` defaults to English so that other tests can assert
English msgids; the tests here that look at pages set ``BABEL_DEFAULT_LOCALE="fr"``,
the product's default (``core/config.py``).
"""

from __future__ import annotations

import gettext
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import add_member, login, make_space
from flask.testing import FlaskClient
from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
LANG = "fr"
FRENCH = pytest.mark.config(BABEL_DEFAULT_LOCALE="fr")

#: (translations folder, source folders it is extracted from) — as scripts/i18n.sh does.
CATALOGS: list[tuple[Path, list[Path]]] = [
    (ROOT / "core" / "translations", [ROOT / "core", ROOT / "layouts", ROOT / "themes"]),
] + [
    (plugin.parent / "translations", [plugin.parent])
    for plugin in sorted((ROOT / "modules").glob("*/plugin.py"))
    if (plugin.parent / "translations").is_dir()
]
CATALOG_IDS = [str(folder.relative_to(ROOT)) for folder, _ in CATALOGS]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]")
KEYWORDS = {"_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def _po_path(folder: Path) -> Path:
    return folder / LANG / "LC_MESSAGES" / "messages.po"


def _read(folder: Path) -> Any:
    with _po_path(folder).open("rb") as handle:
        return read_po(handle, locale=LANG)


def _messages(folder: Path) -> list[Any]:
    return [message for message in _read(folder) if message.id]


def _strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


# -- the catalogs --------------------------------------------------------------------


def test_every_module_with_strings_ships_a_catalog() -> None:
    for plugin in sorted((ROOT / "modules").glob("*/plugin.py")):
        assert _po_path(plugin.parent / "translations").is_file(), f"{plugin.parent.name}: run scripts/i18n.sh"
    assert _po_path(ROOT / "core" / "translations").is_file()


@pytest.mark.parametrize(("folder", "sources"), CATALOGS, ids=CATALOG_IDS)
def test_french_catalog_is_complete(folder: Path, sources: list[Path]) -> None:
    catalog = _read(folder)
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"
    assert catalog.num_plurals == 2
    untranslated = [m.id for m in catalog if m.id and not all(_strings(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"untranslated in {folder}: {untranslated}"
    assert not fuzzy, f"fuzzy in {folder}: {fuzzy}"


@pytest.mark.parametrize(("folder", "sources"), CATALOGS, ids=CATALOG_IDS)
def test_placeholders_are_kept(folder: Path, sources: list[Path]) -> None:
    problems = []
    for message in _messages(folder):
        ids = _strings(message.id)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        translations = _strings(message.string)
        found = set(PLACEHOLDER.findall(" ".join(translations)))
        if found - wanted:
            problems.append((message.id, "unknown", sorted(found - wanted)))
        if wanted and any("%" in PLACEHOLDER.sub("", t).replace("%%", "") for t in translations):
            problems.append((message.id, "stray %", translations))
        if len(ids) == 1 and found != wanted:
            problems.append((message.id, "missing", sorted(wanted - found)))
        if len(ids) == 2 and not set(PLACEHOLDER.findall(ids[1])) <= set(
            PLACEHOLDER.findall(translations[-1])
        ):
            problems.append((message.id, "plural form", translations[-1]))
    assert not problems


def test_shared_msgids_have_one_translation() -> None:
    """The catalogs are merged into one: a module's translation would replace the core's."""
    seen: dict[Any, dict[str, Any]] = {}
    for folder, _sources in CATALOGS:
        for message in _messages(folder):
            seen.setdefault(message.id, {})[str(folder.relative_to(ROOT))] = message.string
    conflicts = {key: found for key, found in seen.items() if len(set(found.values())) > 1}
    assert not conflicts


@pytest.mark.parametrize(("folder", "sources"), CATALOGS, ids=CATALOG_IDS)
def test_french_typography(folder: Path, sources: list[Path]) -> None:
    """A non-breaking space before : ; ! ? » and after «, never an ordinary one."""
    bad = []
    for message in _messages(folder):
        for text in _strings(message.string):
            if re.search(r" [:;!?»]|« ", text) or re.search(r"\w[;!?»]", text):
                bad.append(text)
    assert not bad


@pytest.mark.parametrize(("folder", "sources"), CATALOGS, ids=CATALOG_IDS)
def test_compiled_catalog_is_up_to_date(folder: Path, sources: list[Path]) -> None:
    """The committed .mo holds exactly what compiling the .po gives (scripts/i18n.sh)."""
    mo_path = _po_path(folder).with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path} is missing: run scripts/i18n.sh compile"
    fresh = io.BytesIO()
    write_mo(fresh, _read(folder))
    fresh.seek(0)
    expected = gettext.GNUTranslations(fresh)._catalog  # type: ignore[attr-defined]
    with mo_path.open("rb") as handle:
        committed = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected.pop("", None)
    committed.pop("", None)
    assert committed == expected


def _extracted_ids(sources: list[Path]) -> set[str | tuple[str, ...]]:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    ids: set[str | tuple[str, ...]] = set()
    for source in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(source), method_map, options_map, keywords={**_default_keywords(), **KEYWORDS}
        ):
            ids.add(message)
    return ids


def _default_keywords() -> dict[str, Any]:
    from babel.messages.extract import DEFAULT_KEYWORDS

    return dict(DEFAULT_KEYWORDS)


@pytest.mark.parametrize(("folder", "sources"), CATALOGS, ids=CATALOG_IDS)
def test_catalog_holds_every_string_of_its_sources(folder: Path, sources: list[Path]) -> None:
    """A string added to the code without running scripts/i18n.sh would show in English."""
    in_catalog = {message.id for message in _messages(folder)}
    missing = _extracted_ids(sources) - in_catalog
    assert not missing, f"run scripts/i18n.sh, then translate: {sorted(map(str, missing))}"


# -- no hard-coded text in templates ------------------------------------------------

TEMPLATE_GLOBS = ("core/templates/**/*.html", "modules/*/templates/**/*.html", "layouts/**/*.html")
#: Text that is the same in every language.
#: Exact texts that are not UI words ("builder-preview-page" is a body class set in a block).
ALLOWED_TEXT = {"Parvis", "Français", "English", "space.", "builder-preview-page"}
SKIP_TAGS = {"script", "style", "code", "pre", "kbd", "samp"}
TEXT_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description"}
WORD = re.compile(r"[^\W\d_]{2,}")
_LEXER = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # only lexes
#: Stands for an expression: not a letter, yet valid inside a tag name (``<h{{ level }}>``).
EXPRESSION = "\ue000"


def _skeleton(source: str) -> str:
    """The template's HTML, each ``{{ }}`` as :data:`EXPRESSION` and each ``{% %}`` as a space."""
    parts = []
    for _line, kind, value in _LEXER.lex(source):
        if kind == "data":
            parts.append(value)
        elif kind == "variable_begin":
            parts.append(EXPRESSION)
        elif kind == "block_begin":
            parts.append(" ")
    return "".join(parts)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self.skipping.append(tag)
        values = dict(attrs)
        for name, value in attrs:
            is_button_value = name == "value" and tag == "input" and values.get("type") in ("submit", "button")
            if value and (name in TEXT_ATTRIBUTES or is_button_value):
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._check(data)

    def _check(self, text: str) -> None:
        text = text.replace(EXPRESSION, " ").strip()
        if WORD.search(text) and text not in ALLOWED_TEXT:
            self.found.append(text)


def _templates() -> list[Path]:
    return sorted({path for pattern in TEMPLATE_GLOBS for path in ROOT.glob(pattern)})


def test_heuristic_finds_hard_coded_text() -> None:
    finder = _TextFinder()
    finder.feed(_skeleton('<h{{ n }} title="Plain">{{ _("Ok") }} Hello {% if x %}<b>{{ y }}</b>{% endif %}'))
    assert finder.found == ["Plain", "Hello"]


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_hard_coded_text_in_templates(template: Path) -> None:
    finder = _TextFinder()
    finder.feed(_skeleton(template.read_text(encoding="utf-8")))
    finder.close()
    assert not finder.found, f"wrap in _(): {finder.found}"


# -- the pages ----------------------------------------------------------------------


@FRENCH
def test_login_page_is_french_by_default(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Se connecter" in html
    assert "Mot de passe" in html
    assert "Sign in" not in html


@FRENCH
def test_english_with_accept_language(client: FlaskClient) -> None:
    html = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "Se connecter" not in html


@FRENCH
def test_english_with_the_language_cookie(client: FlaskClient) -> None:
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302
    html = client.get("/login").get_data(as_text=True)
    assert "Sign in" in html
    client.set_cookie("parvis_lang", "fr", domain="parvis.test")
    assert "Se connecter" in client.get("/login").get_data(as_text=True)


@FRENCH
def test_space_pages_are_french(client: FlaskClient, alice: Any, bob: Any) -> None:
    space = make_space(alice, "atelier")
    add_member(space, bob, "moderator")
    login(client, bob)
    html = client.get("/s/atelier/").get_data(as_text=True)
    for text in ("Accueil", "Membres", "Articles", "Wiki", "Navigation de l’espace"):
        assert text in html
    dashboard = client.get("/").get_data(as_text=True)
    assert "Modérateur" in dashboard and "Public" in dashboard
    assert "Moderator" not in dashboard
    english = client.get("/s/atelier/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Space navigation" in english and "Posts" in english


@FRENCH
def test_module_and_permission_labels_are_french(client: FlaskClient, alice: Any) -> None:
    make_space(alice, "atelier")
    login(client, alice)
    modules = client.get("/s/atelier/settings/modules").get_data(as_text=True)
    assert "Actualités et blog de l’espace" in modules
    permissions = client.get("/s/atelier/settings/permissions").get_data(as_text=True)
    assert "Rédiger des articles" in permissions  # a module permission (lazy_gettext)
    assert "Inviter des personnes" in permissions  # a core permission (N_)
    assert "Propriétaire" in permissions


@FRENCH
def test_errors_are_french(client: FlaskClient, alice: Any) -> None:
    login(client, alice)
    page = client.get("/s/nowhere/")
    assert page.status_code == 404
    assert "Page introuvable." in page.get_data(as_text=True)
    api = client.get("/api/v1/spaces/nowhere")
    assert api.status_code == 404
    assert api.get_json()["error"]["message"] == "Page introuvable."


def test_code_labels_fall_back_to_the_code(app: Any) -> None:
    from parvis.labels import code_label

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert code_label("role", "guest") == "Invité"
        assert code_label("visibility", "secret") == "Secret"
        assert code_label("status", "pending") == "En attente de décision"
        assert code_label("role", "unheard-of") == "unheard-of"
