"""Entry point of the posts module (``parvis.modules``: ``posts``).

The module meets the core only through these hook implementations, the spec classes
exported by :mod:`parvis` and the public services.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from parvis import ContentType, ModuleSpec, NavEntry, Permission, hookimpl
from parvis.extensions import db
from parvis.models import utcnow

from . import models, search, service
from .api import api_bp
from .forms import SettingsForm
from .seed import parvis_seed_content  # noqa: F401 - hook implementation
from .views import bp
from .widgets import WIDGETS

HERE = Path(__file__).parent


def _resolve(object_id: int, user: Any) -> models.Post | None:
    """The post if it exists and ``user`` may see it (the core checks the module is on)."""
    from parvis.services import permissions

    post = db.session.get(models.Post, object_id)
    if post is None or not permissions.can(user, "space.read", post.space):
        return None
    return post if service.can_view(post, user) else None


POST_TYPE = ContentType(
    id=service.CONTENT_TYPE,
    label=_l("Post"),
    resolve=_resolve,
    url=lambda post: service.post_url(post),
    title=lambda post: post.title,
    # Only live posts take comments and reactions, and only where comments are on;
    # files are attached to a post by those who may edit it.
    can_comment=lambda post, user: post.is_live and service.settings(post.space)["allow_comments"],
    can_attach=lambda post, user: service.may_edit(user, post),
    search_document=search.search_document,
)

SPEC = ModuleSpec(
    id=service.MODULE_ID,
    name=_l("Posts"),
    description=_l("News and blog of the space: posts with tags, comments and reactions."),
    icon="news",
    version="1.0.0",
    blueprint=bp,
    api_blueprint=api_bp,
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    settings_form=SettingsForm,
    settings_defaults=dict(service.SETTINGS_DEFAULTS),
    permissions=(
        Permission("posts.create", _l("Write posts"), "member"),
        Permission("posts.moderate", _l("Edit, hide and approve others' posts"), "moderator"),
        Permission("posts.pin", _l("Pin posts to the top of the feed"), "moderator"),
        Permission("posts.announce", _l("Publish announcements that notify every member"), "admin"),
    ),
    widgets=WIDGETS,
    nav=(NavEntry(label=_l("Posts"), endpoint="posts.index", icon="news", order=10),),
    activity_types={"posts.published": _l("published a post")},
    content_types=(POST_TYPE,),
    order=10,
)


@hookimpl
def parvis_module() -> ModuleSpec:
    return SPEC


@hookimpl
def parvis_search_documents(space: Any) -> Iterable[dict[str, Any]]:
    return search.search_documents(space)


@hookimpl
def parvis_export_space(space: Any, module_id: str) -> dict[str, Any] | None:
    if module_id != service.MODULE_ID:
        return None
    return search.export_space(space)


@hookimpl
def parvis_space_deleted(space: Any) -> None:
    search.delete_space_data(space)


DEMO_POSTS = (
    {
        "title": "Bienvenue dans l'espace !",
        "body": (
            "Bonjour à toutes et à tous,\n\n"
            "Cet espace réunit les agents et partenaires du projet. Vous y trouverez "
            "les **actualités**, les documents de travail et le calendrier des ateliers.\n\n"
            "N'hésitez pas à vous présenter en commentaire !"
        ),
        "tags": ["Vie de l'espace"],
        "pinned": True,
        "announcement": True,
        "days_ago": 6,
        "comment": "Merci pour l'accueil ! Ravie de rejoindre la communauté.",
    },
    {
        "title": "Compte rendu de l'atelier du 12 mars",
        "body": (
            "L'atelier a réuni une vingtaine de participants venus de huit départements.\n\n"
            "## Points clés\n\n"
            "- simplifier le parcours de demande en ligne ;\n"
            "- mutualiser les modèles de courriers ;\n"
            "- prévoir une formation pour les nouveaux arrivants.\n\n"
            "Le support de présentation est disponible dans les documents."
        ),
        "tags": ["Ateliers", "Compte rendu"],
        "days_ago": 3,
    },
    {
        "title": "Appel à contributions : guide des bonnes pratiques",
        "body": (
            "Nous rédigeons un guide des bonnes pratiques pour l'accueil des usagers. "
            "Partagez vos retours d'expérience, même courts : ils seront relus par le "
            "comité éditorial avant publication."
        ),
        "tags": ["Guide", "Contributions"],
        "days_ago": 1,
    },
    {
        "title": "Nouvel outil de visioconférence",
        "body": (
            "À partir du mois prochain, les réunions de l'espace se tiendront sur l'outil "
            "de visioconférence de l'État. Les liens seront ajoutés à chaque événement "
            "du calendrier."
        ),
        "tags": ["Outils"],
        "days_ago": 0,
    },
)


@hookimpl
def parvis_demo_seed(space: Any, module_id: str, users: list[Any]) -> None:
    if module_id != service.MODULE_ID or not users:
        return
    from . import content
    from .tags import resolve_tags

    now = utcnow()
    for index, item in enumerate(DEMO_POSTS):
        author = users[index % len(users)]
        when = now - timedelta(days=item["days_ago"], hours=index)
        post = models.Post(
            space_id=space.id,
            author_id=author.id,
            title=item["title"],
            body=item["body"],
            status="published",
            pinned=item.get("pinned", False),
            announcement=item.get("announcement", False),
            published_at=when,
            released_at=when,
            announced_at=when if item.get("announcement") else None,
            created_at=when,
            updated_at=when,
        )
        post.tags = resolve_tags(space.id, item["tags"])
        db.session.add(post)
        db.session.flush()
        if item.get("comment"):
            content.add_comment(
                space=space, post_id=post.id, author=users[(index + 1) % len(users)], body=item["comment"]
            )
