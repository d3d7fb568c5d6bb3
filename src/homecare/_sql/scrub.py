"""Deleted bytes made unreachable on disk, for culling (R16).

Why: a database does not overwrite what it deletes. SQLite leaves deleted
cells in their pages and old pages in the write-ahead log unless told
otherwise; PostgreSQL keeps dead row versions in the table's file until it is
rewritten. A destroyed key must not be found by reading the raw files.

- `secure_delete(database, conn)`: on SQLite, `PRAGMA secure_delete=ON` for the
  connection (kept for its life in the pool): what it deletes or moves from
  then on is overwritten with zeros. Nothing on PostgreSQL.
- `mark(database, conn) -> int | None`: in the deleting transaction, its id on
  PostgreSQL (what `scrub` waits past); None on SQLite.
- `scrub(database, table, after=mark) -> bool`, after the deleting transaction
  committed: SQLite: `PRAGMA wal_checkpoint(TRUNCATE)`, the pages written back
  to the file and the WAL truncated to nothing (False when a reader held it:
  retried a few times, each waiting at most a second for readers, then left to the
  next call). PostgreSQL: waits (up to
  `wait` seconds) until no transaction older than `after` runs (in this
  database, or anywhere in the cluster, since a new snapshot's horizon, VACUUM's
  own included, is the cluster's oldest running transaction; VACUUM keeps row
  versions such a snapshot could see), then `VACUUM FULL table`, which writes
  the table anew and drops the file holding dead versions (needs the table's
  owner; its lock waited for at most 2 s, and not run at all while an older
  transaction remains). False, with a warning, when either could not be done: run
  it again.
- `scrub_tables(database, tables, after=mark) -> bool`: `scrub` for several
  tables at once (a cull: the key table and every projected table), waiting
  once, not once per table, and warning once.
  Not reached by either: the server's own write-ahead log, its archives and
  backups (docs/privacy.md).
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from homecare._sql.database import Database

__all__ = ["WAIT", "mark", "scrub", "scrub_tables", "secure_delete"]

logger = logging.getLogger("homecare.privacy")

WAIT = 30.0
"""Seconds a PostgreSQL scrub waits for the transactions older than the cull to end."""
_TRIES = 5
_PAUSE = 0.05  # seconds between checkpoint tries
_BUSY_MS = 1000
"""SQLite: how long one checkpoint try waits for readers; writers wait behind it, so
short (not the store's busy timeout): five tries keep a held WAL from stalling the
city's fetch for more than a few seconds."""
_LOCK_TIMEOUT = "2s"
"""PostgreSQL: how long VACUUM FULL waits for its exclusive lock; every later query on
the table queues behind a waiting VACUUM FULL, so it gives up quickly instead."""
# Whether a transaction that could still see what `after` deleted may run: one of
# the cluster's still running (a new snapshot's xmin, which VACUUM's own snapshot
# would share), or one of this database's with an older snapshot or id.
_OLDER = text(
    "SELECT pg_snapshot_xmin(pg_current_snapshot()) <= CAST(:after AS xid8) OR EXISTS ("
    "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND ("
    "(backend_xmin IS NOT NULL AND age(backend_xmin) >= age(xid(CAST(:after AS xid8)))) OR "
    "(backend_xid IS NOT NULL AND age(backend_xid) >= age(xid(CAST(:after AS xid8))))))"
)


def secure_delete(database: Database, conn: Connection) -> None:
    if database.is_sqlite:
        conn.exec_driver_sql("PRAGMA secure_delete=ON")


def mark(database: Database, conn: Connection) -> int | None:
    if database.is_sqlite:
        return None
    return int(conn.execute(text("SELECT pg_current_xact_id()::text")).scalar_one())


def scrub(
    database: Database, table: str, after: int | None = None, wait: float | None = None
) -> bool:
    return scrub_tables(database, [table], after, wait)


def scrub_tables(
    database: Database, tables: list[str], after: int | None = None, wait: float | None = None
) -> bool:
    if database.is_sqlite:
        return _checkpoint(database)
    return _vacuum_full(database, tables, after, WAIT if wait is None else wait)


def _checkpoint(database: Database) -> bool:
    for attempt in range(_TRIES):
        with database.engine.connect() as conn:
            # Outside a transaction: the engine's BEGIN comes with the first statement
            # only through SQLAlchemy's autobegin, so use the driver connection directly.
            raw = conn.connection.dbapi_connection
            assert raw is not None
            (kept,) = raw.execute("PRAGMA busy_timeout").fetchone()
            raw.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            try:
                busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                raw.execute(f"PRAGMA busy_timeout={int(kept)}")
        if busy == 0:
            return True
        time.sleep(_PAUSE * (attempt + 1))
    logger.warning("the WAL could not be truncated: a reader held it")
    return False


def _vacuum_full(database: Database, tables: list[str], after: int | None, wait: float) -> bool:
    try:
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if after is not None and not _no_older_transaction(conn, after, wait):
                # VACUUM FULL could not drop what that transaction can still see, and
                # would queue every reader of the table behind its lock meanwhile
                logger.warning("a transaction older than the cull kept the deleted key")
                return False
            conn.execute(text(f"SET lock_timeout = '{_LOCK_TIMEOUT}'"))
            for table in tables:
                conn.execute(text(f'VACUUM FULL "{table}"'))
    except SQLAlchemyError as error:
        logger.warning(
            "VACUUM FULL could not run (a transaction holding a table, or not the "
            "tables' owner): %s",
            str(error.orig if hasattr(error, "orig") else error).splitlines()[0],
        )
        return False
    return True


def _no_older_transaction(conn: Connection, after: int, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while conn.execute(_OLDER, {"after": str(after)}).scalar_one():
        if time.monotonic() > deadline:
            return False
        time.sleep(_PAUSE)
    return True
