"""Wiki pages: read, create and edit (with the merge view on conflicts)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from parvis import coedit
from parvis.extensions import db
from parvis.services.attachments import attachments_for

from . import services
from .blueprint import bp, gone, load_page, require
from .coedit import KIND, live_key
from .diff import word_diff
from .forms import NewPageForm, PageForm
from .helpers import may, render_body, settings
from .models import WikiPage
from .outline import Outline, load_outline


def _attachments(page: WikiPage) -> list:
    """The page's attachments (one query)."""
    return attachments_for(services.CONTENT_TYPE, [page.id]).get(page.id, [])


def parent_choices(outline: Outline, exclude: set[int] | None = None) -> list[tuple[str, str]]:
    """Options of a "parent page" select, indented by depth."""
    exclude = exclude or set()
    choices = [("", gettext("— None (top level) —"))]
    for node in outline.walk():
        if node.id not in exclude:
            choices.append((str(node.id), "\u2003" * node.depth + node.title))
    return choices


def _apply_errors(form: PageForm, exc: services.WikiError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and exc.field != "base_revision_id":
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


@bp.get("/p/<slug>")
def view_page(slug: str):  # noqa: ANN201
    """A page: breadcrumbs, table of contents, text, sub-pages, backlinks, comments."""
    page = load_page(slug)
    if isinstance(page, Response):
        return page
    space = g.space
    outline = load_outline(space)
    can_edit = may("wiki.edit", space)
    outgoing, incoming = services.link_rows(page)
    live = coedit.live_text(KIND, page.id)
    body = live if live is not None else page.body
    rendered = render_body(body, space, outline=outline, can_create=can_edit, stored_links=outgoing)
    backlinks = sorted(
        (outline.by_id[i] for i in incoming if i in outline.by_id), key=lambda n: (n.title_key, n.id)
    )
    conf = settings(space)
    toc = rendered.toc if len(rendered.toc) >= int(conf.get("toc_min_headings") or 3) else []
    return render_template(
        "wiki/page.html",
        page=page,
        revision=page.current_revision,
        rendered=rendered,
        toc=toc,
        ancestors=outline.ancestors(page.id),
        children=outline.children(page.id),
        backlinks=[(n.id, n.title, n.slug) for n in backlinks],
        can_edit=can_edit,
        can_delete=may("wiki.delete", space),
        attachments=_attachments(page),
        comments_on=bool(conf.get("comments", True)),
        live=live is not None,
    )


@bp.route("/new", methods=["GET", "POST"])
def new_page():  # noqa: ANN201
    """Create a page (optionally from a template, under a parent, with a given title)."""
    require("wiki.edit")
    space = g.space
    outline = load_outline(space)
    form = NewPageForm()
    form.parent_id.choices = parent_choices(outline)
    templates = outline.templates()
    chosen_template = None
    if request.method == "GET":
        form.title.data = (request.args.get("title") or "")[:200]
        form.parent_id.data = request.args.get("parent", type=int)
        template_id = request.args.get("template", type=int)
        if template_id and template_id in {t.id for t in templates}:
            chosen_template = db.session.get(WikiPage, template_id)
            form.body.data = chosen_template.body if chosen_template else ""
    status = 200
    if form.validate_on_submit():
        try:
            page = services.create_page(
                space,
                current_user,
                title=form.title.data,
                body=form.body.data,
                summary=form.summary.data,
                parent_id=form.parent_id.data,
                is_template=form.is_template.data,
            )
        except services.WikiError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(gettext("Page created."), "success")
            return redirect(url_for("wiki.view_page", slug=page.slug))
    elif request.method == "POST":
        status = 422
    return render_template(
        "wiki/new.html", form=form, templates=templates, chosen_template=chosen_template
    ), status


@bp.route("/p/<slug>/edit", methods=["GET", "POST"])
def edit_page(slug: str):  # noqa: ANN201
    """Edit a page. Saving over a revision that changed meanwhile shows the merge view."""
    require("wiki.edit")
    page = load_page(slug)
    if isinstance(page, Response):
        return page if request.method == "GET" else gone(page, 409)
    space = g.space
    form = PageForm()
    if request.method == "GET":
        revision = page.current_revision
        form.title.data = revision.title if revision else page.title
        form.body.data = revision.body if revision else ""
        form.is_template.data = page.is_template
        form.base_revision_id.data = str(page.current_revision_id or "")
        return render_template("wiki/edit.html", page=page, form=form, conflict=None, coedit_doc=live_key(page))
    if not form.validate_on_submit():
        return render_template("wiki/edit.html", page=page, form=form, conflict=None), 422
    if request.form.get("coedit") == "1":
        return _save_live(page, form)
    # Live changes not cut yet become a revision first: this form's base is then stale
    # and the merge view below protects both texts.
    coedit.before_form_save(KIND, page.id, current_user)
    try:
        revision = services.save_page(
            page,
            space,
            current_user,
            title=form.title.data,
            body=form.body.data,
            summary=form.summary.data,
            base_revision_id=form.base_revision_id.data,
        )
    except services.EditConflict as exc:
        db.session.rollback()
        return _merge_view(page, form, exc), 409
    except services.WikiError as exc:
        db.session.rollback()
        _apply_errors(form, exc)
        return render_template("wiki/edit.html", page=page, form=form, conflict=None), 422
    template_changed = bool(form.is_template.data) != page.is_template
    page.is_template = bool(form.is_template.data)
    db.session.commit()
    if revision is not None:
        coedit.stored_text_changed(KIND, page.id, revision.body, str(revision.id))
    if revision is None and not template_changed:
        flash(gettext("No changes to save."), "info")
    else:
        flash(gettext("Page saved."), "success")
    return redirect(url_for("wiki.view_page", slug=page.slug))


def _save_live(page: WikiPage, form: PageForm) -> Response | tuple[str, int]:
    """The form posted from the live editor: the body is the shared text, cut into a
    revision by the co-editing service; a title change is saved as a normal revision."""
    space = g.space
    summary = services.clean_summary(form.summary.data)
    try:
        cut = coedit.cut_revision(KIND, page.id, current_user, summary)
        db.session.refresh(page)
        current = page.current_revision
        title_changed = current is not None and services.clean_title(form.title.data) != current.title
        renamed = None
        if title_changed:
            renamed = services.save_page(
                page, space, current_user,
                title=form.title.data, body=current.body, summary=summary,
                base_revision_id=current.id,
            )
    except services.WikiError as exc:
        db.session.rollback()
        _apply_errors(form, exc)
        return render_template("wiki/edit.html", page=page, form=form, conflict=None), 422
    template_changed = bool(form.is_template.data) != page.is_template
    page.is_template = bool(form.is_template.data)
    db.session.commit()
    if renamed is not None:
        coedit.stored_text_changed(KIND, page.id, renamed.body, str(renamed.id))
    if cut is None and not title_changed and not template_changed:
        flash(gettext("No changes to save."), "info")
    else:
        flash(gettext("Page saved."), "success")
    return redirect(url_for("wiki.view_page", slug=page.slug))


def _merge_view(page: WikiPage, form: PageForm, conflict: services.EditConflict) -> str:
    """The edit form again, with the other person's changes and the user's text kept."""
    base, current = conflict.base, conflict.current
    base_body = base.body if base else ""
    current_body = current.body if current else ""
    form.base_revision_id.data = str(current.id) if current else ""
    flash(conflict.message, "error")
    return render_template(
        "wiki/edit.html",
        page=page,
        form=form,
        conflict={
            "base": base,
            "current": current,
            "their_changes": word_diff(base_body, current_body),
            "their_title": word_diff(base.title if base else "", current.title if current else ""),
            "your_changes": word_diff(base_body, form.body.data or ""),
            "current_body": current_body,
        },
    )
