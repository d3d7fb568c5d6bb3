"""The city's fetch's statements as plain SQL for the store's driver (`drain.fetch`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Dialect

from homecare._sql.key_table import subject_keys
from homecare.outbox import tables as t

__all__ = ["FetchSQL"]


class FetchSQL:
    """fetch's statements as plain SQL for the store's driver.

    Why: fetch is the city's hot path, run many times a second with tiny
    results, where building and compiling SQLAlchemy constructs cost more than
    the queries; the text is run on the driver directly, with positional
    parameters (`?` for sqlite3, `%s` for psycopg).
    """

    def __init__(self, dialect: Dialect) -> None:
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        items, delivery = t.items.name, t.delivery.name
        self.bounds = (
            f"SELECT (SELECT max(position) FROM {items}), "  # noqa: S608 (our table names)
            f"(SELECT delivered_position FROM {delivery} WHERE id = 1), "
            f"(SELECT history FROM {items} WHERE position = {mark})"
        )
        self.tag = f"SELECT history FROM {items} WHERE position = {mark}"  # noqa: S608
        self.acknowledge = (
            f"UPDATE {delivery} SET delivered_position = {mark} "  # noqa: S608
            f"WHERE id = 1 AND delivered_position < {mark}"
        )
        self.serve = (
            f"UPDATE {delivery} SET served_position = {mark} "  # noqa: S608
            f"WHERE id = 1 AND served_position < {mark}"
        )
        culled = (  # R16: the subject's key is destroyed (`drain.withheld`)
            f"EXISTS (SELECT 1 FROM {subject_keys.name} k "  # noqa: S608 (our names)
            "WHERE k.subject_id = i.{} AND k.culled_at IS NOT NULL)"
        )
        self.page = (
            "SELECT position, payload, history, customer_id, "  # noqa: S608 (our names)
            "CASE WHEN kind = 'visit_report' THEN staff_id END, "
            # the served mark (R16) with the rows: one round trip fewer per fetch
            f"(SELECT served_position FROM {delivery} WHERE id = 1), "
            f"{culled.format('customer_id')}, "
            f"CASE WHEN kind = 'visit_report' THEN {culled.format('staff_id')} END "
            f"FROM {items} i "
            f"WHERE position > {mark} AND state = 'released' ORDER BY position LIMIT {mark}"
        )  # R16: a withdrawn item keeps its position (cursors chain) but is never served
        receipts = t.acknowledgements
        self.receipt = (
            f"INSERT INTO {receipts.name} (up_to_position, acknowledged_at) "  # noqa: S608
            f"VALUES ({mark}, {mark})"
        )
        self.last_receipt = (  # D11: a receipt is never dated before this one
            f"SELECT acknowledged_at FROM {receipts.name} "  # noqa: S608
            "ORDER BY up_to_position DESC LIMIT 1"
        )
        self.sqlite = dialect.name == "sqlite"
        # The column type's own conversion (UTC, naive; on SQLite its text form), so the
        # receipt is stored exactly as an insert through SQLAlchemy would store it.
        convert = receipts.c.acknowledged_at.type.bind_processor(dialect)
        self.instant: Callable[[datetime], Any] = convert or (lambda value: value)
        stored = receipts.c.acknowledged_at.type.dialect_impl(dialect)  # SQLite: from text
        read = stored.result_processor(dialect, None)
        self.read_instant: Callable[[Any], Any] = read or (lambda value: value)
        as_uuid = t.items.c.customer_id.type.result_processor(dialect, None)
        self.uuid: Callable[[Any], Any] = as_uuid or (lambda value: value)
