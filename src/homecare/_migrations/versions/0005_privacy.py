"""Privacy by design (issue 15): per-subject data keys (R16) and the access log (R17).

- `homecare_subject_keys`: one data key per data subject (customer or staff),
  wrapped by the store's cipher key when one is set; NULL once culled, with
  `culled_at` kept (`homecare._sql.subject_keys`).
- `homecare_access_log`: who read whose personal data, when, what, why and
  through which channel; no personal data in it (`homecare.privacy.access_log`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "homecare_subject_keys",
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("data_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("culled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("subject_id"),
    )
    op.create_table(
        "homecare_access_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reader", sa.String(length=128), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_homecare_access_log_at", "homecare_access_log", ["at"])
    op.create_index("ix_homecare_access_log_subject", "homecare_access_log", ["subject_id"])


def downgrade() -> None:
    raise NotImplementedError("homecare's stores are never downgraded: restore a backup.")
