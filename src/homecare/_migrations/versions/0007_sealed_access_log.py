"""The access log's reader and purpose sealed at rest (issue 15, R17, D8).

With a cipher key the access log stores `reader` and `purpose` sealed with the
store's cipher (base64 of nonce, text and tag), longer than the 128 and 200
characters they may have: both become TEXT. `sealed` says whether a row was
written sealed; the rows written before this revision were not (false), and are
shown as they were stored. A migration does not hold the key, so it cannot seal
them: docs/privacy.md, "The access log".

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TABLE = "homecare_access_log"
_WIDTHS = {"reader": 128, "purpose": 200}


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        for column, width in _WIDTHS.items():
            batch.alter_column(
                column,
                existing_type=sa.String(length=width),
                type_=sa.Text(),
                existing_nullable=False,
            )
        batch.add_column(
            sa.Column("sealed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column("sealed")
        for column, width in _WIDTHS.items():
            batch.alter_column(
                column,
                existing_type=sa.Text(),
                type_=sa.String(length=width),
                existing_nullable=False,
            )
