"""Space files ("space as code"): read and write a space's composition as JSON or YAML.

The data is the dict of :func:`parvis.services.space_templates.export_space`; this module
only knows the two text formats. YAML is read with a safe loader that also refuses
anchors and aliases, so a small file cannot expand into a huge document (the
"billion laughs" attack); tags other than YAML's plain types are refused by the safe
loader itself.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from flask_babel import gettext

from .composition import CompositionInvalid

#: The formats a space file may be written in, with their media type and extension.
FORMATS = {
    "json": ("application/json", "parvis.json"),
    "yaml": ("application/yaml", "parvis.yaml"),
}


class _NoAliasLoader(yaml.SafeLoader):
    """yaml's safe loader, refusing anchors and aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: ANN401
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed", event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(None, None, "anchors are not allowed", event.start_mark)
        return super().compose_node(parent, index)


def dump_space_file(data: dict[str, Any], fmt: str = "json") -> str:
    """The text of a space file in ``fmt`` (``json`` or ``yaml``)."""
    if fmt == "yaml":
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return json.dumps(data, ensure_ascii=False, indent=2)


def parse_space_file(raw: bytes, filename: str = "") -> Any:
    """The data of an uploaded space file, JSON or YAML (by extension, else by content).

    Raises :class:`CompositionInvalid` on the ``file`` field with a clear message when
    the file is not UTF-8 text or not valid JSON/YAML.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CompositionInvalid({"file": [gettext("The file is not UTF-8 text.")]}) from None
    name = filename.lower()
    looks_json = name.endswith(".json") or (not name.endswith((".yaml", ".yml")) and text.lstrip().startswith("{"))
    if looks_json:
        try:
            return json.loads(text)
        except ValueError:
            raise CompositionInvalid({"file": [gettext("The file is not valid JSON.")]}) from None
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            message = gettext("The file is not valid YAML (line %(n)s).", n=mark.line + 1)
        else:
            message = gettext("The file is not valid YAML.")
        raise CompositionInvalid({"file": [message]}) from None
