"""Deleted bytes made unreachable on disk, for culling (R16).

Why: a database does not overwrite what it deletes. SQLite leaves deleted
cells in their pages and old pages in the write-ahead log unless told
otherwise; PostgreSQL keeps dead row versions in the table's file until it is
rewritten. A destroyed key must not be found by reading the raw files.

- `secure_delete(database, conn)`: on SQLite, `PRAGMA secure_delete=ON` for the
  connection (kept for its life in the pool): what it deletes or moves from
  then on is overwritten with zeros. Nothing on PostgreSQL.
- `scrub(database, table) -> bool`, after the deleting transaction committed:
  SQLite: `PRAGMA wal_checkpoint(TRUNCATE)`, the pages written back to the file
  and the WAL truncated to nothing (False when a reader held it: retried a few
  times, then left to the next call). PostgreSQL: `VACUUM FULL table`, which
  writes the table anew and drops the file holding dead versions (needs the
  table's owner; False with a warning otherwise). Not reached by either: the
  server's own write-ahead log, its archives and backups (docs/privacy.md).
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from homecare._sql.database import Database

__all__ = ["scrub", "secure_delete"]

logger = logging.getLogger("homecare.privacy")

_TRIES = 5
_PAUSE = 0.05  # seconds between checkpoint tries


def secure_delete(database: Database, conn: Connection) -> None:
    if database.is_sqlite:
        conn.exec_driver_sql("PRAGMA secure_delete=ON")


def scrub(database: Database, table: str) -> bool:
    return _checkpoint(database) if database.is_sqlite else _vacuum_full(database, table)


def _checkpoint(database: Database) -> bool:
    for attempt in range(_TRIES):
        with database.engine.connect() as conn:
            # Outside a transaction: the engine's BEGIN comes with the first statement
            # only through SQLAlchemy's autobegin, so use the driver connection directly.
            raw = conn.connection.dbapi_connection
            assert raw is not None
            busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy == 0:
            return True
        time.sleep(_PAUSE * (attempt + 1))
    logger.warning("the WAL could not be truncated (a reader held it): run the cull again")
    return False


def _vacuum_full(database: Database, table: str) -> bool:
    try:
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'VACUUM FULL "{table}"'))
    except SQLAlchemyError as error:
        logger.warning("VACUUM FULL %s failed (%s): run it as the table's owner", table, error)
        return False
    return True
