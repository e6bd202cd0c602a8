"""Find script injections in rendered HTML, and the forms of a page to send payloads to.

``find_injections(html)`` parses a page the way a browser builds elements and lists what
would run script if a payload had survived: an inline event handler (``on*=``), a
``<script>`` with inline code or a foreign ``src``, a ``javascript:``/``vbscript:``/
``data:text/html`` URL in a link, a source or a form action, ``srcdoc``, a ``<base>``,
CSS expressions. Parvis pages never contain any of these on their own (the
Content-Security-Policy forbids inline scripts, handlers and styles), so any hit is a
payload that escaped escaping or sanitising.

``page_forms(html)`` lists the ``<form method="post">`` of a page with their fields, so a
test can fill every text field with a payload, whatever the module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

#: Attributes holding a URL that a browser may navigate to or load.
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "xlink:href", "data", "background", "poster",
    "lowsrc", "dynsrc", "codebase", "cite", "longdesc", "usemap", "icon", "manifest",
    "to", "from", "values", "ping",
})
#: URL schemes that run script or render attacker HTML in the page's origin.
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:text/html",
                     "data:image/svg", "data:application", "data:text/xml", "data:text/javascript")
#: Characters a browser ignores inside a URL scheme (controls, spaces, invisible marks).
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f\u00a0\u200b-\u200f\u2028-\u202f\u2060\ufeff]")
#: The canary every corpus payload runs.
CANARY = "__xss"


def _scheme_of(value: str) -> str:
    return _IGNORED_IN_SCHEME.sub("", value).lower()


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._raw: str | None = None  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        where = self.get_starttag_text() or f"<{tag}>"
        short = where[:160]
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= in {short}")
            elif name in URL_ATTRIBUTES and _scheme_of(value).startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"dangerous URL in {name}= of {short}")
            elif name == "srcdoc":
                self.problems.append(f"srcdoc in {short}")
            elif name == "style" and re.search(r"expression\(|javascript:|url\(", value, re.I):
                self.problems.append(f"active CSS in style= of {short}")
        if tag == "script":
            src = values.get("src", "")
            if src and (not src.startswith("/") or src.startswith("//")):
                self.problems.append(f"script from elsewhere: {short}")
            self._raw = tag
        elif tag == "style":
            self._raw = tag
        elif tag == "base":
            self.problems.append(f"base element: {short}")
        elif tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            if _scheme_of(values.get("content", "")).split("url=", 1)[-1].startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"refresh to a script URL: {short}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._raw = None

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw == "script" and data.strip():
            self.problems.append(f"inline script: {data.strip()[:120]}")
        elif self._raw == "style" and (CANARY in data or "javascript:" in data.lower()):
            self.problems.append(f"injected style sheet: {data.strip()[:120]}")


def find_injections(html: str) -> list[str]:
    """What in ``html`` would run script (empty when the page is clean)."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems


def load_payloads(path: str | Path) -> list[str]:
    """Payloads of a corpus file: one a line, ``#: `` comments, ``\\n`` for a newline."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line and not line.startswith("#: ")]


@dataclass
class PageForm:
    """A POST form of a page: where it goes, its text fields and its other values."""

    action: str
    text_fields: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    field_types: dict[str, str] = field(default_factory=dict)

    def key(self) -> tuple[str, tuple[str, ...]]:
        """Identity of the form (its action and field names), to visit it once."""
        return (self.action, tuple(sorted({*self.text_fields, *self.values})))


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = PageForm(action=a.get("action") or self.page_url)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("text", "search"):
                form.text_fields.append(name)
                form.values.setdefault(name, a.get("value", ""))
            elif kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and name not in form.values):
                    form.values[name] = a.get("value", "on")
            elif kind == "submit":
                form.values.setdefault(name, a.get("value", ""))
            elif kind not in ("file", "image", "reset", "button"):
                form.values.setdefault(name, a.get("value", ""))
            form.field_types.setdefault(name, kind)
        elif tag == "textarea" and name:
            form.text_fields.append(name)
            form.field_types[name] = "textarea"
            self._textarea = name
        elif tag == "select" and name:
            self._select = name
            form.field_types[name] = "select"
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if "selected" in a or (self._select not in form.values and value):
                form.values[self._select] = value
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            form.values.setdefault(name, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(html: str, page_url: str) -> list[PageForm]:
    """The POST forms of ``html`` (fetched from ``page_url``)."""
    parser = _FormParser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms
