"""The lean IN-load: rows read as SQLAlchemy would read them, without its per-row work (issue 16).

Why: a replay at a city's scale cannot keep every row it will touch again, so it
reads back, page after page, visits, customers and pending items earlier pages
wrote: on SQLite that read was about 40 µs a row, three quarters of it building
the values in Python. Each column's value goes through that column type's own
result processor, or a faster builder of exactly the same value (`_fast_uuid`,
`_fast_json`): the tests compare each with SQLAlchemy's for any
stored text (tests/storage/test_lean_read.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, SafeUUID

import orjson
from sqlalchemy import JSON, Column, Connection, Dialect, Table, Uuid

from homecare._sql.lean import bind_processor

__all__ = ["select_in"]

Row = dict[str, Any]
_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Select:
    """An IN-select of one table for one dialect, without its IN list's marks."""

    head: str
    tail: str
    mark: str
    names: tuple[str, ...]
    key_bind: _Processor
    where_binds: tuple[_Processor, ...]
    results: tuple[_Processor, ...]
    where_first: bool = False
    """The `where` values come before the IN list's (`first_of`: inside each seek)."""

    def sql(self, count: int) -> str:
        return f"{self.head}{', '.join([self.mark] * count)}{self.tail}"


_SELECTS: dict[tuple[str, ...], _Select] = {}


def select_in(
    conn: Connection,
    table: Table,
    column: str,
    values: Sequence[Any],
    *,
    where: Row | None = None,
    order_by: str | None = None,
    first_of: str | None = None,
) -> list[Row]:
    """Rows of `table` whose `column` is one of `values` (and whose columns equal `where`),
    each as a dict of every column read back as SQLAlchemy would (result processors).
    `first_of` (a unique column): of each value's rows only the one where it is least,
    found by one index seek per value (an index on `column`, the `where` columns and
    `first_of` makes it one; a GROUP BY walked every row of each value: 146 ms against
    11 for 500 customers with 1,000 pending items each on SQLite, issue 16)."""
    where = where or {}
    if first_of is not None:  # one row per key, as the IN list gives (LATERAL would repeat)
        values = list(dict.fromkeys(values))
    plan = _select(table, column, tuple(where), order_by, first_of, conn.dialect)
    key_bind = plan.key_bind
    keys = [v if key_bind is None else key_bind(v) for v in values]
    conditions = [
        value if process is None else process(value)
        for process, value in zip(plan.where_binds, where.values(), strict=True)
    ]
    parameters = [*conditions, *keys] if plan.where_first else [*keys, *conditions]
    names, results = plan.names, plan.results
    rows = conn.exec_driver_sql(plan.sql(len(values)), tuple(parameters))
    return [
        dict(zip(names, [v if p is None else p(v) for p, v in zip(results, raw)], strict=True))  # noqa: B905 (as long: the select's own columns)
        for raw in rows
    ]


def _select(
    table: Table,
    column: str,
    where: tuple[str, ...],
    order_by: str | None,
    first_of: str | None,
    dialect: Dialect,
) -> _Select:
    options = (order_by or "", first_of or "", dialect.name, dialect.driver)
    key = (table.name, column, *where, "|", *options)
    found = _SELECTS.get(key)
    if found is None:
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        quote = dialect.identifier_preparer.quote
        names = tuple(c.name for c in table.columns)
        columns = ", ".join(map(quote, names))
        source = quote(table.name)
        conditions = "".join(f" AND {quote(name)} = {mark}" for name in where)
        order = "" if order_by is None else f" ORDER BY {quote(order_by)}"
        where_first = first_of is not None and dialect.name != "postgresql"
        if first_of is None:
            head = f"SELECT {columns} FROM {source} WHERE {quote(column)} IN ("  # noqa: S608
            tail = ")" + conditions + order
        else:  # one index seek per value, not a walk of each value's rows
            head, tail = _first_of(
                columns, source, quote(column), quote(first_of), conditions, lateral=not where_first
            )
            mark = f"({_cast(table.c[column], dialect).format(mark)})"
            tail += order if where_first else order.replace(" BY ", " BY k.")
        found = _SELECTS[key] = _Select(
            head,
            tail,
            mark,
            names,
            bind_processor(table.c[column], dialect),
            tuple(bind_processor(table.c[name], dialect) for name in where),
            tuple(_result_processor(c, dialect) for c in table.columns),
            where_first=where_first,
        )
    return found


def _first_of(
    columns: str, source: str, column: str, least: str, conditions: str, *, lateral: bool
) -> tuple[str, str]:
    """The SQL before and after the VALUES list of the keys (`k`), for `first_of`: one
    index seek per key. SQLite: each key's least `least` by a correlated min, then its
    row (the conditions' marks come before the keys'); PostgreSQL (`lateral`): each
    key's first row by LATERAL ... LIMIT 1, one index scan that also reads the row
    (measured at 500 keys: 12 ms against the GROUP BY's 16 for short queues, 44 for long)."""
    if lateral:
        head = "SELECT k.* FROM (VALUES "
        tail = (
            f") AS v CROSS JOIN LATERAL (SELECT {columns} FROM {source}"  # noqa: S608
            f" WHERE {column} = v.column1{conditions} ORDER BY {least} LIMIT 1) AS k"
        )
        return head, tail
    head = (
        f"SELECT {columns} FROM {source} WHERE {least} IN (SELECT (SELECT min({least})"  # noqa: S608
        f" FROM {source} WHERE {column} = k.column1{conditions}) FROM (VALUES "
    )
    return head, ") AS k)"


def _cast(column: Column[Any], dialect: Dialect) -> str:
    """A value mark in a VALUES list typed as `column` where the store needs it told
    (PostgreSQL: a UUID sent as text is of no type there); "{}" is the mark."""
    if dialect.name != "postgresql":
        return "{}"
    return "CAST({} AS " + dialect.type_compiler_instance.process(column.type) + ")"


def _result_processor(column: Column[Any], dialect: Dialect) -> _Processor:
    """What SQLAlchemy does to the column's value the driver returns: for a UUID kept as
    text and for JSON text (SQLite), the same values built faster (`_fast_uuid`,
    `_fast_json`); anything else through SQLAlchemy's own processor."""
    process = column.type.dialect_impl(dialect).result_processor(dialect, None)
    if process is None:
        return None
    kind = type(column.type)
    if kind is Uuid and column.type.as_uuid and not dialect.supports_native_uuid:  # type: ignore[attr-defined]
        return _fast_uuid(process)
    if issubclass(kind, JSON) and dialect.name == "sqlite":
        return _fast_json(process)
    return process


_new_object = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown
_UUIDS: dict[str, UUID] = {}
_UUIDS_KEPT = 32_768
"""UUIDs kept built by their text, for every UUID column at once (about 7 MB at most;
full, it is emptied): a visit's customer and staff member, read again with each of
the customer's visits and items, are built once and shared."""


def _fast_uuid(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`UUID(text)` for the 32 hex digits SQLAlchemy stores without `UUID.__init__`'s
    clean-up (a prefetch reads a million of them in a long replay), the same text built
    once (`_UUIDS`: a UUID cannot be changed, so one object serves every row); anything
    else through `process`, which accepts and rejects the same."""

    def fast(value: Any) -> Any:
        if type(value) is not str:
            return process(value)
        uuid = _UUIDS.get(value)
        if uuid is not None:
            return uuid
        if len(value) != 32 or not value.isascii():
            return process(value)
        try:
            number = int(value, 16)
        except ValueError:
            return process(value)
        if not value.isalnum():  # int() also takes "_" and signs: not a UUID's digits
            return process(value)
        uuid = _new_object(UUID)
        _set(uuid, "int", number)
        _set(uuid, "is_safe", _UNKNOWN)
        if len(_UUIDS) >= _UUIDS_KEPT:
            _UUIDS.clear()
        _UUIDS[value] = uuid
        return uuid

    return fast


_DIGIT_OR_NOT = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_NUMBER = b"0" * 19


def _long_digits(text: str) -> bool:
    """Whether `text` holds a run of 19 or more ASCII digits (the only digits a JSON
    number has): every byte mapped to "0" or " " in one C call, then one search; a
    regular expression took ten times as long, longer than the parse it guards."""
    return _LONG_NUMBER in text.encode("utf-8", "surrogatepass").translate(_DIGIT_OR_NOT)


def _fast_json(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """orjson for JSON text (the values `json.loads` gives for everything `json.dumps`
    writes); what orjson refuses (NaN, lone surrogates) or reads otherwise (a run of 19+
    digits: orjson may give a float for an integer beyond 64 bits) and anything not
    text through `process` (stdlib `json`)."""

    def fast(value: Any) -> Any:
        if type(value) is not str or _long_digits(value):
            return process(value)
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return process(value)

    return fast
