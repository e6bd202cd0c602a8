"""Demo content: a folder with a welcome note (``parvis demo``)."""

from __future__ import annotations

from typing import Any

from . import services


def seed(space: Any, users: list[Any]) -> None:
    author = users[0]
    folder = services.create_folder(space, None, "Comptes rendus", author)
    services.create_note(
        space, folder, "Bienvenue",
        "# Bienvenue dans les documents\n\nDéposez vos fichiers, créez des dossiers et des notes.\n",
        author,
    )
