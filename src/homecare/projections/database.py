"""The read side's database: one SQLAlchemy engine per store, and tracking.

Why our own tracking table: a projection's rows and its position in the
event log must commit in one transaction (D2), and both live in this engine's
database, on SQLite and PostgreSQL alike, whatever recorder wrote the events.

SQLite allows one writer at a time; a writer that starts with a plain BEGIN
can fail half-way when it later needs the write lock, so write transactions
here start with BEGIN IMMEDIATE (`write_engine`), and reads stay deferred.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.engine import URL
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Database",
    "UtcDateTime",
    "metadata",
    "tracking",
]

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


tracking = Table(
    "homecare_tracking",
    metadata,
    Column("projection", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)


class Database:
    """Engines for one store; `write()` gives a transaction that holds the write lock."""

    def __init__(
        self,
        url: URL,
        *,
        pool_size: int = 5,
        max_overflow: int = 10,
        lock_timeout: int = 30,
        connect_args: dict[str, Any] | None = None,
    ) -> None:
        """`lock_timeout` in seconds (SQLite's busy timeout); `connect_args` are the
        driver's keywords, over those SQLAlchemy derives from `url` (D9)."""
        self.url = url
        self.is_sqlite = url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"connect_args": dict(connect_args or {})}
        if self.is_sqlite:
            kwargs["connect_args"] |= {"timeout": lock_timeout, "check_same_thread": False}
        else:
            kwargs |= {"pool_size": pool_size, "max_overflow": max_overflow, "pool_pre_ping": True}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _sqlite_transactions(self.engine, lock_timeout)
        self.write_engine: Engine = self.engine.execution_options(homecare_write=True)

    def create_tables(self, *also: Callable[[], None]) -> None:
        """Create every missing table, ours and `also`'s, one process at a time.

        Tables are created on first use. On PostgreSQL concurrent first connections
        would race in CREATE TABLE IF NOT EXISTS, so an advisory lock orders them.
        """
        if self.is_sqlite:
            for create in also:
                create()
            with self.write_engine.begin() as conn:
                metadata.create_all(conn)
            return
        with self.write_engine.begin() as conn:
            self.lock(conn, "schema")
            for create in also:
                create()
            metadata.create_all(conn)

    def lock(self, conn: Connection, name: str) -> None:
        """Serialise writers of one kind for the rest of this transaction.

        On SQLite BEGIN IMMEDIATE already holds the database's single write lock.
        """
        if not self.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})

    def position(self, conn: Connection, projection: str) -> int:
        found = conn.execute(
            select(tracking.c.position).where(tracking.c.projection == projection)
        ).scalar_one_or_none()
        return int(found or 0)

    def set_position(self, conn: Connection, projection: str, position: int) -> None:
        updated = conn.execute(
            tracking.update().where(tracking.c.projection == projection).values(position=position)
        )
        if updated.rowcount == 0:
            conn.execute(tracking.insert().values(projection=projection, position=position))

    def dispose(self) -> None:
        self.engine.dispose()


def lock_key(name: str) -> int:
    """A stable 63-bit advisory-lock key for a name."""
    return zlib.crc32(f"homecare:{name}".encode()) & 0x7FFFFFFF


def _sqlite_transactions(engine: Engine, lock_timeout: int) -> None:
    """Take over BEGIN from pysqlite so that writers can say IMMEDIATE (SQLAlchemy's recipe)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("homecare_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
