"""``parvis seed``: a large, realistic platform for load tests and the performance budget.

``parvis seed --users 25000 --spaces 2000 --items 200000 [--seed N]`` fills an *empty*
database with:

- users with French names, one shared password (hashed once, with cheap Argon2
  parameters: these accounts exist for load tests only) and sign-up dates over two
  years; ``bench@seed.example.org`` is a member of 20 spaces (the benchmarks' reader);
- spaces of every visibility and join policy, each created from one of the shipped
  space templates (so its modules and home page come from there) with its home page
  grown to 12 widgets;
- memberships: a user is in 1 to 40 spaces (most in a few, some in many; busy spaces
  attract more), each space has an owner, admins, moderators, members and guests;
- ``--items`` pieces of content spread over the spaces (some spaces are busy) and
  their enabled modules, written by the modules themselves through the
  ``parvis_seed_content`` hook (core knows no module);
- then the search index is rebuilt (skip it with ``--no-index``, run
  ``parvis search reindex`` later).

Rows go in with bulk INSERTs (see :mod:`parvis.seeding`), one commit per chunk, so the
same command works on SQLite and PostgreSQL. The same ``--seed`` gives the same data
(dates are relative to the day of the run).
"""

from __future__ import annotations

import copy
import random
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from flask_babel import gettext as _

from .extensions import db
from .seeding import TWO_YEARS, french, insert_rows, past_date

Echo = Callable[[str], None]

DOMAIN = "seed.example.org"
BENCH_EMAIL = f"bench@{DOMAIN}"
SEED_PASSWORD = "parvis seed password"  # noqa: S105 - load-test accounts, printed on purpose
BENCH_SPACES = 20
MAX_SPACES_PER_USER = 40

FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Jade", "Louise", "Emma", "Sarah", "Julie", "Claire",
    "Sophie", "Nathalie", "Isabelle", "Anne", "Marie", "Hélène", "Élodie", "Aurélie", "Céline",
    "Lucas", "Hugo", "Louis", "Jules", "Gabriel", "Arthur", "Nathan", "Thomas", "Nicolas", "Julien",
    "Pierre", "Antoine", "Mathieu", "François", "Olivier", "Stéphane", "Laurent", "Éric", "Yannick",
    "Mohamed", "Karim", "Yasmine", "Fatou", "Amadou", "Nguyen", "Mei", "Aïcha", "Noé", "Zoé", "Timothée",
)
LAST_NAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier",
    "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefebvre",
    "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François",
    "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry",
    "Roussel", "Mathieu", "Gautier", "Masson", "Benali", "Diallo", "Nguyen", "Le Gall", "Kerjean",
)
JOBS = (
    "Chargée de mission", "Chef de projet numérique", "Agent d'accueil", "Bibliothécaire",
    "Directrice des services", "Data scientist", "Juriste", "Développeur", "Designer de services",
    "Responsable RH", "Médiateur numérique", "Secrétaire générale", "Ingénieur territorial",
)
ORGANISATIONS = (
    "Préfecture de région", "Ministère de la Culture", "Conseil départemental", "Mairie",
    "Agence régionale de santé", "Université", "Rectorat", "Communauté de communes",
    "Direction interministérielle du numérique", "Caisse d'allocations familiales",
)
SPACE_KINDS = (
    "Réseau", "Communauté", "Club", "Projet", "Groupe de travail", "Comité", "Atelier", "Collectif",
    "Cercle", "Observatoire", "Laboratoire", "Programme",
)
SPACE_TOPICS = (
    "des médiathèques", "de l'inclusion numérique", "des données ouvertes", "de la commande publique",
    "des archivistes", "de la transition écologique", "des référents accessibilité", "de la santé publique",
    "des DSI territoriales", "des designers publics", "de la simplification", "de l'innovation sociale",
    "des secrétaires de mairie", "de la formation continue", "des acheteurs publics", "du patrimoine",
    "de la mobilité durable", "des jeunes agents", "de la cybersécurité", "des guichets uniques",
)
PLACES = (
    "Auvergne-Rhône-Alpes", "Bretagne", "Occitanie", "Grand Est", "Hauts-de-France", "Normandie",
    "Nouvelle-Aquitaine", "Île-de-France", "Centre-Val de Loire", "Bourgogne-Franche-Comté",
    "Pays de la Loire", "Provence-Alpes-Côte d'Azur", "Corse", "Guadeloupe", "La Réunion",
    "Lyon", "Nantes", "Lille", "Rennes", "Toulouse", "Strasbourg", "Montpellier", "Brest", "Dijon",
)
#: visibility -> (weight, join policies to pick from)
VISIBILITIES = {"public": (50, ("open", "request")), "private": (35, ("request", "invitation")),
                "secret": (15, ("invitation",))}
TEMPLATES = ("community-of-practice", "project-team", "network-club")
#: Widgets added to a template's home page until it has 12 (first the types it lacks).
EXTRA_WIDGETS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("core.text", {"title": "Bienvenue", "body": "Bienvenue dans notre **espace** : présentez-vous "
                   "dans les discussions et lisez la foire aux questions."}),
    ("core.links", {"title": "Liens utiles", "links": "Service public | https://www.service-public.fr\n"
                    "Légifrance | https://www.legifrance.gouv.fr"}),
    ("calendar.upcoming", {}),
    ("documents.recent", {}),
    ("discussions.latest", {}),
    ("faq.top", {"limit": 5}),
    ("wiki.recent", {"limit": 5}),
    ("posts.latest", {"n": 3, "tag": ""}),
    ("core.members", {"limit": 8}),
    ("core.activity", {"limit": 8}),
    ("core.image", {"image": "banner"}),
    ("calendar.month", {}),
    ("posts.announcement", {}),
)
HOME_WIDGETS = 12


class SeedRefused(RuntimeError):
    """The database is not empty: seeding would mix generated and real data."""


@dataclass
class SeedReport:
    """What ``parvis seed`` created and how long each phase took."""

    users: int = 0
    spaces: int = 0
    memberships: int = 0
    items: int = 0
    items_by_module: Counter = field(default_factory=Counter)
    indexed: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text.lower() if c.isalnum())


def check_empty() -> None:
    """Refuse (:class:`SeedRefused`) when the platform already has spaces or users."""
    from .models import Space, User

    spaces = db.session.scalar(db.select(db.func.count()).select_from(Space)) or 0
    users = db.session.scalar(db.select(db.func.count()).select_from(User)) or 0
    if spaces or users:
        raise SeedRefused(_(
            "The database already has %(users)d users and %(spaces)d spaces: parvis seed only fills "
            "an empty platform (use another database, or --reset to delete every table first).",
            users=users, spaces=spaces,
        ))


def seed_platform(
    app: Flask, *, users: int, spaces: int, items: int, seed: int = 1, index: bool = True, echo: Echo = print
) -> SeedReport:
    """Fill the (empty) database of ``app``; see the module docstring."""
    if users < 2 or spaces < 1 or items < 0:
        raise ValueError(_("Seed at least 2 users and 1 space."))
    report = SeedReport()
    rng = random.Random(seed)
    with app.test_request_context("/"):  # modules build URLs with url_for
        check_empty()
        stop_dropping = _drop_index_jobs()
        started = time.perf_counter()
        user_ids = _seed_users(users, rng, echo)
        report.users = len(user_ids)
        report.seconds["users"] = time.perf_counter() - started

        t0 = time.perf_counter()
        space_ids = _seed_spaces(spaces, user_ids, rng, echo)
        report.spaces = len(space_ids)
        report.seconds["spaces"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        report.memberships = _seed_memberships(space_ids, user_ids, rng, echo)
        report.seconds["memberships"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        _seed_items(app, space_ids, items, rng, report, echo)
        report.seconds["items"] = time.perf_counter() - t0

        stop_dropping()
        if index:
            t0 = time.perf_counter()
            report.indexed = _rebuild_index(echo)
            report.seconds["index"] = time.perf_counter() - t0
        report.seconds["total"] = time.perf_counter() - started
    return report


def _drop_index_jobs() -> Callable[[], None]:
    """Drop the search jobs the ORM events queue (the index is rebuilt once at the end);
    returns the function that stops dropping them."""
    from sqlalchemy import event

    from .search.events import PENDING_KEY, SERVICE_KEY

    session = db.session()

    def _drop(sess: Any) -> None:
        sess.info.pop(PENDING_KEY, None)
        sess.info.pop(SERVICE_KEY, None)

    event.listen(session, "before_commit", _drop)
    return lambda: event.remove(session, "before_commit", _drop)


def _commit() -> None:
    db.session.commit()
    db.session.expunge_all()


# -- users ----------------------------------------------------------------------------------


def _seed_users(count: int, rng: random.Random, echo: Echo) -> list[int]:
    from .models import User

    # One hash for every seeded account, cheap parameters (verify() reads them from the hash).
    password_hash = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(SEED_PASSWORD)
    rows = []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if n == 0:
            email, username, name = BENCH_EMAIL, "bench", "Bénédicte Banc"
        else:
            username = f"{_ascii(first)}.{_ascii(last)}{n}"
            email, name = f"{username}@{DOMAIN}", f"{first} {last}"
        created = past_date(rng, TWO_YEARS)
        rows.append({
            "email": email, "username": username, "name": name, "password_hash": password_hash,
            "platform_role": "admin" if n == 1 else "user", "active": True,
            "job_title": rng.choice(JOBS) if rng.random() < 0.7 else "",
            "organisation": rng.choice(ORGANISATIONS) if rng.random() < 0.7 else "",
            "bio": "", "expertise": [], "created_at": created, "password_changed_at": created,
        })
    ids = []
    for start in range(0, count, 5000):
        ids.extend(insert_rows(User, rows[start : start + 5000]))
        _commit()
        echo(_("Users: %(done)d / %(total)d", done=len(ids), total=count))
    return ids


# -- spaces ---------------------------------------------------------------------------------


def _space_name(rng: random.Random) -> str:
    return f"{rng.choice(SPACE_KINDS)} {rng.choice(SPACE_TOPICS)} {rng.choice(PLACES)}"


def _twelve_widget_data(template: dict[str, Any], installed: set[str]) -> dict[str, Any]:
    """The template's space file with its home page grown to 12 widgets (installed modules only)."""
    data = copy.deepcopy(template)
    data["modules"] = [m for m in data.get("modules", []) if m.get("id") in installed]
    enabled = {m["id"] for m in data["modules"] if m.get("enabled", True)} | {"core"}
    for page in data.get("pages", []):
        if page.get("slug") != "home":
            continue
        placements = [p for p in page["placements"] if p["widget"].split(".")[0] in enabled]
        present = {p["widget"] for p in placements}
        region = placements[-1]["region"] if placements else "main"
        candidates = [w for w in EXTRA_WIDGETS if w[0] not in present] + [
            w for w in EXTRA_WIDGETS if w[0] in present and w[0] != "posts.announcement"]
        for widget, settings in candidates:
            if len(placements) >= HOME_WIDGETS:
                break
            if widget.split(".")[0] in enabled:
                placements.append({"region": region, "widget": widget, "settings": dict(settings)})
        page["placements"] = placements
    return data


def _seed_spaces(count: int, user_ids: list[int], rng: random.Random, echo: Echo) -> list[int]:
    from .models import User
    from .plugins.manager import current_platform
    from .services.space_templates import shipped_templates
    from .services.spaces import create_space, forget_enabled_modules, slugify

    installed = {spec.id for spec in current_platform().ordered_modules()}
    shipped = shipped_templates()
    templates = [_twelve_widget_data(shipped[key].data, installed) for key in TEMPLATES if key in shipped]
    visibilities = list(VISIBILITIES)
    weights = [VISIBILITIES[v][0] for v in visibilities]
    text = french()
    ids: list[int] = []
    slugs: set[str] = set()
    for n in range(count):
        name = _space_name(rng)
        slug = slugify(name)[:56].strip("-")
        if slug in slugs:
            slug = f"{slug}-{n}"
        slugs.add(slug)
        # the first three spaces have each visibility, the others are drawn
        visibility = visibilities[n] if n < len(visibilities) else rng.choices(visibilities, weights)[0]
        owner = db.session.get(User, user_ids[0] if n < 2 else rng.choice(user_ids[1:]))
        space = create_space(
            name=name, slug=slug, owner=owner, visibility=visibility,
            join_policy=rng.choice(VISIBILITIES[visibility][1]),
            description=text.paragraph(rng, rng.randint(1, 3)),
            template=templates[n % len(templates)],
        )
        space.created_at = past_date(rng)
        ids.append(space.id)
        if (n + 1) % 50 == 0 or n + 1 == count:
            _commit()
            forget_enabled_modules()
            echo(_("Spaces: %(done)d / %(total)d", done=n + 1, total=count))
    return ids


# -- memberships ------------------------------------------------------------------------------


def _seed_memberships(space_ids: list[int], user_ids: list[int], rng: random.Random, echo: Echo) -> int:
    """Each user joins 1 to 40 spaces (busy spaces attract more); roles per space."""
    from .models import Membership

    owners = dict(db.session.execute(
        db.select(Membership.space_id, Membership.user_id).filter_by(role="owner")).all())
    order = space_ids[:]
    rng.shuffle(order)
    cum, total = [], 0.0
    for rank in range(len(order)):
        total += 1.0 / (rank + 10)
        cum.append(total)
    by_space: dict[int, list[int]] = defaultdict(list)
    bench_spaces = rng.sample(space_ids, min(BENCH_SPACES, len(space_ids)))
    for user_id in user_ids:
        if user_id == user_ids[0]:
            chosen = set(bench_spaces)
        else:
            wanted = min(MAX_SPACES_PER_USER, len(order), max(1, int(rng.paretovariate(1.3))))
            chosen = set()
            while len(chosen) < wanted:
                chosen.update(rng.choices(order, cum_weights=cum, k=wanted - len(chosen)))
        for space_id in chosen:
            if owners.get(space_id) != user_id:
                by_space[space_id].append(user_id)
    rows = []
    for space_id, members in by_space.items():
        for position, user_id in enumerate(members):
            if user_id == user_ids[0]:
                role = "member"
            elif position < 3:
                role = ("admin", "moderator", "guest")[position]
            else:
                role = rng.choices(("member", "guest", "moderator", "admin"), (85, 10, 3, 2))[0]
            rows.append({"space_id": space_id, "user_id": user_id, "role": role,
                         "created_at": past_date(rng)})
    for start in range(0, len(rows), 10000):
        insert_rows(Membership, rows[start : start + 10000])
        _commit()
    echo(_("Memberships: %(count)d", count=len(rows)))
    return len(rows)


# -- content ----------------------------------------------------------------------------------


def _seed_items(app: Flask, space_ids: list[int], items: int, rng: random.Random, report: SeedReport,
                echo: Echo) -> None:
    """Spread ``items`` over the spaces (Zipf-like) and their enabled modules, through the hook."""
    from .models import Membership, Space, SpaceModule, User

    platform = app.extensions["parvis"]
    seedable = {spec.id for spec in platform.ordered_modules()}
    enabled: dict[int, list[str]] = defaultdict(list)
    for space_id, module_id in db.session.execute(
        db.select(SpaceModule.space_id, SpaceModule.module_id).filter_by(enabled=True)
        .order_by(SpaceModule.space_id, SpaceModule.position)
    ):
        if module_id in seedable:
            enabled[space_id].append(module_id)
    order = space_ids[:]
    rng.shuffle(order)
    weights = [1.0 / (rank + 10) for rank in range(len(order))]
    per_space = Counter(rng.choices(order, weights, k=items)) if order and items else Counter()
    done, last_echo = 0, 0
    unseedable: set[str] = set()
    for space_id in space_ids:
        wanted = per_space.get(space_id, 0)
        modules = [m for m in enabled.get(space_id, []) if m not in unseedable]
        if not wanted or not modules:
            continue
        space = db.session.get(Space, space_id)
        members = list(db.session.scalars(
            db.select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.space_id == space_id).order_by(User.id)))
        done += _seed_space_items(platform, space, members, modules, wanted, unseedable, rng, report)
        _commit()
        if done - last_echo >= 10000 or done == items:
            last_echo = done
            echo(_("Items: %(done)d / %(total)d", done=done, total=items))
    report.items = done


def _seed_space_items(platform: Any, space: Any, members: list[Any], modules: list[str], wanted: int,
                      unseedable: set[str], rng: random.Random, report: SeedReport) -> int:
    """Ask each module for its share of ``wanted`` items; a module without the hook passes
    its share on to the next one (and is not asked again)."""
    split = Counter(rng.choice(modules) for _ in range(wanted))
    created_here, carry = 0, 0
    queue = list(modules)
    while queue:
        module_id = queue.pop(0)
        count = split.pop(module_id, 0) + carry
        if not count:
            continue
        results = [r for r in platform.hook.parvis_seed_content(
            space=space, module_id=module_id, users=members, count=count, rng=rng) if r is not None]
        if not results:
            unseedable.add(module_id)
            carry = count
            if not queue:  # the last one has no hook: give its share to the first seeded module
                queue = [m for m in modules if m not in unseedable][:1]
            continue
        carry = 0
        created = sum(results)
        report.items_by_module[module_id] += created
        created_here += created
    return created_here


def _rebuild_index(echo: Echo) -> int | None:
    from flask import current_app

    from .search.service import EXTENSION_KEY

    service = current_app.extensions.get(EXTENSION_KEY)
    if service is None:
        return None
    echo(_("Rebuilding the search index ..."))
    count = service.reindex()
    echo(_("Indexed %(count)d documents.", count=count))
    return count
