"""The core's own hook implementations: it dog-foods the module hooks.

It ships the platform's themes and layouts folders and the core widgets: space
description, markdown text block, links, image (banner or logo), module shortcut,
module page (a module page's content shown inline, see ``services.embed``),
members and recent activity (the last two batch-load their data, see ``WidgetSpec.load``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Form, IntegerField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .plugins.manager import hookimpl
from .plugins.spec import WidgetContext, WidgetSpec
from .templating import render_fragment


def _package_folder(package: str) -> Path:
    return Path(str(resources.files(package)))


@hookimpl
def parvis_themes() -> list[Path]:
    return [_package_folder("parvis_themes")]


@hookimpl
def parvis_layouts() -> list[Path]:
    return [_package_folder("parvis_layouts")]


class TextWidgetForm(Form):
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=120)])
    body = TextAreaField(_l("Text (markdown)"), validators=[Optional(), Length(max=20000)])


class CountWidgetForm(Form):
    limit = IntegerField(_l("How many"), default=5, validators=[NumberRange(min=1, max=50)])


def _check_links(form: Form, field: TextAreaField) -> None:
    for number, line in enumerate((field.data or "").splitlines(), start=1):
        if line.strip() and _parse_link(line) is None:
            raise ValidationError(
                _l("Line %(n)s: write \"Label | https://address\" (or an address starting with /).", n=number)
            )


def _parse_link(line: str) -> tuple[str, str] | None:
    label, _sep, url = line.partition("|")
    label, url = label.strip(), url.strip()
    if not _sep:
        label, url = line.strip(), line.strip()
    if not label or not url or len(url) > 500:
        return None
    if not (url.startswith(("https://", "http://")) or (url.startswith("/") and not url.startswith("//"))):
        return None
    return label[:120], url


class LinksWidgetForm(Form):
    title = StringField(_l("Title"), default="", validators=[Optional(), Length(max=120)])
    links = TextAreaField(
        _l("Links, one per line: Label | https://address"),
        validators=[Optional(), Length(max=5000), _check_links],
    )


class ImageWidgetForm(Form):
    image = SelectField(_l("Image"), default="banner")
    alt = StringField(_l("Text alternative (describe the image; empty if decorative)"),
                      validators=[Optional(), Length(max=200)])
    caption = StringField(_l("Caption"), validators=[Optional(), Length(max=200)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.image.choices = [("banner", _l("The space's banner")), ("icon", _l("The space's logo"))]


def _check_module(form: Form, field: StringField) -> None:
    from .plugins.manager import current_platform

    if field.data and current_platform().module(field.data) is None:
        raise ValidationError(_l("Unknown module."))


class ModuleWidgetForm(Form):
    module = StringField(_l("Module (its identifier, e.g. wiki)"), validators=[DataRequired(), _check_module])


def _page_choices() -> list[tuple[str, str]]:
    """Every navigation page of every installed module, as ``module:endpoint`` choices."""
    from .labels import translate
    from .plugins.manager import current_platform

    choices = []
    for spec in sorted(current_platform().modules.values(), key=lambda s: (s.order, s.id)):
        for entry in sorted(spec.nav, key=lambda e: e.order):
            choices.append((f"{spec.id}:{entry.endpoint}", f"{translate(spec.name)} — {translate(entry.label)}"))
    return choices


class ModulePageWidgetForm(Form):
    page = SelectField(_l("Page to show"), default="", validators=[Optional()])
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=120)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page.choices = [("", _l("Choose a page")), *_page_choices()]


def _render_module_page(ctx: WidgetContext) -> Markup:
    """The main content of a module page, rendered for the viewer (``services.embed``)."""
    from flask import url_for
    from werkzeug.routing import BuildError

    from .plugins.manager import current_platform
    from .services.embed import embedded_content
    from .services.spaces import enabled_modules

    module_id, _sep, endpoint = str(ctx.settings.get("page") or "").partition(":")
    spec = current_platform().module(module_id)
    if spec is None or endpoint not in {e.endpoint for e in spec.nav}:
        return Markup("")
    if spec.id not in {s.id for s, _row in enabled_modules(ctx.space)}:
        return Markup("")
    try:
        url = url_for(endpoint, space_slug=ctx.space.slug)
    except BuildError:
        return Markup("")
    content = embedded_content(url)
    if content is None:
        return Markup("")
    return render_fragment(
        "widgets/module_page.html", content=content, url=url, title=ctx.settings.get("title") or "",
    )


def _render_description(ctx: WidgetContext) -> Markup:
    return render_fragment("widgets/description.html", space=ctx.space)


def _render_text(ctx: WidgetContext) -> Markup:
    return render_fragment(
        "widgets/text.html", body=ctx.settings.get("body", ""), title=ctx.settings.get("title") or ""
    )


def _render_links(ctx: WidgetContext) -> Markup:
    links = [link for line in str(ctx.settings.get("links") or "").splitlines()
             if line.strip() and (link := _parse_link(line))]
    return render_fragment("widgets/links.html", title=ctx.settings.get("title") or "", links=links)


def _render_image(ctx: WidgetContext) -> Markup:
    kind = "icon" if ctx.settings.get("image") == "icon" else "banner"
    key = ctx.space.icon_key if kind == "icon" else ctx.space.banner_key
    return render_fragment(
        "widgets/image.html", space=ctx.space, kind=kind, has_image=bool(key),
        alt=ctx.settings.get("alt") or "", caption=ctx.settings.get("caption") or "",
    )


def _render_module(ctx: WidgetContext) -> Markup:
    from flask import url_for

    from .labels import translate
    from .plugins.manager import current_platform
    from .services.spaces import enabled_modules

    spec = current_platform().module(str(ctx.settings.get("module") or ""))
    if spec is None or spec.id not in {s.id for s, _row in enabled_modules(ctx.space)}:
        return Markup("")
    links = [
        (translate(entry.label), url_for(entry.endpoint, space_slug=ctx.space.slug))
        for entry in sorted(spec.nav, key=lambda e: e.order)
    ]
    return render_fragment("widgets/module.html", spec=spec, links=links)


def _limit(ctx: WidgetContext, default: int = 8) -> int:
    try:
        return max(1, min(int(ctx.settings.get("limit", default)), 50))
    except (TypeError, ValueError):
        return default


def _load_members(contexts: list[WidgetContext]) -> None:
    """Newest members and the member count of each space: one query per space on the page."""
    from .extensions import db
    from .models import Membership

    by_space: dict[int, list[WidgetContext]] = {}
    for ctx in contexts:
        by_space.setdefault(ctx.space.id, []).append(ctx)
    for space_id, group in by_space.items():
        most = max(_limit(ctx) for ctx in group)
        total = (
            db.select(db.func.count()).select_from(Membership)
            .where(Membership.space_id == space_id).scalar_subquery()
        )
        rows = db.session.execute(
            db.select(Membership, total)
            .filter_by(space_id=space_id)
            .order_by(Membership.created_at.desc(), Membership.id.desc())
            .limit(most)
            .options(db.joinedload(Membership.user))
        ).all()
        count = rows[0][1] if rows else 0
        for ctx in group:
            ctx.data = {"memberships": [r[0] for r in rows[: _limit(ctx)]], "total": count}


def _render_members(ctx: WidgetContext) -> Markup:
    if ctx.data is None:
        _load_members([ctx])
    return render_fragment("widgets/members.html", **ctx.data)


def _load_activity(contexts: list[WidgetContext]) -> None:
    """Latest activities with their actors: one query per space on the page."""
    from .extensions import db
    from .models import Activity
    from .services.activity import hidden_modules_clause

    by_space: dict[int, list[WidgetContext]] = {}
    for ctx in contexts:
        by_space.setdefault(ctx.space.id, []).append(ctx)
    for space_id, group in by_space.items():
        most = max(_limit(ctx) for ctx in group)
        items = list(
            db.session.scalars(
                db.select(Activity)
                .filter_by(space_id=space_id)
                .filter(hidden_modules_clause(group[0].space))
                .order_by(Activity.created_at.desc(), Activity.id.desc())
                .limit(most)
                .options(db.joinedload(Activity.actor))
            )
        )
        for ctx in group:
            ctx.data = items[: _limit(ctx)]


def _render_activity(ctx: WidgetContext) -> Markup:
    if ctx.data is None:
        _load_activity([ctx])
    return render_fragment("widgets/activity.html", items=ctx.data)


@hookimpl
def parvis_widgets() -> list[WidgetSpec]:
    return [
        WidgetSpec(
            "core.description", _l("Space description"), _render_description, icon="info", cache_ttl=300,
            description=_l("The description of the space, from its settings."),
        ),
        WidgetSpec(
            "core.text", _l("Text block"), _render_text, form=TextWidgetForm, icon="text",
            defaults={"title": "", "body": ""}, cache_ttl=300,
            description=_l("Your own text, written in markdown."),
        ),
        WidgetSpec(
            "core.links", _l("Links"), _render_links, form=LinksWidgetForm, icon="link",
            defaults={"title": "", "links": ""}, cache_ttl=300,
            description=_l("A list of useful links."),
        ),
        WidgetSpec(
            "core.image", _l("Image"), _render_image, form=ImageWidgetForm, icon="image",
            defaults={"image": "banner", "alt": "", "caption": ""}, cache_ttl=300,
            description=_l("The space's banner or logo, with a caption."),
        ),
        WidgetSpec(
            "core.module", _l("Module shortcut"), _render_module, form=ModuleWidgetForm, icon="grid",
            defaults={"module": ""}, cache_ttl=300,
            description=_l("A module of the space with links to its pages."),
        ),
        WidgetSpec(
            "core.page", _l("Module page"), _render_module_page, form=ModulePageWidgetForm, icon="grid",
            defaults={"page": "", "title": ""},
            description=_l("A page of a module (the wiki home, the FAQ, the agenda...) shown inline."),
        ),
        WidgetSpec(
            "core.members", _l("Members"), _render_members, form=CountWidgetForm,
            defaults={"limit": 8}, icon="people", load=_load_members, cache_ttl=300,
            description=_l("The newest members and how many there are."),
        ),
        WidgetSpec(
            "core.activity", _l("Recent activity"), _render_activity, form=CountWidgetForm,
            defaults={"limit": 8}, icon="activity", load=_load_activity, cache_ttl=60,
            description=_l("What happened lately in the space."),
        ),
    ]


@hookimpl
def parvis_storage_keys() -> list[str]:
    """Keys of attachments, profile photos, space icons and banners (``parvis storage check``)."""
    from .extensions import db
    from .models import Attachment, Space, User

    keys = list(db.session.scalars(db.select(Attachment.storage_key)))
    keys += db.session.scalars(db.select(User.photo_key).where(User.photo_key.is_not(None)))
    for icon, banner in db.session.execute(db.select(Space.icon_key, Space.banner_key)):
        keys += [k for k in (icon, banner) if k]
    return keys
