"""The pause overview's actor names sealed at rest (issue 15, D8): wider columns.

With a cipher key the overview stores `created_by`, `changed_by` and
`reason_text` sealed with the store's cipher (base64 of nonce, text and tag),
longer than the 200 characters an actor name may have: the actor columns
become TEXT. The overview's version moves to 2, so the next catch-up rebuilds
it from the log in the sealed form.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TABLE = "homecare_pause_overview_pauses"
_COLUMNS = ("created_by", "changed_by")


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        for column in _COLUMNS:
            batch.alter_column(
                column,
                existing_type=sa.String(length=200),
                type_=sa.Text(),
                existing_nullable=False,
            )


def downgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        for column in _COLUMNS:
            batch.alter_column(
                column,
                existing_type=sa.Text(),
                type_=sa.String(length=200),
                existing_nullable=False,
            )
