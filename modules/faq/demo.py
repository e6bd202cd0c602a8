"""Demo content of the FAQ (``parvis demo``): two categories of French questions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from parvis.extensions import db
from parvis.models import utcnow

from .models import FaqCategory, FaqEntry, FaqVote

DEMO_FAQ = (
    (
        "Utiliser l'espace",
        (
            (
                "Comment recevoir les notifications par courriel ?",
                "Ouvrez votre **profil**, puis la rubrique *Notifications* : choisissez de "
                "recevoir un courriel à chaque mention, ou un résumé quotidien.",
                4,
            ),
            (
                "Puis-je inviter un partenaire extérieur à l'administration ?",
                "Oui. Les administrateurs de l'espace peuvent inviter toute personne par "
                "courriel, y compris des prestataires ou des experts de la société civile. "
                "L'invitation est valable quatorze jours.",
                2,
            ),
        ),
    ),
    (
        "Démarches et outils",
        (
            (
                "Où trouver les modèles de courriers validés ?",
                "Les modèles sont rangés dans l'espace **Documents**, dossier "
                "« Modèles ». Ils sont relus chaque trimestre par le comité éditorial.",
                3,
            ),
            (
                "Qui contacter en cas de problème de connexion ?",
                "Écrivez au support de la plateforme depuis la page d'aide, en précisant "
                "votre navigateur et l'heure de l'incident.\n\n"
                "- en semaine : réponse sous 24 h ;\n- le week-end : le lundi matin.",
                1,
            ),
        ),
    ),
)

DEMO_PROPOSAL = (
    "Peut-on consulter l'espace hors connexion, par exemple dans le train ?",
    "Je me déplace souvent et le réseau est instable.",
)


def seed(space: Any, users: list[Any]) -> None:
    """Create the demo categories, published entries, a few votes and one proposal."""
    if not users:
        return
    if db.session.scalar(db.select(FaqCategory.id).filter_by(space_id=space.id).limit(1)):
        return  # already seeded
    now = utcnow()
    moderator = users[0]
    for position, (name, items) in enumerate(DEMO_FAQ):
        category = FaqCategory(space_id=space.id, name=name, position=position)
        db.session.add(category)
        db.session.flush()
        for index, (question, answer, helpful) in enumerate(items):
            when = now - timedelta(days=10 - position * 3 - index)
            entry = FaqEntry(
                space_id=space.id,
                category_id=category.id,
                question=question,
                answer=answer,
                status="published",
                position=index,
                author_id=moderator.id,
                answered_by_id=moderator.id,
                created_at=when,
                updated_at=when,
                published_at=when,
            )
            db.session.add(entry)
            db.session.flush()
            voters = users[1 : 1 + helpful]
            for voter in voters:
                db.session.add(FaqVote(entry_id=entry.id, user_id=voter.id, helpful=True))
            entry.helpful_yes = len(voters)
    asker = users[1] if len(users) > 1 else moderator
    db.session.add(
        FaqEntry(
            space_id=space.id,
            question=DEMO_PROPOSAL[0],
            details=DEMO_PROPOSAL[1],
            status="proposed",
            author_id=asker.id,
            created_at=now - timedelta(hours=5),
            updated_at=now - timedelta(hours=5),
        )
    )
    db.session.flush()
