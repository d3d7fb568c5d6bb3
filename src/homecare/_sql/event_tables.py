"""The event store's tables as migration 0001 creates them, to compare a store against.

Why apart from `metadata`: eventsourcing's recorders read and write these tables, so
SQLAlchemy never maps them and Alembic's comparison of `metadata` never saw them; a store
whose event table was dropped passed `homecare db check` and failed every command after.
Described here (not in `metadata`, which the migrations' autogenerate owns), they are
compared by `homecare.schema` with the read models' tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    text,
)

from homecare._sql.drift_checks import SERIAL

__all__ = ["EVENT_TABLES", "EVENT_TYPE", "event_table", "has_event_type"]

EVENT_TABLES = ("stored_events", "homecare_events")
"""The event store's tables (SQLite, PostgreSQL); eventsourcing's recorders write them."""
EVENT_TYPE = "stored_event_uuid"
"""PostgreSQL: the composite type the recorder inserts events as."""


def event_table(dialect_name: str) -> Table:
    """The event table a store of `dialect_name` has (in a MetaData of its own)."""
    if dialect_name == "sqlite":
        return Table(
            "stored_events",
            MetaData(),
            # SQLite's primary key columns here allow NULL: 0001 wrote no NOT NULL.
            Column("originator_id", Text, primary_key=True, nullable=True),
            Column("originator_version", Integer, primary_key=True, nullable=True),
            Column("topic", Text),
            Column("state", LargeBinary),
        )
    return Table(
        "homecare_events",
        MetaData(),
        Column("originator_id", Uuid, primary_key=True),
        Column("originator_version", BigInteger, primary_key=True),
        Column("topic", Text),
        Column("state", LargeBinary),
        # bigserial: the recorder inserts no notification id (`drift_checks.SERIAL`).
        Column("notification_id", BigInteger, nullable=False, info={SERIAL: True}),
        Index("homecare_events_notification_id_idx", "notification_id", unique=True),
    )


def has_event_type(conn: Connection, schema: str | None) -> bool:
    """PostgreSQL: whether the recorder's composite type is in the store's schema."""
    found = conn.execute(
        text(
            "SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE t.typname = :name AND n.nspname = coalesce(:schema, current_schema())"
        ),
        {"name": EVENT_TYPE, "schema": schema},
    ).first()
    return found is not None
