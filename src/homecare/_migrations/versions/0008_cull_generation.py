"""An index on the subject keys' `culled_at` (issue 15, R16).

Every process reads the number of culled subjects before it uses its cached
keys and decoded aggregates (`SubjectKeys.refresh`), so that a cull committed
by another process is seen at once; the index keeps that count to the culled
rows instead of the whole key table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TABLE = "homecare_subject_keys"
_INDEX = "ix_homecare_subject_keys_culled_at"


def upgrade() -> None:
    op.create_index(_INDEX, _TABLE, ["culled_at"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name=_TABLE)
