"""A write-behind connection's reads, run in this process where that is the same.

Why: at a city's scale each page reads tens of thousands of rows that earlier pages
wrote; through the child each row was fetched there, pickled, and unpickled here,
and the child, busy serving them, made the next page's writes wait. A read runs on
this process's own read-only connection instead when it cannot see a difference:

- it is a SELECT (or WITH) naming no table the open transaction has written to
  (INSERT, UPDATE, DELETE, REPLACE; a write whose table is not recognised sends
  every later read of the transaction to the child), so the open transaction's
  uncommitted rows are not what it reads;
- every transaction ended before it has been run by the child (the caller waits for
  that once per transaction, `WriteBehind.read_direct`), so it sees what the child
  committed, as the child would.
"""

from __future__ import annotations

import math
import re
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from homecare._sql._write_behind_child import keyword

__all__ = ["DirectReads"]

_TABLE = re.compile(
    r"^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)"
    r"\s+(?:\"(\w+)\"|(\w+))\s*[(\s]",
    re.I,
)
_TABLE_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})
_ENDS = frozenset({"COMMIT", "END", "ROLLBACK"})


def _regexp(pattern: str, value: str | None) -> bool | None:
    return None if value is None else re.search(pattern, value) is not None


class DirectReads:
    """The tables the open transaction wrote to, and the read-only connection."""

    def __init__(self, path: Path, cache_mb: int) -> None:
        self._path = path
        self._cache_mb = cache_mb
        self._conn: sqlite3.Connection | None = None
        self._written: set[str] | None = set()
        """Tables written in the open transaction (lower case); None: not known."""
        self._named: dict[str, str | None] = {}

    def sent(self, sql: str) -> None:
        """A statement queued for the child: note the table it writes, or the end of
        its transaction."""
        word = keyword(sql)
        if word in _ENDS:
            self.ended()
        elif word in _TABLE_WRITES and self._written is not None:
            table = self._named.get(sql, "")
            if table == "":
                found = _TABLE.match(sql)
                table = self._named[sql] = (found[1] or found[2]).lower() if found else None
            if table is None:
                self._written = None
            else:
                self._written.add(table)

    def ended(self) -> None:
        """The open transaction was committed or rolled back (or will be, in order)."""
        self._written = set()

    def may_read(self, sql: str) -> bool:
        """Whether `sql` reads the same here as in the child."""
        if self._written is None or keyword(sql) not in ("SELECT", "WITH"):
            return False
        lowered = sql.lower()
        return not any(re.search(rf"\b{table}\b", lowered) for table in self._written)

    def read(self, sql: str, params: Any) -> tuple[Any, list[Any]]:
        """The statement's description and rows, read here."""
        cursor = self._connection().execute(sql, params)
        return cursor.description, cursor.fetchall()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            uri = f"file:{quote(str(self._path.resolve()))}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA cache_size=-{int(self._cache_mb) * 1024}")
            conn.create_function("regexp", 2, _regexp, deterministic=True)
            conn.create_function("floor", 1, math.floor, deterministic=True)
            self._conn = conn
        return self._conn
