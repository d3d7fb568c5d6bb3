"""The served mark (issue 15, R16): the highest position the city has been served.

`homecare_buffer_delivery.served_position` is raised by every fetch that
serves items beyond it, before the items are returned. A culling records it
(`Culling.Recorded.fetched_up_to`), so the items the city holds (served, even
if not yet acknowledged) keep their place and are not withdrawn. A store
upgraded to this revision starts it at its delivered mark: what was served
before and not acknowledged is not known.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TABLE = "homecare_buffer_delivery"


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(
            sa.Column("served_position", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.execute(f"UPDATE {_TABLE} SET served_position = delivered_position")  # noqa: S608


def downgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column("served_position")
