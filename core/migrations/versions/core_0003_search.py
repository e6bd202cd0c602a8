"""search entries (PostgreSQL full-text backend)

Revision ID: core_0003_search
Revises: core_0002_builder
Create Date: 2026-11-28 20:20:00

The table exists on every database (the schema is the same everywhere); only the
PostgreSQL backend fills it. On PostgreSQL the ``unaccent`` extension and the
``parvis_fr`` text search configuration are created when the role may do so; otherwise
the backend falls back to the ``simple`` configuration (see docs/search.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "core_0003_search"
down_revision = "core_0002_builder"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=96), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("tsv", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
        sa.UniqueConstraint("type", "object_id", name=op.f("uq_search_entries_type")),
    )
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_entries_space_id"), ["space_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_entries_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_search_entries_scope_date", ["scope", "date"], unique=False)
        batch_op.create_index("ix_search_entries_tsv", ["tsv"], unique=False, postgresql_using="gin")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from parvis.search.postgres_backend import SETUP_SQL

        try:
            with bind.begin_nested():
                bind.exec_driver_sql(SETUP_SQL)
        except sa.exc.DBAPIError:
            pass  # no privilege: the backend uses the 'simple' configuration


def downgrade() -> None:
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_search_entries_tsv", postgresql_using="gin")
        batch_op.drop_index("ix_search_entries_scope_date")
        batch_op.drop_index(batch_op.f("ix_search_entries_author_id"))
        batch_op.drop_index(batch_op.f("ix_search_entries_space_id"))
    op.drop_table("search_entries")
