"""Statements compiled once per dialect and run on the driver with plain values (issue 16).

Why: SQLAlchemy's per-row work (parameter dicts, bind processing through the
compiled statement, result rows and mappings) costs more than the driver's own
executemany for the buffer's bulk writes. Here each table's INSERT and UPDATE
by key is compiled once per dialect; each column's value goes through that
column type's own bind processor, so what is stored is exactly what SQLAlchemy
would store: a 32-hex UUID on SQLite and a native uuid on PostgreSQL, JSON text
as `json.dumps` writes it, instants as naive UTC, dates and booleans in each
store's form. The loads are `homecare._sql.lean_read`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Column, Connection, Date, Dialect, Table, Uuid, bindparam

from homecare._sql._write_behind_child import EVERY_ROW, check_every_row
from homecare._sql.database import UtcDateTime

__all__ = ["Statement", "bind_processor", "write_statement"]

Row = dict[str, Any]
_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class Statement:
    """A write compiled for one dialect: its SQL, its parameters in order (named after
    row fields), each parameter's bind processor (None: passed as is), and whether it
    must change one row per parameter set (`every_row`, an UPDATE by key)."""

    sql: str
    fields: tuple[str, ...]
    binds: tuple[str, ...]
    processors: tuple[_Processor, ...]
    positional: bool
    every_row: bool = False

    def parameters(self, rows: Iterable[Row]) -> list[Any]:
        """Driver parameters of `rows`: tuples (positional paramstyle) or dicts."""
        getter = itemgetter(*self.fields)
        fields = getter if len(self.fields) > 1 else lambda row: (getter(row),)
        values: list[Any] = list(map(fields, rows))
        if values and any(self.processors):  # column by column: one map per column
            columns: list[Any] = list(zip(*values, strict=True))
            for i, process in enumerate(self.processors):
                if process is not None:
                    columns[i] = map(process, columns[i])
            values = list(zip(*columns, strict=True))
        if self.positional:
            return values
        return [dict(zip(self.binds, v, strict=True)) for v in values]

    def run(self, conn: Connection, rows: Iterable[Row]) -> None:
        """One executemany of `rows` in `conn`'s transaction.

        Raises LookupError where `every_row` and a row was not found: at once on a
        plain connection; on a write-behind one (its count known later) the child
        checks, and the failure is raised by the next read or sync, before anything
        after it is committed (`_write_behind_child.check_every_row`)."""
        parameters = self.parameters(rows)
        count = conn.exec_driver_sql(self.sql, parameters).rowcount
        if self.every_row and type(count) is int:
            check_every_row(self.sql, len(parameters), count)


_WRITES: dict[tuple[str | tuple[str, ...] | bool | None, ...], Statement] = {}


def write_statement(
    table: Table,
    dialect: Dialect,
    *,
    update_by: str | None = None,
    columns: tuple[str, ...] | None = None,
    every_row: bool = False,
) -> Statement:
    """The table's INSERT of every column, or its UPDATE by the column `update_by` of
    `columns` (default every other column), for `dialect` (compiled on first use, then
    kept). `every_row`: the UPDATE raises LookupError where a key is not stored."""
    if every_row and update_by is None:
        raise ValueError("every_row: an UPDATE by key only")
    cache_key = (table.name, update_by or "", columns, dialect.name, dialect.driver, every_row)
    found = _WRITES.get(cache_key)
    if found is not None:
        return found
    names = [c.name for c in table.columns]
    if update_by is None:
        compiled = table.insert().compile(dialect=dialect, column_keys=names)
        to_field = {name: name for name in names}
    else:
        if columns is not None and not set(columns) <= set(names) - {update_by}:
            raise ValueError(f"{table.name}: cannot update {columns} by {update_by}")
        others = [n for n in names if n != update_by and (columns is None or n in columns)]
        statement = (
            table.update()
            .where(table.c[update_by] == bindparam("_key"))
            .values({n: bindparam(f"v_{n}", type_=table.c[n].type) for n in others})
        )
        compiled = statement.compile(dialect=dialect)
        to_field = {"_key": update_by, **{f"v_{n}": n for n in others}}
    binds = tuple(compiled.positiontup or compiled.binds)
    fields = tuple(to_field[b] for b in binds)
    processors = tuple(bind_processor(table.c[f], dialect) for f in fields)
    sql = compiled.string + EVERY_ROW if every_row else compiled.string
    found = _WRITES[cache_key] = Statement(
        sql, fields, binds, processors, compiled.positional, every_row
    )
    return found


def bind_processor(column: Column[Any], dialect: Dialect) -> _Processor:
    """What SQLAlchemy does to the column's value before the driver gets it (a JSON
    column's lists of strings, a few shapes repeated on every row, encoded once each;
    SQLite's instants and dates formatted in one call, `_fast_instant`, `_fast_date`;
    repeated UUIDs' text built once, `_fast_hex`)."""
    implementation = column.type.dialect_impl(dialect)
    process = implementation.bind_processor(dialect)
    if process is None:
        return None
    if isinstance(column.type, JSON):
        return _once_per_list(process)
    stored_as = getattr(getattr(implementation, "impl", implementation), "_storage_format", None)
    if isinstance(column.type, UtcDateTime) and stored_as == _SQLITE_INSTANT:
        return _fast_instant(process)
    if type(column.type) is Date and stored_as == _SQLITE_DATE:
        return _fast_date(process)
    if (
        type(column.type) is Uuid
        and column.type.as_uuid
        and not dialect.supports_native_uuid
        and not (column.primary_key or column.unique)  # repeated ids only: the others
    ):  # would only fill the memo
        return _fast_hex(process)
    return process


_HEXES: dict[int, str] = {}
_HEXES_KEPT = 32_768
"""A UUID's 32 hex digits by its integer, for every UUID column at once (about 4 MB at
most; full, it is emptied): a customer's and staff member's ids are written with each
of their visits and items."""


def _fast_hex(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLite's `Uuid` text (`UUID.hex`) of a `UUID`, each built once while kept; anything
    else through `process`, which accepts and refuses the same."""

    def fast(value: Any) -> Any:
        if type(value) is not UUID:
            return process(value)
        number = value.int
        text = _HEXES.get(number)
        if text is None:
            if len(_HEXES) >= _HEXES_KEPT:
                _HEXES.clear()
            text = _HEXES[number] = value.hex
        return text

    return fast


_SQLITE_INSTANT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)
_SQLITE_DATE = "%(year)04d-%(month)02d-%(day)02d"


def _fast_instant(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`UtcDateTime` on SQLite (naive UTC, then SQLAlchemy's text form, which is the
    ISO form with a space and microseconds) in two C calls for an aware `datetime`;
    anything else through `process`, which accepts and refuses the same."""

    def fast(value: Any) -> Any:
        if type(value) is not datetime or value.tzinfo is None:
            return process(value)
        if value.tzinfo is UTC:  # as decoded from the log: its text without "+00:00"
            return value.isoformat(" ", "microseconds")[:-6]
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    return fast


def _fast_date(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLite's `Date` text form (the ISO date) of a `date`; anything else (a datetime,
    None, a wrong type) through `process`."""

    def fast(value: Any) -> Any:
        return value.isoformat() if type(value) is date else process(value)

    return fast


_MEMO_SIZE = 1024
"""Distinct lists of strings kept encoded per JSON column; more empty the memo (flat memory)."""


def _once_per_list(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    memo: dict[tuple[str, ...], Any] = {}

    def encoded(value: Any) -> Any:
        if type(value) is not list:
            return process(value)
        try:
            key = tuple(value)
            found = memo.get(key)  # only lists of str are kept, so only such are found
        except TypeError:  # an unhashable element: not a list of str
            return process(value)
        if found is None:
            if not all(type(v) is str for v in value):
                return process(value)
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            found = memo[key] = process(value)
        return found

    return encoded
