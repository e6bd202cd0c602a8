"""Alembic environment of Parvis (Flask-Migrate style, several branches).

``-x parvis_scope=<branch>`` limits autogenerate to the tables of one branch
(``core`` or a module id; ``core`` by default); ``-x parvis_url=<url>`` runs against
another database than the app's (used to autogenerate against a scratch database).
"""

from __future__ import annotations

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.operations import ops
from flask import current_app
from sqlalchemy import ForeignKeyConstraint, TypeDecorator, create_engine, pool

from parvis.extensions import db
from parvis.migrations import CORE, SCOPE_ARG, URL_ARG, owner_by_name, table_owners

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

x_args = context.get_x_argument(as_dictionary=True)
scope = x_args.get(SCOPE_ARG) or CORE
platform = current_app.extensions["parvis"]
owners = table_owners(platform)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Compare only the tables owned by the branch being generated."""
    if type_ != "table" or name is None:
        return True
    owner = owners.get(name) if name in owners else owner_by_name(name, platform)
    return owner == scope


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render the app's TypeDecorators as their plain SQLAlchemy type.

    Migrations must not import application code, which changes over time.
    """
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def process_revision_directives(ctx: Any, revision: Any, directives: list) -> None:
    """Write nothing when autogenerate finds no change; add cyclic foreign keys apart."""
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")
            return
        split_use_alter_foreign_keys(script)


def split_use_alter_foreign_keys(script: Any) -> None:
    """Create ``use_alter`` foreign keys after their tables, and drop them first.

    Foreign keys that close a cycle between tables (``ForeignKey(..., use_alter=True)``)
    cannot be created inside ``CREATE TABLE`` on PostgreSQL (``op.create_table`` silently
    leaves them out); they are added once every table exists, in batch mode so that
    SQLite (which cannot ``ALTER TABLE ADD CONSTRAINT``) rebuilds the table instead.
    """
    deferred = []
    for op_ in script.upgrade_ops.ops:
        if not isinstance(op_, ops.CreateTableOp):
            continue
        keep = []
        for item in op_.columns:
            if isinstance(item, ForeignKeyConstraint) and item.use_alter:
                deferred.append((op_.table_name, item))
            else:
                keep.append(item)
        op_.columns = keep
    if not deferred:
        return
    for table_name, fk in deferred:
        script.upgrade_ops.ops.append(
            ops.ModifyTableOps(table_name, [ops.CreateForeignKeyOp.from_constraint(fk)])
        )
        script.downgrade_ops.ops.insert(
            0, ops.ModifyTableOps(table_name, [ops.DropConstraintOp.from_constraint(fk)])
        )


def configure_args(**extra: Any) -> dict[str, Any]:
    args = dict(current_app.extensions["migrate"].configure_args)
    args.update(
        target_metadata=db.metadata,
        compare_type=True,
        render_as_batch=True,
        include_object=include_object,
        render_item=render_item,
    )
    args.setdefault("process_revision_directives", process_revision_directives)
    args.update(extra)
    return args


def database_url() -> str:
    return x_args.get(URL_ARG) or db.engine.url.render_as_string(hide_password=False)


def run_migrations_offline() -> None:
    """Emit SQL to the output instead of running it (``--sql``)."""
    context.configure(**configure_args(url=database_url(), literal_binds=True))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the app's engine, or a scratch one given by ``-x parvis_url``."""
    url = x_args.get(URL_ARG)
    engine = create_engine(url, poolclass=pool.NullPool) if url else db.engine
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **configure_args())
            with context.begin_transaction():
                context.run_migrations()
    finally:
        if url:
            engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
