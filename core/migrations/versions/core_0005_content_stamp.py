"""spaces.content_stamp: the widget cache's change marker

Revision ID: core_0005_content_stamp
Revises: core_0004_coedit
Create Date: 2026-11-29 03:20:00

See parvis.services.widget_cache. Existing spaces get a stamp each (a space without
one is simply rendered without the cache until its next write).
"""

from __future__ import annotations

from uuid import uuid4

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "core_0005_content_stamp"
down_revision = "core_0004_coedit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("spaces") as batch:
        batch.add_column(sa.Column("content_stamp", sa.String(length=32), nullable=True))
    spaces = sa.table("spaces", sa.column("id", sa.Integer), sa.column("content_stamp", sa.String))
    connection = op.get_bind()
    for (space_id,) in connection.execute(sa.select(spaces.c.id)).all():
        connection.execute(
            spaces.update().where(spaces.c.id == space_id).values(content_stamp=uuid4().hex)
        )


def downgrade() -> None:
    with op.batch_alter_table("spaces") as batch:
        batch.drop_column("content_stamp")
