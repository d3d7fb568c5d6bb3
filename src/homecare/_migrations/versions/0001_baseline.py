"""The schema of release 0.1: the event store, the read models, the buffer, tracking.

Until 0.1 every `connect()` created these tables itself; a store of that time is
stamped at this revision by `homecare db upgrade` instead of being recreated.
The event store's tables are the ones eventsourcing 9.5's recorders create
(SQLite `stored_events`; PostgreSQL `homecare_events`, its composite type and
its notification-id index), written out here so that only migrations make them.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_delivery = sa.table(
    "homecare_buffer_delivery",
    sa.column("id", sa.Integer),
    sa.column("delivered_position", sa.BigInteger),
)


def _schema() -> str:
    schema = op.get_context().config.attributes.get("schema")  # type: ignore[union-attr]
    return f'"{schema}".' if schema else ""


def _event_store() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TABLE IF NOT EXISTS stored_events ("
            "originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        return
    schema = _schema()
    op.execute(
        f"CREATE TYPE {schema}stored_event_uuid AS (originator_id uuid, "
        "originator_version bigint, topic text, state bytea)"
    )
    op.execute(
        f"CREATE TABLE {schema}homecare_events ("
        "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
        "topic text, state bytea, notification_id bigserial, "
        "PRIMARY KEY (originator_id, originator_version)) WITH ("
        "autovacuum_enabled = true, autovacuum_vacuum_threshold = 100000000, "
        "autovacuum_vacuum_scale_factor = 0.5, autovacuum_analyze_threshold = 1000, "
        "autovacuum_analyze_scale_factor = 0.01)"
    )
    op.execute(
        "CREATE UNIQUE INDEX homecare_events_notification_id_idx "
        f"ON {schema}homecare_events (notification_id ASC)"
    )


def upgrade() -> None:
    _event_store()
    op.create_table(
        "homecare_buffer_assignments",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("performed_start", sa.DateTime(), nullable=True),
        sa.Column("performed_end", sa.DateTime(), nullable=True),
        sa.Column("activities", sa.JSON(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("item_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("assignment_id"),
    )
    op.create_table(
        "homecare_buffer_city_periods",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("period_id", sa.String(length=64), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("customer_id", "period_id"),
    )
    op.create_table(
        "homecare_buffer_customers",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("personnummer", sa.Text(), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_table(
        "homecare_buffer_delivery",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("delivered_position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "homecare_buffer_items",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=True),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("source_position", sa.BigInteger(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("message_id"),
        sa.UniqueConstraint("position"),
    )
    op.create_index(
        "ix_homecare_buffer_items_assignment",
        "homecare_buffer_items",
        ["assignment_id"],
        unique=False,
    )
    op.create_index(
        "ix_homecare_buffer_items_business_date",
        "homecare_buffer_items",
        ["business_date"],
        unique=False,
    )
    op.create_index(
        "ix_homecare_buffer_items_customer_state",
        "homecare_buffer_items",
        ["customer_id", "state", "seq"],
        unique=False,
    )
    op.create_index(
        "ix_homecare_buffer_items_staff_state",
        "homecare_buffer_items",
        ["staff_id", "state"],
        unique=False,
    )
    op.create_table(
        "homecare_buffer_pauses",
        sa.Column("pause_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("pause_id"),
    )
    op.create_index(
        "ix_homecare_buffer_pauses_customer_id",
        "homecare_buffer_pauses",
        ["customer_id"],
        unique=False,
    )
    op.create_table(
        "homecare_buffer_staff",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("personnummer", sa.Text(), nullable=True),
        sa.Column("sd_number", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("staff_id"),
    )
    op.create_table(
        "homecare_pause_overview_customers",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_table(
        "homecare_pause_overview_pauses",
        sa.Column("pause_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=True),
        sa.Column("notified_at", sa.DateTime(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("effective_start", sa.DateTime(), nullable=True),
        sa.Column("effective_end", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("pause_id"),
    )
    op.create_index(
        "ix_homecare_pause_overview_pauses_customer",
        "homecare_pause_overview_pauses",
        ["customer_id"],
        unique=False,
    )
    op.create_index(
        "ix_homecare_pause_overview_pauses_starts",
        "homecare_pause_overview_pauses",
        ["starts_at", "pause_id"],
        unique=False,
    )
    op.create_table(
        "homecare_tracking",
        sa.Column("projection", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("projection"),
    )
    op.bulk_insert(_delivery, [{"id": 1, "delivered_position": 0}])


def downgrade() -> None:
    raise NotImplementedError("homecare's stores are never downgraded: restore a backup.")
