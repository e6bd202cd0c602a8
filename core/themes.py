"""Themes: folders with ``theme.json`` (label, description), ``theme.css`` and optional templates.

Themes are found through the ``parvis_themes`` hook (the core ships ``themes/``: default,
dark, high-contrast). ``theme.css`` sets CSS custom properties only (``--bg``,
``--surface``, ``--text``, ``--accent``, ``--accent-text``...); a space picks a theme and
may override ``--accent``, checked by :func:`accent_problems` for WCAG AA contrast.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Flask


@dataclass(frozen=True)
class Theme:
    """A theme found on disk."""

    id: str
    label: str
    folder: Path
    description: str = ""

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
                themes.setdefault(
                    folder.name,
                    Theme(folder.name, data.get("label", folder.name), folder, data.get("description", "")),
                )
    return themes


def theme_template_folders(app: Flask) -> list[Path]:
    """Template override folders of the platform theme (``THEME`` setting)."""
    theme = discover_themes(app).get(app.config.get("THEME", "default"))
    if theme and (theme.folder / "templates").is_dir():
        return [theme.folder / "templates"]
    return []


# -- accent colour contrast (WCAG 2.1) ------------------------------------------------

_VAR_RE = re.compile(r"--([a-z0-9-]+)\s*:\s*(#[0-9a-fA-F]{6})\b")
#: Least contrast ratio for normal text (WCAG 2.1 success criterion 1.4.3, level AA).
AA_RATIO = 4.5


def theme_colours(theme: Theme | None) -> dict[str, str]:
    """The ``#rrggbb`` custom properties of a theme's CSS (``bg``, ``accent-text``...)."""
    if theme is None:
        return {}
    return {name: value.lower() for name, value in _VAR_RE.findall(theme.css)}


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of ``#rrggbb`` (0 = black, 1 = white)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def accent_problems(accent: str, theme: Theme | None) -> list[str]:
    """Why ``accent`` is unreadable with ``theme`` (empty when it passes WCAG AA).

    Two pairs are checked, each against 4.5:1: the theme's text colour on accent
    backgrounds (``--accent-text``, white in the light themes) on the accent (buttons,
    the active tab), and the accent on the theme's page background (``--bg``: links).
    """
    from flask_babel import gettext

    colours = theme_colours(theme)
    on_accent = colours.get("accent-text", "#ffffff")
    background = colours.get("bg", "#ffffff")
    problems = []
    ratio = contrast_ratio(on_accent, accent)
    if ratio < AA_RATIO:
        problems.append(gettext(
            "Text in %(text)s on the accent %(accent)s has a contrast of %(ratio)s:1; "
            "at least 4.5:1 is needed to be readable (WCAG AA).",
            text=on_accent, accent=accent, ratio=f"{ratio:.2f}",
        ))
    ratio = contrast_ratio(accent, background)
    if ratio < AA_RATIO:
        problems.append(gettext(
            "Links in the accent %(accent)s on the page background %(bg)s have a contrast of "
            "%(ratio)s:1; at least 4.5:1 is needed to be readable (WCAG AA).",
            accent=accent, bg=background, ratio=f"{ratio:.2f}",
        ))
    return problems
