"""The wiki's HTML blueprint (mounted at ``/s/<space_slug>/wiki``) and its page loader."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from .helpers import may
from .models import WikiPage
from .services import find_page

bp = Blueprint(
    "wiki",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def require(action: str) -> None:
    """403 unless the current user may do ``action`` in the current space."""
    if not may(action, g.space):
        abort(403)


def load_page(slug: str, *, allow_deleted: bool = False) -> WikiPage | Response:
    """The page at ``slug``, a 301 to its new address if it moved, or an error page.

    A page in the trash answers 410 with an explanation, except where
    ``allow_deleted`` (its history and the trash views of those who may restore it).
    """
    page, moved = find_page(g.space, slug)
    if page is None:
        abort(404)
    if moved and request.method in {"GET", "HEAD"}:
        args = dict(request.view_args or {}, slug=page.slug)
        return redirect(url_for(request.endpoint, **args, **request.args.to_dict()), code=301)
    if page.is_deleted and not (allow_deleted and may("wiki.restore", g.space)):
        return gone(page)
    return page


def gone(page: WikiPage, code: int = 410) -> Response:
    """The page is in the trash: say so (admins get a restore button)."""
    html = render_template(
        "wiki/gone.html",
        page=page,
        message=gettext("This page is in the trash: it cannot be read or edited until a space admin restores it."),
        can_restore=may("wiki.restore", g.space),
    )
    return Response(html, status=code)
