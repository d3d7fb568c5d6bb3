"""The tables every part of a store shares: tracking, the worker lease, the fetch log.

Why apart from `homecare._sql.database`: the engines and their rules are one job, the
tables' shapes another. `metadata` holds every homecare table (each module adds its
own to it); `UtcDateTime` is how an instant is stored in any of them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)
from sqlalchemy.types import TypeDecorator

__all__ = ["UtcDateTime", "fetches", "lease", "metadata", "tracking", "utc_column"]

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """An instant stored as naive UTC and read back timezone-aware.

    Why: SQLite has no time-zone type, so comparisons in SQL are only right if
    every instant is stored in one zone; PostgreSQL gets the same form.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs a timezone-aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utc_column(name: str, *, nullable: bool = False, **options: Any) -> Column[datetime]:
    """A column of instants (`UtcDateTime`: stored as UTC, read back timezone-aware)."""
    return Column(name, UtcDateTime, nullable=nullable, **options)


tracking = Table(
    "homecare_tracking",
    metadata,
    Column("projection", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    # The projection's `version` that wrote these rows; NULL: written before versions were kept (1).
    Column("version", Integer, nullable=True),
    # When a page last moved it (wall clock, UTC): how long a lagging projection has stood still.
    utc_column("updated_at", nullable=True),
)

lease = Table(
    "homecare_worker_lease",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("epoch", BigInteger, nullable=False),
    utc_column("renewed_at"),
)
"""Who may write the projections (`homecare worker`): checked inside each page's transaction."""

fetches = Table(
    "homecare_fetches",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    utc_column("fetched_at"),
    Column("token", String(64), nullable=False),
    Column("cursor", BigInteger, nullable=True),
    Column("count", Integer, nullable=False),
    Column("last_position", BigInteger, nullable=True),
    Index("ix_homecare_fetches_fetched_at", "fetched_at"),
)
"""Every fetch by the city (time, token name, cursor sent, items served): for watching it."""
