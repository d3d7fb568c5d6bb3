"""The read side's database: one SQLAlchemy engine per store, and tracking.

Why our own tracking table: a projection's rows and its position in the
event log must commit in one transaction (D2), and both live in this engine's
database, on SQLite and PostgreSQL alike, whatever recorder wrote the events.

SQLite allows one writer at a time; a writer that starts with a plain BEGIN
can fail half-way when it later needs the write lock, so write transactions
here start with BEGIN IMMEDIATE (`write_engine`), and reads stay deferred.
The process's own writers queue for the lock in order (`write_gate`).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.engine import URL

from homecare._sql.common_tables import (
    UtcDateTime,
    fetches,
    lease,
    metadata,
    tracking,
    utc_column,
)
from homecare._sql.sqlite_file import (
    folder_problem,
    immutable_here,
    install_transactions,
    sqlite_dbname,
    sqlite_uri,
    use_wal,
)
from homecare._sql.write_gate import REENTRANT, WriteGate
from homecare.errors import InvalidInputError, ReentrantWriteError, StorageError

__all__ = [
    "Database",
    "UtcDateTime",
    "fetches",
    "lease",
    "metadata",
    "tracking",
    "utc_column",
]

STORE_CLOSED = "The store is closed: connect() again."
"""What every use of a closed store raises (StorageError, `Database.close`)."""
WriteCheck = Callable[[Connection | None], None]
"""What runs before a write (`Database.before_write`): the store's key (D8)."""


class Database:
    """Engines for one store; `write()` gives a transaction that holds the write lock.

    `must_exist`: a SQLite file is opened as it is (`mode=rw`), never created by a
    read: a missing file fails at the first connection; on a read-only mount it is
    read as immutable (`homecare._sql.sqlite_file`). `schema`: the PostgreSQL schema
    holding every homecare table (first on the search path), None for the server's
    default; lower case only (`check_schema_name`).
    """

    def __init__(
        self,
        url: URL,
        *,
        pool_size: int = 5,
        max_overflow: int = 10,
        lock_timeout: int = 30,
        connect_args: dict[str, Any] | None = None,
        schema: str | None = None,
        must_exist: bool = False,
    ) -> None:
        """`lock_timeout` in seconds (SQLite's busy timeout); `connect_args` are the
        driver's keywords, over those SQLAlchemy derives from `url` (D9)."""
        self.url = url
        self.schema = schema
        self.is_sqlite = url.get_backend_name() == "sqlite"
        self.connect_args: dict[str, Any] = dict(connect_args or {})
        if schema and not self.is_sqlite:
            check_schema_name(schema)
            options = f'{self.connect_args.get("options", "")} -csearch_path="{schema}"'
            self.connect_args["options"] = options.strip()
        kwargs: dict[str, Any] = {"connect_args": dict(self.connect_args)}
        engine_url = url
        self.must_exist = must_exist
        path = self.sqlite_path
        self.immutable = must_exist and path is not None and immutable_here(path)
        """A SQLite file read on a read-only mount: nothing can be written to it."""
        if self.is_sqlite:
            kwargs["connect_args"] |= {"timeout": lock_timeout, "check_same_thread": False}
            if must_exist:  # read-only and immutable on a read-only mount
                engine_url = sqlite_uri(url, "rw", immutable=self.immutable)
        else:
            kwargs |= {"pool_size": pool_size, "max_overflow": max_overflow, "pool_pre_ping": True}
        self.engine: Engine = create_engine(engine_url, **kwargs)
        self.write_gate: WriteGate | None = None  # SQLite: this process's writers' queue
        if self.is_sqlite:
            self.write_gate = WriteGate(lock_timeout)
            install_transactions(self.engine, self.write_gate, set_wal=not must_exist, path=path)
        self.write_engine: Engine = self.engine.execution_options(homecare_write=True)
        self.closed = False
        self.write_check: WriteCheck | None = None
        """Run by `before_write`: `connect()` sets the store key's check (D8)."""
        self._inside = threading.local()  # per thread: in a transaction only `conn` writes

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, absolute; None on PostgreSQL."""
        if not self.is_sqlite or not self.url.database:
            return None
        return Path(self.url.database).resolve()

    def recorder_options(self) -> dict[str, str]:
        """eventsourcing's settings that open the SQLite file as this engine does."""
        path = self.sqlite_path
        if path is None or not self.must_exist:
            return {}
        return {"SQLITE_DBNAME": sqlite_dbname(path, immutable=self.immutable)}

    def use_wal(self) -> None:
        """A homecare store's SQLite file in WAL mode, before anything else reads it
        (`sqlite_file.use_wal`); no-op on PostgreSQL and on a file read as immutable."""
        path = self.sqlite_path
        if path is not None and not self.immutable:
            use_wal(self.engine, path)

    def folder_problem(self) -> str | None:
        """Why the SQLite file cannot be opened in its folder (None: no such reason)."""
        path = self.sqlite_path
        return None if path is None else folder_problem(path)

    def lock(self, conn: Connection, name: str) -> None:
        """Serialise writers of one kind for the rest of this transaction.

        On SQLite BEGIN IMMEDIATE already holds the database's single write lock.
        """
        if not self.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})

    def position(self, conn: Connection, projection: str) -> int:
        return self.tracked(conn, projection)[0]

    def updated_at(self, projection: str) -> datetime | None:
        """When a page last moved the projection (None: never)."""
        with self.engine.connect() as conn:
            found: datetime | None = conn.execute(
                select(tracking.c.updated_at).where(tracking.c.projection == projection)
            ).scalar_one_or_none()
        return found

    def tracked(self, conn: Connection, projection: str) -> tuple[int, int | None]:
        """(position, version) of a projection; version None: nothing written yet."""
        found = conn.execute(
            select(tracking.c.position, tracking.c.version).where(
                tracking.c.projection == projection
            )
        ).one_or_none()
        if found is None:
            return 0, None
        position, version = int(found[0]), found[1]
        # Rows written before versions were recorded (release 0.1) are version 1.
        return position, (1 if version is None and position > 0 else version)

    def set_position(
        self, conn: Connection, projection: str, position: int, version: int | None = None
    ) -> None:
        values: dict[str, Any] = {"position": position}
        if version is not None:
            values["version"] = version
            values["updated_at"] = datetime.now(UTC)
        updated = conn.execute(
            tracking.update().where(tracking.c.projection == projection).values(**values)
        )
        if updated.rowcount == 0:
            conn.execute(tracking.insert().values(projection=projection, **values))

    def dispose(self) -> None:
        """Drop the pooled connections (the next use opens new ones; `close` does not)."""
        self.engine.dispose()

    def close(self) -> None:
        """Close the store for good: every connection asked of it from now on, by any
        part, fails with StorageError "The store is closed" (SQLAlchemy's engine would
        quietly open new ones after `dispose`). Idempotent."""
        if not self.closed:
            self.closed = True
            event.listen(self.engine, "do_connect", _refuse_closed)
        self.engine.dispose()

    def before_write(self, conn: Connection | None = None) -> None:
        """Call before writing anything: into `conn`'s transaction, or (None) in one of
        its own. ReentrantWriteError when a write of its own would wait for this thread's
        own transaction (`only_through`, or on SQLite any write transaction it holds);
        then `write_check` (CipherKeyError: the key is not the store's, D8)."""
        if conn is None:
            self.refuse_reentry()
        if self.write_check is not None:
            self.write_check(conn)

    def refuse_reentry(self) -> None:
        """ReentrantWriteError if this thread is inside a write transaction of this store
        (`only_through`; on SQLite, one holding the write lock): on SQLite a transaction
        of its own would wait for that one, which waits for it (the lock timeout, then
        a failure); PostgreSQL is refused the same (D7)."""
        gate = self.write_gate
        if getattr(self._inside, "depth", 0) or (gate is not None and gate.held_here()):
            raise ReentrantWriteError(REENTRANT)

    @contextmanager
    def only_through(self) -> Iterator[None]:
        """While inside: this thread writes to the store only through the transaction it
        is in (a fetch's `then`); `before_write()` without a connection refuses."""
        depth = getattr(self._inside, "depth", 0)
        self._inside.depth = depth + 1
        try:
            yield
        finally:
            self._inside.depth = depth


def _refuse_closed(*_args: Any) -> None:
    raise StorageError(STORE_CLOSED)


def is_read_only_error(error: BaseException) -> bool:
    """Whether a storage error says the store may be read but not written (file or role)."""
    text_ = str(getattr(error, "orig", None) or error).lower()
    return (
        "readonly database" in text_
        or "read-only" in text_
        or "permission denied" in text_
        or "insufficientprivilege" in type(getattr(error, "orig", error)).__name__.lower()
    )


def relax_durability(database: Database, *, cache_mb: int = 16) -> None:
    """A scratch SQLite store written without waiting for the disk (the audit's replay).

    Why: a replay into a throwaway file needs no crash safety, and syncing each page's
    commit is about a tenth of a rebuild's time. Every connection opened afterwards uses
    `synchronous=OFF` and a page cache of `cache_mb` MB (16: a 600k-event replay took
    the same CPU time with 64, and 50 MB more memory); a store that must outlive a
    crash checkpoints once at the end (`PRAGMA wal_checkpoint(FULL)`). No-op on PostgreSQL.
    """
    if not database.is_sqlite:
        return
    database.engine.dispose()  # connections opened before keep their settings: drop them

    @event.listens_for(database.engine, "connect")
    def _relaxed(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        cursor.close()


def check_schema_name(schema: str) -> None:
    """Refuse a PostgreSQL schema name with capital letters (InvalidInputError).

    Why: eventsourcing's recorder looks its composite type up as `schema.name` unquoted,
    which PostgreSQL folds to lower case, so a store in "Upper" could be created but never
    written; homecare itself quotes the name everywhere.
    """
    if schema != schema.lower():
        raise InvalidInputError(
            f"HOMECARE_DB_SCHEMA {schema!r} has capital letters, which the event store cannot "
            f"use: choose a lower-case name ({schema.lower()!r})."
        )


def lock_key(name: str) -> int:
    """A stable 63-bit advisory-lock key for a name."""
    return zlib.crc32(f"homecare:{name}".encode()) & 0x7FFFFFFF
