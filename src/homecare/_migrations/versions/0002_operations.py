"""Running it in production: projection versions, the worker's lease, the city's fetches.

- `homecare_tracking.version`: the projection version that wrote the rows; a
  changed version makes the worker (or `db upgrade`) rebuild it from the log;
  `updated_at`: when a page last moved it (how long a lagging one stood still).
- `homecare_worker_lease`: who may write the projections, checked in each page.
- `homecare_fetches`: every fetch by the city (time, token name, cursor, count).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("homecare_tracking") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    op.create_table(
        "homecare_worker_lease",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("renewed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "homecare_fetches",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_position", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_homecare_fetches_fetched_at", "homecare_fetches", ["fetched_at"])


def downgrade() -> None:
    raise NotImplementedError("homecare's stores are never downgraded: restore a backup.")
