"""Web pages of the FAQ module, mounted at ``/s/<space_slug>/faq/``.

The core guard has already found ``g.space``, checked that the module is on and that
the user may read the space. Each view then checks the FAQ permission it needs:
entries a user may not see answer 404, actions they may not do answer 403.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from parvis.extensions import db
from parvis.services.content_errors import ContentError
from parvis.services.safe_redirect import safe_next

from . import queries, workflow
from .forms import CategoryForm, DeclineForm, EntryForm, ProposeForm, category_choices
from .models import FaqEntry

bp = Blueprint(
    "faq",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# -- helpers ------------------------------------------------------------------------


def _space() -> Any:
    return g.space


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _visible_entry(entry_id: int) -> FaqEntry:
    entry = queries.get_entry(_space(), entry_id)
    if entry is None or not queries.may_see(entry, current_user, _space()):
        abort(404)
    return entry


def _managed_entry(entry_id: int) -> FaqEntry:
    entry = _visible_entry(entry_id)
    _require(queries.may_manage(current_user, _space()))
    return entry


def comment_counts(entry_ids: list[int]) -> dict[int, int]:
    """Comment count per entry through the core comments service (one query)."""
    if not entry_ids:
        return {}
    try:
        from parvis.services.comments import comment_counts as core_counts
    except ImportError:  # the comments service is not installed in this core
        return {}
    return dict(core_counts(workflow.CONTENT_TYPE, entry_ids))


def _form_error(form: Any, exc: ContentError) -> None:
    """Show a service error on the form field it names (or as a flash message)."""
    field = getattr(form, exc.field or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors) + [exc.message]
    else:
        flash(exc.message, "error")


def _back(default: str) -> Any:
    return redirect(safe_next(request.form.get("next")) or default)


# -- reading ------------------------------------------------------------------------


@bp.get("/")
def index():  # noqa: ANN201
    """The FAQ page: questions by category (or most helpful first), search, actions."""
    space = _space()
    settings = queries.settings(space)
    order = request.args.get("order")
    if order not in queries.ORDERS:
        order = settings.get("default_order", "category")
        order = order if order in queries.ORDERS else "category"
    cats = queries.categories(space)
    entries = queries.published_entries(space, order=order)
    ids = [e.id for e in entries]
    queries.prime_mentions([e.answer for e in entries])
    manage = queries.may_manage(current_user, space)
    counts = queries.status_counts(space, author_id=None if manage else current_user.id)
    return render_template(
        "faq/index.html",
        space=space,
        order=order,
        categories={c.id: c for c in cats},
        groups=queries.group_by_category(entries, cats) if order == "category" else None,
        entries=entries,
        votes=queries.user_votes(current_user, ids),
        comment_counts=comment_counts(ids),
        may_manage=manage,
        may_propose=queries.may_propose(current_user, space),
        may_vote=queries.may_vote(current_user, space),
        pending=counts.get("proposed", 0) + counts.get("answered", 0),
        mine=sum(counts.values()) if not manage else 0,
    )


def _search_context() -> dict[str, Any]:
    space = _space()
    query = (request.args.get("q") or "").strip()[:200]
    results = queries.search(space, query)
    queries.prime_mentions([e.answer for e in results])
    cats = {c.id: c for c in queries.categories(space)} if results else {}
    return {"space": space, "q": query, "results": results, "categories": cats}


@bp.get("/search")
def search():  # noqa: ANN201
    """Search the published entries (the page behind the search box without JS)."""
    return render_template("faq/search.html", **_search_context())


@bp.get("/search/live")
def search_live():  # noqa: ANN201
    """The search results alone, as an HTML fragment (search as you type)."""
    response = make_response(render_template("faq/_results.html", **_search_context()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/entries/<int:entry_id>")
def entry(entry_id: int):  # noqa: ANN201
    """The permalink page of one entry, with its comments and reactions."""
    item = _visible_entry(entry_id)
    space = _space()
    return render_template(
        "faq/entry.html",
        space=space,
        entry=item,
        votes=queries.user_votes(current_user, [item.id]),
        may_manage=queries.may_manage(current_user, space),
        may_vote=queries.may_vote(current_user, space),
    )


@bp.get("/mine")
def mine():  # noqa: ANN201
    """The questions the current user proposed, with their status."""
    space = _space()
    entries = queries.entries_with_status(
        space, ("proposed", "answered", "published", "declined"), author_id=current_user.id
    )
    return render_template(
        "faq/mine.html",
        space=space,
        entries=entries,
        may_propose=queries.may_propose(current_user, space),
    )


# -- proposing and voting -------------------------------------------------------------


@bp.route("/propose", methods=["GET", "POST"])
def propose():  # noqa: ANN201
    """A member asks a question for the moderators to answer."""
    space = _space()
    _require(queries.may_propose(current_user, space))
    form = ProposeForm()
    form.category_id.choices = category_choices(space, empty_label=gettext("I don't know"))
    if form.validate_on_submit():
        try:
            workflow.propose(
                space,
                current_user,
                question=form.question.data,
                details=form.details.data,
                category_id=form.category_id.data,
            )
        except ContentError as exc:
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(gettext("Thank you: your question was sent to the moderators."), "success")
            return redirect(url_for("faq.mine"))
    status = 422 if request.method == "POST" else 200
    return render_template("faq/propose.html", space=space, form=form), status


@bp.post("/entries/<int:entry_id>/vote")
def vote(entry_id: int):  # noqa: ANN201
    """Answer "was this helpful?" (yes or no; voting again changes the answer)."""
    item = _visible_entry(entry_id)
    _require(queries.may_vote(current_user, _space()))
    choice = request.form.get("helpful")
    if choice not in ("yes", "no"):
        abort(400)
    try:
        workflow.vote(item, current_user, choice == "yes")
    except ContentError as exc:
        flash(exc.message, "error")
        return redirect(workflow.entry_url(item))
    db.session.commit()
    flash(gettext("Thank you for your feedback."), "success")
    return _back(workflow.anchor_url(item))


# -- moderation ---------------------------------------------------------------------


@bp.get("/queue")
def queue():  # noqa: ANN201
    """Moderators: questions waiting for an answer or for publication, and declined ones."""
    space = _space()
    _require(queries.may_manage(current_user, space))
    entries = queries.entries_with_status(space, ("proposed", "answered", "declined"))
    return render_template(
        "faq/queue.html",
        space=space,
        proposed=[e for e in entries if e.status == "proposed"],
        answered=[e for e in entries if e.status == "answered"],
        declined=[e for e in entries if e.status == "declined"],
    )


def _entry_form(form: EntryForm) -> EntryForm:
    form.category_id.choices = category_choices(_space(), empty_label=gettext("No category"))
    return form


@bp.route("/entries/new", methods=["GET", "POST"])
def new_entry():  # noqa: ANN201
    """Moderators write a question and its answer directly."""
    space = _space()
    _require(queries.may_manage(current_user, space))
    form = _entry_form(EntryForm())
    if request.method == "GET":
        form.category_id.data = queries.valid_id(request.args.get("category"))
    if form.validate_on_submit():
        try:
            item = workflow.create_entry(
                space,
                current_user,
                question=form.question.data,
                answer=form.answer.data,
                category_id=form.category_id.data,
                publish=bool(form.publish.data),
            )
        except ContentError as exc:
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(gettext("The entry was saved."), "success")
            return redirect(workflow.entry_url(item))
    status = 422 if request.method == "POST" else 200
    return render_template("faq/edit.html", space=space, form=form, entry=None), status


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
def edit_entry(entry_id: int):  # noqa: ANN201
    """Moderators answer a proposed question or edit an entry."""
    item = _managed_entry(entry_id)
    space = _space()
    form = _entry_form(EntryForm(obj=item))
    if form.validate_on_submit():
        try:
            workflow.save_answer(
                space,
                item,
                current_user,
                question=form.question.data,
                answer=form.answer.data,
                category_id=form.category_id.data,
                publish=bool(form.publish.data),
            )
        except ContentError as exc:
            db.session.rollback()
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(gettext("The entry was saved."), "success")
            return redirect(workflow.entry_url(item))
    status = 422 if request.method == "POST" else 200
    return render_template("faq/edit.html", space=space, form=form, entry=item), status


@bp.post("/entries/<int:entry_id>/publish")
def publish(entry_id: int):  # noqa: ANN201
    """Moderators publish an answered entry."""
    item = _managed_entry(entry_id)
    try:
        workflow.publish_entry(_space(), item, current_user)
    except ContentError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("faq.edit_entry", entry_id=item.id))
    db.session.commit()
    flash(gettext("The entry is published."), "success")
    return redirect(workflow.entry_url(item))


@bp.post("/entries/<int:entry_id>/unpublish")
def unpublish(entry_id: int):  # noqa: ANN201
    """Moderators take a published entry out of the FAQ (kept as answered)."""
    item = _managed_entry(entry_id)
    workflow.unpublish_entry(_space(), item, current_user)
    db.session.commit()
    flash(gettext("The entry is no longer published."), "success")
    return redirect(workflow.entry_url(item))


@bp.route("/entries/<int:entry_id>/decline", methods=["GET", "POST"])
def decline(entry_id: int):  # noqa: ANN201
    """Moderators decline a question, giving the proposer a reason."""
    item = _managed_entry(entry_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            workflow.decline(_space(), item, current_user, reason=form.reason.data)
        except ContentError as exc:
            db.session.rollback()
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(gettext("The question was declined."), "success")
            return redirect(url_for("faq.queue"))
    status = 422 if request.method == "POST" else 200
    return render_template("faq/decline.html", space=_space(), form=form, entry=item), status


@bp.post("/entries/<int:entry_id>/delete")
def delete(entry_id: int):  # noqa: ANN201
    """Moderators delete an entry for good."""
    item = _managed_entry(entry_id)
    workflow.delete_entry(item)
    db.session.commit()
    flash(gettext("The entry was deleted."), "success")
    return redirect(url_for("faq.index"))


# -- categories ---------------------------------------------------------------------


def _category_or_404(category_id: int) -> Any:
    space = _space()
    _require(queries.may_manage(current_user, space))
    category = queries.get_category(space, category_id)
    if category is None:
        abort(404)
    return category


def _categories_page(form: CategoryForm | None = None, status: int = 200) -> Any:
    space = _space()
    cats = queries.categories(space)
    counts = dict(
        db.session.execute(
            db.select(FaqEntry.category_id, db.func.count())
            .filter(FaqEntry.space_id == space.id, FaqEntry.category_id.is_not(None))
            .group_by(FaqEntry.category_id)
        ).all()
    )
    return render_template(
        "faq/categories.html",
        space=space,
        categories=cats,
        counts=counts,
        form=form or CategoryForm(formdata=None),
    ), status


@bp.route("/categories", methods=["GET", "POST"])
def categories():  # noqa: ANN201
    """Moderators create, rename, reorder and delete the categories."""
    space = _space()
    _require(queries.may_manage(current_user, space))
    form = CategoryForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                workflow.create_category(space, name=form.name.data)
            except ContentError as exc:
                _form_error(form, exc)
            else:
                db.session.commit()
                flash(gettext("The category was created."), "success")
                return redirect(url_for("faq.categories"))
        return _categories_page(form, 422)
    return _categories_page()


@bp.post("/categories/<int:category_id>/rename")
def rename_category(category_id: int):  # noqa: ANN201
    category = _category_or_404(category_id)
    try:
        workflow.rename_category(category, name=request.form.get("name"))
    except ContentError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _categories_page(status=422)
    db.session.commit()
    flash(gettext("The category was renamed."), "success")
    return redirect(url_for("faq.categories"))


@bp.post("/categories/<int:category_id>/move")
def move_category(category_id: int):  # noqa: ANN201
    category = _category_or_404(category_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    workflow.move_category(_space(), category, direction)
    db.session.commit()
    return redirect(url_for("faq.categories", _anchor=f"category-{category.id}"))


@bp.post("/categories/<int:category_id>/delete")
def delete_category(category_id: int):  # noqa: ANN201
    category = _category_or_404(category_id)
    try:
        moved = workflow.delete_category(_space(), category, move_to=request.form.get("move_to"))
    except ContentError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _categories_page(status=422)
    db.session.commit()
    if moved:
        flash(gettext("The category was deleted and its %(n)s questions moved.", n=moved), "success")
    else:
        flash(gettext("The category was deleted."), "success")
    return redirect(url_for("faq.categories"))
