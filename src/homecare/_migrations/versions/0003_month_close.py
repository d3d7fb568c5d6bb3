"""The month close (R14) and declined visits (R15).

- `homecare_buffer_acknowledgements`: each receipt of the city (the cursor it
  sent) and when it arrived: an item's `delivered_at` (R14's "arrived on time").
- `homecare_buffer_assignments.outcome`: performed or declined (R15); rows of
  earlier releases were all performed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "homecare_buffer_acknowledgements",
        sa.Column("up_to_position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("up_to_position"),
    )
    with op.batch_alter_table("homecare_buffer_assignments") as batch:
        batch.add_column(
            sa.Column("outcome", sa.String(length=16), nullable=False, server_default="performed")
        )


def downgrade() -> None:
    raise NotImplementedError("homecare's stores are never downgraded: restore a backup.")
