"""live co-editing: documents, update log, revision co-authors

Revision ID: core_0004_coedit
Revises: core_0003_search
Create Date: 2026-11-28 23:55:00

See docs/coedit.md. The update log's ids never repeat (AUTOINCREMENT on SQLite), so a
process catching up with ``id > last applied`` never misses a row after a compaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "core_0004_coedit"
down_revision = "core_0003_search"
branch_labels = None
depends_on = None

LOG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "coedit_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.Column("snapshot_upto", LOG_ID, nullable=False),
        sa.Column("log_count", sa.Integer(), nullable=False),
        sa.Column("log_bytes", sa.BigInteger(), nullable=False),
        sa.Column("revision_key", sa.String(length=64), nullable=True),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("cut_upto", LOG_ID, nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"], ["spaces.id"],
            name=op.f("fk_coedit_documents_space_id_spaces"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coedit_documents")),
        sa.UniqueConstraint("kind", "object_id", name=op.f("uq_coedit_documents_kind")),
    )
    with op.batch_alter_table("coedit_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coedit_documents_space_id"), ["space_id"], unique=False)
        batch_op.create_index("ix_coedit_documents_dirty_updated", ["dirty", "updated_at"], unique=False)
    op.create_table(
        "coedit_updates",
        sa.Column("id", LOG_ID, nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["doc_id"], ["coedit_documents.id"],
            name=op.f("fk_coedit_updates_doc_id_coedit_documents"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_coedit_updates_user_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coedit_updates")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("coedit_updates", schema=None) as batch_op:
        batch_op.create_index("ix_coedit_updates_doc_id_id", ["doc_id", "id"], unique=False)
    op.create_table(
        "coedit_coauthors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=False),
        sa.Column("revision_key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_coedit_coauthors_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coedit_coauthors")),
        sa.UniqueConstraint(
            "kind", "object_id", "revision_key", "user_id", name=op.f("uq_coedit_coauthors_kind")
        ),
    )
    with op.batch_alter_table("coedit_coauthors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coedit_coauthors_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("coedit_coauthors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coedit_coauthors_user_id"))
    op.drop_table("coedit_coauthors")
    with op.batch_alter_table("coedit_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_coedit_updates_doc_id_id")
    op.drop_table("coedit_updates")
    with op.batch_alter_table("coedit_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_coedit_documents_dirty_updated")
        batch_op.drop_index(batch_op.f("ix_coedit_documents_space_id"))
    op.drop_table("coedit_documents")
