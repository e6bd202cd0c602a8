"""Pages outside any space, mounted at ``/m/calendar/``: my agenda across spaces, my
personal subscription link, and the token-protected feeds (no session needed)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from parvis.extensions import db
from parvis.input_guards import valid_id
from parvis.models import Membership, Space

from . import feeds, grid, queries, reminders

feeds_bp = Blueprint("calendar_feeds", __name__, template_folder="templates", static_folder="static",
                     static_url_path="/static")


@feeds_bp.get("/agenda")
@login_required
def agenda():  # noqa: ANN201
    """Upcoming events of all my spaces, filter by space."""
    reminders.deliver_for_current_user(current_user)
    rows = db.session.execute(
        db.select(Space).join(Membership, Membership.space_id == Space.id)
        .where(Membership.user_id == current_user.id).order_by(Space.name)
    ).scalars().all()
    on = feeds._calendar_spaces([s.id for s in rows])
    spaces = [s for s in rows if s.id in on]
    wanted = valid_id(request.args.get("space")) if request.args.get("space") else None
    chosen = [s for s in spaces if wanted is None or s.id == wanted]
    if wanted is not None and not chosen:
        abort(404)
    today = queries.now().astimezone(queries.display_zone()).date()
    first = grid.parse_day(request.args.get("from"), today)
    last = first + timedelta(days=grid.AGENDA_DAYS - 1)
    start, end = grid.bounds(first, last)
    occs, truncated = queries.window([s.id for s in chosen], start, end)
    by_id = {s.id: s for s in spaces}
    answers = queries.my_rsvps(current_user, [(o.event.id, o.key) for o in occs])
    return render_template(
        "calendar/my_agenda.html", spaces=spaces, chosen=wanted, occurrences=occs, by_id=by_id,
        answers=answers, truncated=truncated, first=first, last=last,
        prev=first - timedelta(days=grid.AGENDA_DAYS), next=last + timedelta(days=1),
    )


@feeds_bp.route("/subscription", methods=["GET", "POST"])
@login_required
def subscription():  # noqa: ANN201
    """My secret link to the personal feed of all my spaces: create, replace or revoke it."""
    token = None
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            feeds.revoke(current_user, None)
            db.session.commit()
            flash(gettext("The link is revoked: calendar apps using it get nothing any more."), "success")
            return redirect(url_for("calendar_feeds.subscription"))
        token = feeds.issue(current_user, None)
        db.session.commit()
    existing = feeds.current(current_user, None)
    html = render_template(
        "calendar/subscribe.html", space=None, token_url=feeds.feed_url(token) if token else None,
        existing=existing, scope="personal")
    return html, 200, {"Cache-Control": "no-store"}


@feeds_bp.get("/feed/<token>.ics")
def feed(token: str):  # noqa: ANN201
    """The iCalendar feed behind a secret token (for calendar apps; no session needed)."""
    row = feeds.lookup(token)
    body = feeds.build_feed(row) if row is not None else None
    if body is None:
        db.session.rollback()
        abort(404)
    db.session.commit()
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
