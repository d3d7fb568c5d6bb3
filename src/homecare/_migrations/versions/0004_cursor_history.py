"""D10: each buffer position's cursor tag (`homecare_buffer_items.history`).

The tag chains every message_id up to the position (`homecare.outbox.cursor`),
so a cursor names the history it was given in and a restored backup is
recognised. Items released by earlier releases get their tags here, in
position order, exactly as a rebuild would compute them (D6).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_PAGE = 5000


def _tag(previous: str | None, message_id: object) -> str:
    """As `homecare.outbox.cursor.chain_tag` (a migration keeps its own copy)."""
    return hashlib.sha256(f"{previous or ''}:{message_id}".encode("ascii")).hexdigest()[:16]


def upgrade() -> None:
    with op.batch_alter_table("homecare_buffer_items") as batch:
        batch.add_column(sa.Column("history", sa.String(length=16), nullable=True))
    items = sa.table(
        "homecare_buffer_items",
        sa.column("seq", sa.BigInteger()),
        sa.column("message_id", sa.Uuid()),
        sa.column("position", sa.BigInteger()),
        sa.column("history", sa.String(16)),
    )
    conn = op.get_bind()
    previous: str | None = None
    after = 0
    while True:
        rows = conn.execute(
            sa.select(items.c.seq, items.c.message_id, items.c.position)
            .where(items.c.position > after)
            .order_by(items.c.position)
            .limit(_PAGE)
        ).all()
        if not rows:
            return
        updates = []
        for seq, message_id, position in rows:
            previous = _tag(previous, message_id)
            updates.append({"key": seq, "tag": previous})
            after = position
        conn.execute(
            items.update()
            .where(items.c.seq == sa.bindparam("key"))
            .values(history=sa.bindparam("tag")),
            updates,
        )


def downgrade() -> None:
    raise NotImplementedError("homecare's stores are never downgraded: restore a backup.")
