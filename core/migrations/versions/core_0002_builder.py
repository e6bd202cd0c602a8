"""space builder: composed pages, composition versions, saved space templates

Revision ID: core_0002_builder
Revises: core_0001
Create Date: 2026-11-28 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "core_0002_builder"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "space_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("lock", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], name=op.f("fk_space_pages_space_id_spaces"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_pages")),
        sa.UniqueConstraint("space_id", "slug", name=op.f("uq_space_pages_space_id")),
    )
    with op.batch_alter_table("space_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_space_pages_space_id"), ["space_id"], unique=False)
    op.create_table(
        "composition_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("layout", sa.String(length=64), nullable=False),
        sa.Column("placements", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_composition_versions_author_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["page_id"], ["space_pages.id"],
                                name=op.f("fk_composition_versions_page_id_space_pages"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_composition_versions")),
    )
    with op.batch_alter_table("composition_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_composition_versions_page_id"), ["page_id"], unique=False)
    op.create_table(
        "space_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_space_templates_owner_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_templates")),
        sa.UniqueConstraint("key", name=op.f("uq_space_templates_key")),
    )
    with op.batch_alter_table("space_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_space_templates_owner_id"), ["owner_id"], unique=False)
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nav_pages", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("published_home", sa.JSON(), nullable=True))
    with op.batch_alter_table("space_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("space_requests", schema=None) as batch_op:
        batch_op.drop_column("template")
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.drop_column("published_home")
        batch_op.drop_column("nav_pages")
    with op.batch_alter_table("space_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_space_templates_owner_id"))
    op.drop_table("space_templates")
    with op.batch_alter_table("composition_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_composition_versions_page_id"))
    op.drop_table("composition_versions")
    with op.batch_alter_table("space_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_space_pages_space_id"))
    op.drop_table("space_pages")
