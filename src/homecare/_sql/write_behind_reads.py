"""A write-behind connection's reads, run in this process where that is the same.

Why: at a city's scale each page reads tens of thousands of rows that earlier pages
wrote; through the child each row was fetched there, pickled, and unpickled here,
and the child, busy serving them, made the next page's writes wait. A read runs on
this process's own read-only connection instead where it cannot see a difference:

- it is a plain SELECT naming no table the open transaction has written (INSERT,
  UPDATE, DELETE, REPLACE, with or without RETURNING) and nothing that depends on
  the connection (`last_insert_rowid()`, `changes()`, temp tables, `sqlite_`
  tables, pragma functions);
- every transaction ended before it has been run by the child (the caller waits
  for that once per transaction, `WriteBehind.read_direct`);
- the connection has only ever been sent plain table writes, transaction control,
  SELECTs and pragma reads: anything else (DDL, a pragma set, ATTACH, WITH, a
  write to a table not recognised) turns direct reads off for its life, and so
  does a file that is not in WAL mode (a writer's lock would block the reader) or
  that has triggers or views (a write reaching a table it does not name).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from homecare._sql._write_behind_child import add_functions, is_rollback, keyword

__all__ = ["DirectReads"]

_TABLE = re.compile(
    r"^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)"
    r"\s+(?:\"(\w+)\"|(\w+))\s*[(\s]",
    re.I,
)
_TABLE_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})
_HARMLESS = frozenset({"BEGIN", "SAVEPOINT", "RELEASE", "SELECT"})
_CONNECTION_STATE = re.compile(
    r"\b(?:last_insert_rowid|changes|total_changes|temp|sqlite_\w+|pragma_\w+)\b", re.I
)
_NAMED_MAX = 1024


def _in_wal_mode(path: Path) -> bool:
    """Whether the SQLite file is in WAL mode: its header's read and write versions are 2
    (sqlite.org/fileformat.html, offsets 18 and 19)."""
    try:
        with path.open("rb") as file:
            header = file.read(20)
    except OSError:
        return False
    return header[18:20] == b"\x02\x02"


class DirectReads:
    """What the child's connection has been sent, and the read-only connection."""

    def __init__(self, path: Path, cache_mb: int) -> None:
        self._path = path
        self._cache_mb = cache_mb
        self._conn: sqlite3.Connection | None = None
        self._off = False
        """Direct reads are off for this connection's life (`sent`, `_connection`)."""
        self._written: set[str] = set()
        """Tables written in the open transaction (lower case)."""
        self._named: dict[str, str | None] = {}

    def sent(self, sql: str) -> None:
        """A statement sent to the child (queued or asked): note the table it writes or
        the end of its transaction; anything else but a read turns direct reads off."""
        word = keyword(sql)
        if word in ("COMMIT", "END") or is_rollback(sql):
            self.ended()
        elif word in _TABLE_WRITES:
            table = self._table(sql)
            if table is None:
                self._off = True
            else:
                self._written.add(table)
        elif word == "PRAGMA":
            self._off = self._off or "=" in sql or "(" in sql
        elif word not in _HARMLESS and word != "ROLLBACK":  # ROLLBACK TO keeps the writes
            self._off = True

    def ended(self) -> None:
        """The open transaction was committed or rolled back (or will be, in order)."""
        self._written = set()

    def may_read(self, sql: str) -> bool:
        """Whether `sql` reads the same here as in the child."""
        if self._off or keyword(sql) != "SELECT" or _CONNECTION_STATE.search(sql):
            return False
        lowered = sql.lower()
        return not any(re.search(rf"\b{table}\b", lowered) for table in self._written)

    def read(self, sql: str, params: Any) -> tuple[Any, list[Any]] | None:
        """The statement's description and rows read here; None: direct reads are off."""
        conn = self._connection()
        if conn is None:
            return None
        cursor = conn.execute(sql, params)
        return cursor.description, cursor.fetchall()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _table(self, sql: str) -> str | None:
        table = self._named.get(sql, "")
        if table == "":
            if len(self._named) >= _NAMED_MAX:
                self._named.clear()
            found = _TABLE.match(sql)
            table = self._named[sql] = (found[1] or found[2]).lower() if found else None
        return table

    def _connection(self) -> sqlite3.Connection | None:
        if self._conn is None and not self._off:
            if not _in_wal_mode(self._path):  # asked of the file's header: no lock taken
                self._off = True
                return None
            uri = f"file:{quote(str(self._path))}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            hidden = "SELECT count(*) FROM sqlite_master WHERE type IN ('trigger', 'view')"
            if conn.execute(hidden).fetchone()[0]:
                conn.close()
                self._off = True
                return None
            conn.execute(f"PRAGMA cache_size=-{int(self._cache_mb) * 1024}")
            add_functions(conn)
            self._conn = conn
        return self._conn
