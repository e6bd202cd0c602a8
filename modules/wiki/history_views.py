"""A page's history: list of revisions, one revision, comparison, restore."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from parvis import coedit
from parvis.extensions import db

from . import services
from .blueprint import bp, gone, load_page, require
from .coedit import KIND
from .diff import word_diff
from .helpers import may, render_body
from .models import WikiRevision

PER_PAGE = 50


@bp.get("/p/<slug>/history")
def history(slug: str):  # noqa: ANN201
    """Revisions of a page, newest first, 50 per screen, with compare controls."""
    page = load_page(slug, allow_deleted=True)
    if isinstance(page, Response):
        return page
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)
    revisions, total = services.revisions_page(page, (number - 1) * PER_PAGE, PER_PAGE)
    if not revisions and number > 1:
        abort(404)
    return render_template(
        "wiki/history.html",
        page=page,
        revisions=revisions,
        coauthors=_coauthors(page.id, revisions),
        total=total,
        page_number=number,
        has_next=number * PER_PAGE < total,
        can_edit=may("wiki.edit", g.space) and not page.is_deleted,
    )


def _coauthors(page_id: int, revisions: list[WikiRevision]) -> dict[int, list[str]]:
    """Revision id -> names of the people who co-edited it live, besides its author."""
    return {
        rev_id: [name for _user_id, name in people]
        for rev_id, people in services.coauthors_of(page_id, revisions).items()
    }


def _revision_or_404(page: object, number: int) -> WikiRevision:
    revision = services.get_revision(page, number)
    if revision is None:
        abort(404)
    return revision


@bp.get("/p/<slug>/r/<int:number>")
def view_revision(slug: str, number: int):  # noqa: ANN201
    """One revision of a page, rendered."""
    page = load_page(slug, allow_deleted=True)
    if isinstance(page, Response):
        return page
    revision = _revision_or_404(page, number)
    rendered = render_body(revision.body, g.space, can_create=False)
    return render_template(
        "wiki/revision.html",
        page=page,
        revision=revision,
        rendered=rendered,
        coauthors=_coauthors(page.id, [revision]).get(revision.id, []),
        is_current=revision.id == page.current_revision_id,
        can_edit=may("wiki.edit", g.space) and not page.is_deleted,
    )


@bp.get("/p/<slug>/compare")
def compare(slug: str):  # noqa: ANN201
    """Word-level differences between two revisions (``from`` and ``to`` numbers)."""
    page = load_page(slug, allow_deleted=True)
    if isinstance(page, Response):
        return page
    current_number = page.current_revision.number if page.current_revision else 1
    to_number = request.args.get("to", current_number, type=int)
    from_number = request.args.get("from", max(to_number - 1, 1), type=int)
    if from_number > to_number:
        from_number, to_number = to_number, from_number
    rows = {
        r.number: r
        for r in db.session.scalars(
            db.select(WikiRevision)
            .where(WikiRevision.page_id == page.id, WikiRevision.number.in_({from_number, to_number}))
            .options(db.joinedload(WikiRevision.author))
        )
    }
    if from_number not in rows or to_number not in rows:
        abort(404)
    old, new = rows[from_number], rows[to_number]
    names = _coauthors(page.id, [old, new])
    return render_template(
        "wiki/compare.html",
        page=page,
        old=old,
        new=new,
        old_coauthors=names.get(old.id, []),
        new_coauthors=names.get(new.id, []),
        body_diff=word_diff(old.body, new.body),
        title_diff=word_diff(old.title, new.title) if old.title != new.title else None,
    )


@bp.post("/p/<slug>/r/<int:number>/restore")
def restore_revision(slug: str, number: int):  # noqa: ANN201
    """Make an old revision current again (saved as a new revision)."""
    require("wiki.edit")
    page = load_page(slug)
    if isinstance(page, Response):
        return gone(page, 409)
    revision = _revision_or_404(page, number)
    # Live changes not cut yet are kept as their own revision before the restore.
    coedit.before_form_save(KIND, page.id, current_user)
    try:
        saved = services.restore_revision(page, g.space, current_user, revision)
    except services.WikiError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("wiki.history", slug=page.slug))
    db.session.commit()
    if saved is not None:
        coedit.stored_text_changed(KIND, page.id, saved.body, str(saved.id))
        flash(gettext("Revision %(n)s restored as revision %(m)s.", n=number, m=saved.number), "success")
    return redirect(url_for("wiki.view_page", slug=page.slug))
