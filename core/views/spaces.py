"""Spaces: directory, requests, home, members, invitations, settings (to be completed)."""

from __future__ import annotations

from flask import Blueprint, g, render_template

bp = Blueprint("spaces", __name__)


@bp.get("/spaces")
def directory():  # noqa: ANN201
    return render_template("spaces/directory.html", spaces=[])


@bp.get("/spaces/request")
def request_space():  # noqa: ANN201
    return ""


@bp.get("/s/<space_slug>/")
def home():  # noqa: ANN201
    return render_template("spaces/home.html", space=g.space)


@bp.get("/s/<space_slug>/members")
def members():  # noqa: ANN201
    return ""


@bp.get("/s/<space_slug>/settings")
def settings():  # noqa: ANN201
    return ""
