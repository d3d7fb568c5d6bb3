"""A page's working set of rows: loaded on first touch, written back in bulk.

Why: catch-up must handle tens of thousands of events a second, which one
SQL round trip per event cannot do. A page reads each row it needs once,
changes it in memory, and writes all new and changed rows with one
executemany per table at the end, inside the page's transaction (D2). A
change that needs nothing of a row not held sets its columns without reading
it (`RowCache.patch`).

The writes and the IN-loads are lean (issue 16, `homecare._sql.lean` and `lean_read`):
statements compiled once per dialect, each value through its column type's
own bind or result processor (so the stored values are exactly what
SQLAlchemy would store), plain tuples to the driver in one executemany.
`lean=False` goes through SQLAlchemy's statements instead: the old path,
kept so tests can compare the two byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Connection, Table, bindparam, func, select

from homecare._sql.lean import write_statement
from homecare._sql.lean_read import select_in

__all__ = ["Row", "RowCache", "insert_rows", "load_in"]

Row = dict[str, Any]
_CHUNK = 500


def insert_rows(conn: Connection, table: Table, rows: list[Row], *, lean: bool = True) -> None:
    """Insert `rows` (every column of `table`) with one executemany: lean or SQLAlchemy's."""
    if not rows:
        return
    if not lean:
        conn.execute(table.insert(), rows)
        return
    write_statement(table, conn.dialect).run(conn, rows)


def load_in(
    conn: Connection,
    table: Table,
    column: str,
    values: Sequence[Any],
    *,
    where: Row | None = None,
    order_by: str | None = None,
    first_of: str | None = None,
    lean: bool = True,
) -> list[Row]:
    """The rows whose `column` is one of `values` (and whose columns equal `where`);
    `first_of` (a unique column): of each value's rows only the one where it is least."""
    if lean:
        return select_in(
            conn, table, column, values, where=where, order_by=order_by, first_of=first_of
        )
    conditions = (
        table.c[column].in_(values),
        *(table.c[k] == v for k, v in (where or {}).items()),
    )
    query = select(table).where(*conditions)
    if first_of is not None:
        least = select(func.min(table.c[first_of])).where(*conditions).group_by(table.c[column])
        query = select(table).where(table.c[first_of].in_(least))
    if order_by is not None:
        query = query.order_by(table.c[order_by])
    return [dict(r) for r in conn.execute(query).mappings()]


def _slot(key: Hashable) -> Hashable:
    """A UUID key held by its integer: hashed and compared in C, where a UUID's
    `__hash__` and `__eq__` are Python calls on every lookup (issue 16)."""
    return key.int if type(key) is UUID else key


_ABSENT: Any = object()


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
        self._written: list[Hashable] = []
        """The keys the last flush wrote (`settle` looks at those only)."""
        self._patches: dict[Hashable, tuple[Hashable, Row]] = {}
        """Changes to rows not held (`patch`): slot -> (key, the columns' new values)."""

    def rebind(self, conn: Connection) -> None:
        """Read and write through `conn` from now on (the next page's transaction)."""
        self._conn = conn

    def settle(self, keep: Callable[[Row], bool] = lambda _row: True) -> None:
        """After a flush: forget the rows written in it that `keep` refuses (looked up
        again when next needed); rows only read stay as they were. Only for a working set
        carried across pages by the store's sole writer (`BufferProjection.carrying`)."""
        for slot in self._written:
            row = self._rows.get(slot)
            if row is not None and not keep(row):
                del self._rows[slot]
        self._written = []

    def clear(self) -> None:
        """Forget every row held (after a flush): each is looked up again when needed."""
        self.trim(0)

    def trim(self, limit: int) -> None:
        """Forget all but the first `limit` rows held, in the order they came into the
        cache (after a flush): each is looked up again when needed."""
        if self._new or self._dirty or self._patches:
            raise RuntimeError("RowCache.trim before flush would lose rows")
        if limit <= 0:
            self._rows.clear()
        elif len(self._rows) > limit:
            for slot in list(self._rows)[limit:]:
                del self._rows[slot]
        self._written = []

    def peek(self, key: Hashable) -> Row | None:
        """The row held for `key`, or None where none is held (nothing is read)."""
        return self._rows.get(_slot(key))

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def key_column(self) -> Column[Any]:
        return self._table.c[self._key]

    def get(self, key: Hashable) -> Row | None:
        slot = key.int if type(key) is UUID else key
        held: Row | None = self._rows.get(slot, _ABSENT)
        if held is _ABSENT:
            found = (
                self._conn.execute(select(self._table).where(self.key_column == key))
                .mappings()
                .first()
            )
            held = self._rows[slot] = None if found is None else dict(found)
            self._apply_patch(slot, held)
        return held

    def patch(self, key: Hashable, values: Row) -> None:
        """Set some columns of the stored row `key` without reading it, where it is not
        held: written at `flush` as one UPDATE of those columns (lean pages only; the
        old path reads the row). A row loaded later in the page gets the values first.

        Why: at a city's scale a visit's row is not held from the page that planned it
        to the page that reports it; reading it back only to set the report's columns
        was a read per performed visit (issue 16). The key must be stored: where it is
        not, the flush raises LookupError (at once, or with a write-behind connection
        at its next read or sync, before anything later is committed), as the old path
        raises it here."""
        slot = _slot(key)
        held = self._rows.get(slot)
        if held is None and slot not in self._rows and self.lean:
            earlier = self._patches.get(slot)
            self._patches[slot] = (key, values if earlier is None else {**earlier[1], **values})
            return
        row = self.get(key)
        if row is None:
            raise LookupError(f"{self._table.name}: no row {key}")
        row.update(values)
        self.changed(row)

    def _apply_patch(self, slot: Hashable, row: Row | None) -> None:
        patched = self._patches.pop(slot, None)
        if patched is not None and row is not None:
            row.update(patched[1])
            self.changed(row)

    def prefetch(self, keys: Iterable[Hashable]) -> list[Row]:
        """Load every key not held yet in a few IN queries; absent keys are remembered."""
        missing = sorted({k for k in keys if k is not None and _slot(k) not in self._rows}, key=str)
        loaded: list[Row] = []
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            loaded += self.merge(load_in(self._conn, self._table, self._key, chunk, lean=self.lean))
            for key in chunk:
                self._rows.setdefault(_slot(key), None)
        return loaded

    def merge(self, rows: Iterable[Row]) -> list[Row]:
        """Adopt rows loaded by a query; rows already held win (they may be newer)."""
        adopted = []
        for row in rows:
            slot = _slot(row[self._key])
            held = self._rows.get(slot)
            if held is None:
                held = self._rows[slot] = dict(row)
                self._apply_patch(slot, held)
            adopted.append(held)
        return adopted

    def held(self) -> list[Row]:
        """Every row this page holds (loaded or new), in no particular order."""
        return [row for row in self._rows.values() if row is not None]

    def known_absent(self, key: Hashable) -> None:
        """Record that no stored row has this key (it is created in this page)."""
        self._rows.setdefault(_slot(key), None)

    def add(self, row: Row) -> Row:
        slot = _slot(row[self._key])
        self._rows[slot] = row
        self._new[slot] = row
        return row

    def changed(self, row: Row) -> None:
        slot = _slot(row[self._key])
        if slot not in self._new:
            self._dirty[slot] = row

    def flush(self) -> None:
        """Write the page's new rows (one INSERT executemany) and changed rows (one UPDATE)."""
        write = self._write_lean if self.lean else self._write_plain
        if self._new:
            write("insert", list(self._new.values()))
        if self._dirty:
            write("update", list(self._dirty.values()))
        for columns, rows in _by_columns(self._key, self._patches.values()).items():
            write_statement(
                self._table,
                self._conn.dialect,
                update_by=self._key,
                columns=columns,
                every_row=True,
            ).run(self._conn, rows)
        self._written = [*self._new, *self._dirty]
        self._new.clear()
        self._dirty.clear()
        self._patches.clear()

    def _write_lean(self, kind: str, rows: list[Row]) -> None:
        update_by = self._key if kind == "update" else None
        write_statement(self._table, self._conn.dialect, update_by=update_by).run(self._conn, rows)

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


def _by_columns(
    key_column: str, patches: Iterable[tuple[Hashable, Row]]
) -> dict[tuple[str, ...], list[Row]]:
    """Patches grouped by the columns they set (one UPDATE each), each with its key."""
    grouped: dict[tuple[str, ...], list[Row]] = {}
    for key, values in patches:
        grouped.setdefault(tuple(sorted(values)), []).append({**values, key_column: key})
    return grouped
