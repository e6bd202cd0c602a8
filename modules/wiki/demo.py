"""Demo content (``parvis demo``): a small French wiki with links and some history."""

from __future__ import annotations

from typing import Any

from . import services

PAGES = [
    (
        "Accueil du wiki",
        None,
        "# Bienvenue\n\nCe wiki rassemble ce que la communauté sait. Commencez par le "
        "[[Guide de démarrage]] ou consultez la [[Foire aux outils|liste des outils]].\n\n"
        "## Contribuer\n\nChaque membre peut modifier une page : l'historique garde toutes les versions.",
    ),
    (
        "Guide de démarrage",
        "Accueil du wiki",
        "## Premiers pas\n\n1. Présentez-vous aux autres membres.\n2. Lisez les [[Règles de la communauté]].\n"
        "3. Posez vos questions dans la FAQ.\n\n## Aller plus loin\n\nVoir aussi [[Comptes rendus de réunion]].",
    ),
    (
        "Règles de la communauté",
        "Guide de démarrage",
        "## Bienveillance\n\nOn se parle avec respect.\n\n## Confidentialité\n\n"
        "Les documents partagés ici restent dans l'espace.",
    ),
    (
        "Foire aux outils",
        "Accueil du wiki",
        "| Outil | Usage |\n| --- | --- |\n| Messagerie | échanges rapides |\n| Wiki | savoir durable |\n",
    ),
    (
        "Modèle : compte rendu",
        None,
        "## Participants\n\n- \n\n## Ordre du jour\n\n1. \n\n## Décisions\n\n- \n",
    ),
]


def seed(space: Any, users: list[Any]) -> None:
    """Create the demo pages in ``space``, authored by its members in turn."""
    if not users:
        return
    created: dict[str, Any] = {}
    for index, (title, parent, body) in enumerate(PAGES):
        author = users[index % len(users)]
        created[title] = services.create_page(
            space,
            author,
            title=title,
            body=body,
            summary="Première version",
            parent_id=created[parent].id if parent else None,
            is_template=title.startswith("Modèle"),
        )
    rules = created["Règles de la communauté"]
    editor = users[1 % len(users)]
    services.save_page(
        rules,
        space,
        editor,
        title=rules.title,
        body=rules.body + "\n\n## Entraide\n\nOn partage ses trouvailles sur le [[Accueil du wiki|wiki]].",
        summary="Ajout de la section Entraide",
        base_revision_id=rules.current_revision_id,
    )
