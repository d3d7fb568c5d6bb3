"""Comparing a live table with its rebuild, row by row, as two sorted streams (D6, D8)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Connection, String, Table, select

from homecare._es.sealing import Sealer
from homecare._sql.database import Database
from homecare.audit._report import ColumnDifference, RowDifference

MAX_DIFFERENCES = 100


@dataclass
class Tally:
    """Rows compared and differences found; only the first MAX_DIFFERENCES are kept."""

    rows: int = 0
    total: int = 0
    kept: list[RowDifference] = field(default_factory=list)

    def add(self, difference: RowDifference) -> None:
        self.total += 1
        if len(self.kept) < MAX_DIFFERENCES:
            self.kept.append(difference)


def _stream(
    conn: Connection, table: Table, postgres: bool, sealed: frozenset[str], sealer: Sealer
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The table's rows sorted by primary key in the same order on SQLite and PostgreSQL,
    `sealed` columns opened."""
    keys = list(table.primary_key.columns)
    # Text keys sort bytewise ("C") on both stores: the two streams must agree on order.
    order = [k.collate("C") if postgres and isinstance(k.type, String) else k for k in keys]
    result = conn.execution_options(yield_per=1000).execute(select(table).order_by(*order))
    for mapping in result.mappings():
        row = {
            c: sealer.open_text(v) if c in sealed and v is not None else v
            for c, v in mapping.items()
        }
        yield tuple(row[k.name] for k in keys), row


def compare_table(
    live: tuple[Database, Sealer],
    scratch: tuple[Database, Sealer],
    table: Table,
    sealed: frozenset[str],
    tally: Tally,
) -> None:
    """Merge the live and the rebuilt table, both sorted by key, into the tally.

    Each side is a store and the sealer its rows were written with. `sealed` columns
    hold personal data sealed at rest (D8): opened with their side's sealer to
    compare, never shown in a difference.
    """
    names = [k.name for k in table.primary_key.columns]

    def found(
        problem: Literal["differs", "missing", "extra"],
        key: tuple[Any, ...],
        columns: list[ColumnDifference],
    ) -> None:
        tally.add(
            RowDifference(table=table.name, key=_key(names, key), problem=problem, columns=columns)
        )

    (live_db, live_sealer), (scratch_db, scratch_sealer) = live, scratch
    with live_db.engine.connect() as live_conn, scratch_db.engine.connect() as scratch_conn:
        ours = _stream(live_conn, table, not live_db.is_sqlite, sealed, live_sealer)
        theirs = _stream(scratch_conn, table, not scratch_db.is_sqlite, sealed, scratch_sealer)
        a, b = next(ours, None), next(theirs, None)
        while a is not None or b is not None:
            tally.rows += 1
            if b is None or (a is not None and a[0] < b[0]):
                assert a is not None
                found("extra", a[0], [])
                a = next(ours, None)
            elif a is None or b[0] < a[0]:
                found("missing", b[0], [])
                b = next(theirs, None)
            else:
                columns = [
                    ColumnDifference(
                        column=c, live=_shown(c, v, sealed), rebuilt=_shown(c, b[1].get(c), sealed)
                    )
                    for c, v in a[1].items()
                    if v != b[1].get(c)
                ]
                if columns:
                    found("differs", a[0], columns)
                a, b = next(ours, None), next(theirs, None)


def _key(names: list[str], values: tuple[Any, ...]) -> dict[str, str]:
    return {name: str(value) for name, value in zip(names, values, strict=True)}


def _shown(column: str, value: Any, sealed: frozenset[str]) -> str:
    """A value for the report; personal data is never shown (D8)."""
    if column in sealed:
        return "(personal data, withheld)"
    return repr(value) if isinstance(value, str) else str(value)
