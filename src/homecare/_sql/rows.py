"""A page's working set of rows: loaded on first touch, written back in bulk.

Why: catch-up must handle tens of thousands of events a second, which one
SQL round trip per event cannot do. A page reads each row it needs once,
changes it in memory, and writes all new and changed rows with one
executemany per table at the end, inside the page's transaction (D2).

The writes are lean (issue 16): each table's INSERT and UPDATE is compiled
once per dialect, each column's value goes through that column type's own
bind processor (so the stored values are exactly what SQLAlchemy would
store: a 32-hex UUID on SQLite, a native uuid on PostgreSQL, JSON as
`json.dumps` writes it), and the rows go to the driver as plain tuples (a
dict per row on PostgreSQL's named paramstyle) in one `exec_driver_sql`.
`RowCache(..., lean=False)` writes through SQLAlchemy's statements instead: the
old path, kept so tests can compare the two byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Dialect, Table, bindparam, select

__all__ = ["Row", "RowCache", "insert_rows"]

Row = dict[str, Any]
_CHUNK = 500
_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Statement:
    """A statement compiled for one dialect: its SQL, its parameters in order (named
    after row fields), and each parameter's bind processor (None: passed as is)."""

    sql: str
    fields: tuple[str, ...]
    binds: tuple[str, ...]
    processors: tuple[_Processor, ...]
    positional: bool

    def parameters(self, rows: Iterable[Row]) -> list[Any]:
        """Driver parameters of `rows`: tuples (positional paramstyle) or dicts."""
        fields = self.fields
        processed = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        values: list[Any] = []
        for row in rows:
            value = [row[f] for f in fields]
            for i, process in processed:
                value[i] = process(value[i])
            values.append(tuple(value))
        if self.positional:
            return values
        return [dict(zip(self.binds, v, strict=True)) for v in values]


_COMPILED: dict[tuple[str, ...], _Statement] = {}


def _compiled(table: Table, key: str, dialect: Dialect, kind: str) -> _Statement:
    """The table's INSERT of every column, or UPDATE of every column by `key`, for `dialect`."""
    cache_key = (table.name, key, dialect.name, dialect.driver, kind)
    found = _COMPILED.get(cache_key)
    if found is not None:
        return found
    names = [c.name for c in table.columns]
    if kind == "insert":
        compiled = table.insert().compile(dialect=dialect, column_keys=names)
        to_field = {name: name for name in names}
    else:
        others = [n for n in names if n != key]
        statement = (
            table.update()
            .where(table.c[key] == bindparam("_key"))
            .values({n: bindparam(f"v_{n}", type_=table.c[n].type) for n in others})
        )
        compiled = statement.compile(dialect=dialect)
        to_field = {"_key": key, **{f"v_{n}": n for n in others}}
    binds = tuple(compiled.positiontup or compiled.binds)
    fields = tuple(to_field[b] for b in binds)
    processors = tuple(_processor(table.c[f], dialect) for f in fields)
    found = _COMPILED[cache_key] = _Statement(
        compiled.string, fields, binds, processors, compiled.positional
    )
    return found


def _processor(column: Column[Any], dialect: Dialect) -> _Processor:
    """What SQLAlchemy does to the column's value before the driver gets it."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def insert_rows(conn: Connection, table: Table, rows: list[Row], *, lean: bool = True) -> None:
    """Insert `rows` (every column of `table`) with one executemany: lean or SQLAlchemy's."""
    if not rows:
        return
    if not lean:
        conn.execute(table.insert(), rows)
        return
    statement = _compiled(table, "", conn.dialect, "insert")
    conn.exec_driver_sql(statement.sql, statement.parameters(rows))


class RowCache:
    """Rows of one table keyed by a single-column primary key."""

    def __init__(self, conn: Connection, table: Table, key: str, *, lean: bool = True) -> None:
        """`lean`: write with pre-compiled statements and plain tuples; False: through
        SQLAlchemy's statements (the old path, for the equivalence tests)."""
        self.lean = lean
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
        """Write the page's new rows (one INSERT executemany) and changed rows (one UPDATE)."""
        write = self._write_lean if self.lean else self._write_plain
        if self._new:
            write("insert", list(self._new.values()))
        if self._dirty:
            write("update", list(self._dirty.values()))
        self._new.clear()
        self._dirty.clear()

    def _write_lean(self, kind: str, rows: list[Row]) -> None:
        key = self._key if kind == "update" else ""
        statement = _compiled(self._table, key, self._conn.dialect, kind)
        self._conn.exec_driver_sql(statement.sql, statement.parameters(rows))

    def _write_plain(self, kind: str, rows: list[Row]) -> None:
        if kind == "insert":
            insert_rows(self._conn, self._table, rows, lean=False)
            return
        columns = [c.name for c in self._table.columns if c.name != self._key]
        statement = (
            self._table.update()
            .where(self.key_column == bindparam("_key"))
            .values({name: bindparam(f"v_{name}") for name in columns})
        )
        self._conn.execute(
            statement,
            [{"_key": row[self._key], **{f"v_{n}": row[n] for n in columns}} for row in rows],
        )
