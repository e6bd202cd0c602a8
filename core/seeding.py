"""Helpers for bulk seeding (``parvis seed`` and the ``parvis_seed_content`` hook).

Realistic French text comes from a word-bigram chain trained on a few paragraphs of
public-sector prose (the same generator as ``benchmarks/search_corpus.py``), so word
frequencies, accents and elisions look like the real thing. Rows are written with
SQLAlchemy's bulk ``INSERT ... RETURNING`` (one statement per chunk, no ORM events, no
per-row flush): the search index is rebuilt once at the end of the seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from .extensions import db

#: Seeded content spreads over the two years before this instant and a little after it.
NOW = datetime.now(UTC).replace(microsecond=0)
TWO_YEARS = timedelta(days=730)
CHUNK = 2000

SEED_TEXT = """
La transformation numérique de l'État repose sur la coopération entre les administrations,
les collectivités territoriales et les opérateurs publics. Chaque ministère désigne un
référent chargé de suivre les projets, de partager les bonnes pratiques et de rendre compte
de l'avancement au comité de pilotage. Les agents des préfectures et des services
déconcentrés participent aux ateliers organisés chaque trimestre dans les régions.
Le plan de formation continue prévoit des modules sur l'accessibilité numérique, la
protection des données personnelles, la commande publique et la conduite du changement.
Les inscriptions se font auprès du service des ressources humaines avant la fin du mois.
Le budget de l'opération a été validé par la direction des finances publiques ; les
crédits seront délégués aux académies et aux établissements scolaires selon le nombre
d'élèves et les besoins exprimés par les équipes pédagogiques.
La réunion du groupe de travail sur la simplification des démarches administratives aura
lieu mardi prochain à la mairie. L'ordre du jour porte sur le guichet unique, la
dématérialisation des formulaires et l'accueil des usagers en situation de handicap.
Merci de transmettre vos contributions au secrétariat général avant jeudi midi.
Le rapport d'évaluation souligne les progrès réalisés dans la gestion des archives, la
sécurité des systèmes d'information et la qualité du service rendu aux citoyens. Il
recommande de renforcer l'accompagnement des petites communes et de mutualiser les outils
entre les intercommunalités voisines.
La stratégie nationale pour la transition écologique fixe des objectifs de réduction de la
consommation d'énergie dans les bâtiments publics. Les gestionnaires de patrimoine doivent
réaliser un diagnostic, planifier les travaux de rénovation et suivre les indicateurs de
performance énergétique publiés sur le tableau de bord.
Dans le cadre de la politique de santé publique, l'agence régionale coordonne la
prévention, la vaccination et l'information des professionnels de santé. Les centres
hospitaliers partagent leurs données d'activité pour améliorer l'organisation des soins
et l'accès aux urgences sur l'ensemble du territoire.
La médiathèque intercommunale propose des ateliers d'inclusion numérique pour les
seniors, des permanences d'aide aux démarches en ligne et un fonds documentaire consacré
à l'histoire locale. Les bénévoles de l'association accompagnent les familles chaque
samedi matin.
Le marché public de maintenance des véhicules a été attribué après analyse des offres.
La commission d'appel d'offres a retenu le candidat présentant le meilleur rapport entre
la qualité technique, le prix et les engagements environnementaux.
Pour toute question sur l'utilisation de la plateforme collaborative, consultez la foire
aux questions ou écrivez à l'équipe d'animation de la communauté. Les espaces de travail
permettent de partager des documents, de publier des actualités, de tenir un wiki et
d'organiser des événements.
"""


class FrenchText:
    """A word-bigram chain over :data:`SEED_TEXT` producing titles, sentences, markdown."""

    def __init__(self, text: str = SEED_TEXT) -> None:
        words = re.findall(r"[\wÀ-ÿ']+|[.;,]", text)
        self.next: dict[str, list[str]] = {}
        for a, b in zip(words, words[1:], strict=False):
            self.next.setdefault(a, []).append(b)
        self.starts = [b for a, b in zip(words, words[1:], strict=False) if a == "."]
        self.vocabulary = sorted({w for w in words if w.isalpha() and len(w) > 3})

    def sentence(self, rng: random.Random, max_words: int = 30) -> str:
        """One sentence, capitalised, ending with a full stop."""
        word = rng.choice(self.starts)
        out = [word]
        for _ in range(max_words):
            word = rng.choice(self.next.get(word) or self.starts)
            if word == ".":
                break
            out.append(word)
        text = " ".join(out).replace(" ,", ",")
        return text[:1].upper() + text[1:] + "."

    def title(self, rng: random.Random, limit: int = 120) -> str:
        """A short title (3 to 9 words, no final full stop)."""
        return self.sentence(rng, max_words=rng.randint(3, 9)).rstrip(".")[:limit]

    def paragraph(self, rng: random.Random, sentences: int | None = None) -> str:
        """A paragraph of 2 to 6 sentences."""
        return " ".join(self.sentence(rng) for _ in range(sentences or rng.randint(2, 6)))

    def markdown(self, rng: random.Random, paragraphs: int | None = None) -> str:
        """A markdown body: paragraphs, sometimes a heading, a list or bold words."""
        parts = []
        for n in range(paragraphs or rng.randint(1, 4)):
            if n and rng.random() < 0.3:
                parts.append("## " + self.title(rng, 80))
            if rng.random() < 0.2:
                parts.append("\n".join("- " + self.title(rng, 80) for _ in range(rng.randint(2, 4))))
            text = self.paragraph(rng)
            if rng.random() < 0.3:
                word = rng.choice(self.vocabulary)
                text = text.replace(word, f"**{word}**", 1)
            parts.append(text)
        return "\n\n".join(parts)


@cache
def french() -> FrenchText:
    """The shared generator (built once)."""
    return FrenchText()


def past_date(rng: random.Random, span: timedelta = TWO_YEARS) -> datetime:
    """A moment in the ``span`` before now (uniform)."""
    return NOW - timedelta(seconds=rng.randint(0, int(span.total_seconds())))


def sorted_dates(rng: random.Random, count: int, span: timedelta = TWO_YEARS) -> list[datetime]:
    """``count`` moments in the ``span`` before now, oldest first (ids follow time)."""
    return sorted(past_date(rng, span) for _ in range(count))


def chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``rows`` in slices of ``size``."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def insert_rows(model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (dicts of column values) in bulk; return their ids, in order.

    One ``INSERT ... RETURNING`` per chunk (SQLAlchemy's "insertmanyvalues"): no ORM
    object, no mapper event (the search index is rebuilt at the end of the seed).
    """
    ids: list[int] = []
    for part in chunks(rows):
        result = db.session.execute(db.insert(model).returning(model.id, sort_by_parameter_order=True), list(part))
        ids.extend(result.scalars().all())
    return ids


def update_rows(model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk UPDATE by primary key: each dict holds ``id`` and the columns to set."""
    for part in chunks(rows):
        db.session.execute(db.update(model), list(part))


def add_activities(space: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Activity rows of ``space`` (dicts with verb, actor_id, target_type, target_id,
    title, url, created_at) so the stream and the activity widget have something."""
    from .models import Activity

    for row in rows:
        row["space_id"] = space.id
        row["title"] = row.get("title", "")[:255]
    insert_rows(Activity, rows)


#: Keys of ``parvis.services.reactions.ALLOWED_REACTIONS``.
EMOJIS = ("like", "love", "idea", "thanks", "laugh")


def add_comments_and_reactions(
    space: Any, target_type: str, items: Sequence[tuple[int, datetime]], user_ids: Sequence[int],
    rng: random.Random, share: float = 0.2,
) -> int:
    """A few comments and reactions on ``share`` of ``items`` ((id, created_at) pairs)."""
    from .models import Comment, Reaction

    text = french()
    comments: list[dict[str, Any]] = []
    reactions: list[dict[str, Any]] = []
    for target_id, created in items:
        if rng.random() >= share:
            continue
        for _ in range(rng.randint(1, 3)):
            comments.append({
                "space_id": space.id, "target_type": target_type, "target_id": target_id,
                "author_id": rng.choice(user_ids), "body": text.paragraph(rng, rng.randint(1, 2)),
                "created_at": min(NOW, created + timedelta(hours=rng.randint(1, 200))),
            })
        voters = rng.sample(list(user_ids), min(len(user_ids), rng.randint(1, 4)))
        for user_id in voters:
            reactions.append({
                "target_type": target_type, "target_id": target_id, "user_id": user_id,
                "emoji": rng.choice(EMOJIS), "created_at": created,
            })
    insert_rows(Comment, comments)
    insert_rows(Reaction, reactions)
    return len(comments)
