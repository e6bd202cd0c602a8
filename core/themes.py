"""Themes: folders with ``theme.json`` (name, label), ``theme.css`` and optional templates."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from flask import Flask


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    folder: Path

    @property
    def css(self) -> str:
        path = self.folder / "theme.css"
        return path.read_text() if path.exists() else ""


def _theme_roots(app: Flask) -> list[Path]:
    roots: list[Path] = []
    for batch in app.extensions["parvis"].hook.parvis_themes():
        roots += [Path(p) for p in batch or ()]
    return roots


def discover_themes(app: Flask) -> dict[str, Theme]:
    """Every theme folder found through the ``parvis_themes`` hook (core ships ``themes/``)."""
    themes: dict[str, Theme] = {}
    for root in _theme_roots(app):
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            manifest = folder / "theme.json"
            if manifest.exists():
                data = json.loads(manifest.read_text())
                themes.setdefault(folder.name, Theme(folder.name, data.get("label", folder.name), folder))
    return themes


def theme_template_folders(app: Flask) -> list[Path]:
    """Template override folders of the platform theme (``THEME`` setting)."""
    theme = discover_themes(app).get(app.config.get("THEME", "default"))
    if theme and (theme.folder / "templates").is_dir():
        return [theme.folder / "templates"]
    return []
