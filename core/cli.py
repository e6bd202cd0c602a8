"""The ``parvis`` command: a Flask CLI group bound to :func:`parvis.app.create_app`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def _make_app() -> Flask:
    from .app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_make_app, add_version_option=False)
def main() -> None:
    """Parvis: collaborative community spaces."""


def register_commands(app: Flask) -> None:
    """Attach the core commands to ``app.cli`` (modules add theirs by hook)."""
