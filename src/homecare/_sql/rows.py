"""A page's working set of rows: loaded on first touch, written back in bulk.

Why: catch-up must handle tens of thousands of events a second, which one
SQL round trip per event cannot do. A page reads each row it needs once,
changes it in memory, and writes all new and changed rows with one
executemany per table at the end, inside the page's transaction (D2).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from sqlalchemy import Column, Connection, Table, bindparam, select

__all__ = ["Row", "RowCache"]

Row = dict[str, Any]
_CHUNK = 500


class RowCache:
    """Rows of one table keyed by a single-column primary key."""

    def __init__(self, conn: Connection, table: Table, key: str) -> None:
        self._conn = conn
        self._table = table
        self._key = key
        self._rows: dict[Hashable, Row | None] = {}
        self._new: dict[Hashable, Row] = {}
        self._dirty: dict[Hashable, Row] = {}

    @property
    def key_column(self) -> Column[Any]:
        return self._table.c[self._key]

    def get(self, key: Hashable) -> Row | None:
        if key not in self._rows:
            found = (
                self._conn.execute(select(self._table).where(self.key_column == key))
                .mappings()
                .first()
            )
            self._rows[key] = None if found is None else dict(found)
        return self._rows[key]

    def prefetch(self, keys: Iterable[Hashable]) -> list[Row]:
        """Load every key not held yet in a few IN queries; absent keys are remembered."""
        missing = sorted({k for k in keys if k is not None and k not in self._rows}, key=str)
        loaded: list[Row] = []
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            rows = self._conn.execute(select(self._table).where(self.key_column.in_(chunk)))
            loaded += self.merge(dict(r) for r in rows.mappings())
            for key in chunk:
                self._rows.setdefault(key, None)
        return loaded

    def merge(self, rows: Iterable[Row]) -> list[Row]:
        """Adopt rows loaded by a query; rows already held win (they may be newer)."""
        adopted = []
        for row in rows:
            key = row[self._key]
            held = self._rows.get(key)
            if held is None:
                held = self._rows[key] = dict(row)
            adopted.append(held)
        return adopted

    def held(self) -> list[Row]:
        """Every row this page holds (loaded or new), in no particular order."""
        return [row for row in self._rows.values() if row is not None]

    def known_absent(self, key: Hashable) -> None:
        """Record that no stored row has this key (it is created in this page)."""
        self._rows.setdefault(key, None)

    def add(self, row: Row) -> Row:
        key = row[self._key]
        self._rows[key] = row
        self._new[key] = row
        return row

    def changed(self, row: Row) -> None:
        key = row[self._key]
        if key not in self._new:
            self._dirty[key] = row

    def flush(self) -> None:
        if self._new:
            self._conn.execute(self._table.insert(), list(self._new.values()))
        if self._dirty:
            columns = [c.name for c in self._table.columns if c.name != self._key]
            statement = (
                self._table.update()
                .where(self.key_column == bindparam("_key"))
                .values({name: bindparam(f"v_{name}") for name in columns})
            )
            self._conn.execute(
                statement,
                [
                    {"_key": k, **{f"v_{n}": row[n] for n in columns}}
                    for k, row in self._dirty.items()
                ],
            )
        self._new.clear()
        self._dirty.clear()
