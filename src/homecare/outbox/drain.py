"""The city's cursor fetch (R3, D3, D10): items after the cursor, and the receipt of the rest.

`fetch(after=C)` is the city's whole protocol. It returns released items at
positions after C in position order, and acknowledges everything at or
before C as delivered: the next request is the receipt of the last one. The
delivered mark only moves forward (a single row updated with max()); each
fetch that moves it also records when (`homecare_buffer_acknowledgements`),
which is every item's `delivered_at` (R14: on time for the payment run or not).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, Dialect

from homecare._es.sealing import Sealer
from homecare._sql.database import Database
from homecare.errors import CursorHistoryError, InvalidCursorError, InvalidLimitError
from homecare.outbox import tables as t
from homecare.outbox.cursor import Cursor, parse_cursor
from homecare.outbox.messages import FetchResult, MessageFormat

__all__ = ["MAX_LIMIT", "FetchSQL", "check_history", "check_limit", "fetch"]

MAX_LIMIT = 500
_ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF"
_RECEIPT = t.acknowledgements.insert()


def fetch(
    database: Database,
    sql: FetchSQL,
    codec: tuple[Sealer, MessageFormat],
    after: str | int | None,
    limit: int,
    received: Callable[[], datetime],
) -> FetchResult:
    """Acknowledge everything up to the cursor `after`, then the next `limit` items after it.

    `codec` opens and parses the stored payloads; `received()` is when the
    acknowledgement arrived (UTC), called only if this fetch moves the mark.
    """
    cursor = parse_cursor(after)
    position = cursor.position
    # A fetch without a cursor writes nothing: on SQLite it needs no write lock.
    engine = database.write_engine if position else database.engine
    with engine.begin() as conn:
        if not database.is_sqlite:
            # The delivered mark is informational (the operator's R4 view): what
            # guarantees delivery is the city's cursor, which it keeps and sends
            # again. If a crash loses this commit the mark is a little behind and
            # the next fetch moves it; nothing is lost or delivered twice because
            # of it. So this transaction need not wait for the WAL flush.
            conn.exec_driver_sql(_ASYNC_COMMIT)
        if position:
            last, mark, tag = conn.exec_driver_sql(sql.bounds, (position,)).one()
            check_history(conn, sql, cursor, last or 0, mark or 0, tag)
            cursor = Cursor(position, tag)
            if mark is None or position > mark:  # the mark only moves forward
                moved = conn.exec_driver_sql(sql.acknowledge, (position, position)).rowcount
                if moved:  # this fetch delivered the items up to the cursor: when
                    conn.execute(
                        _RECEIPT, {"up_to_position": position, "acknowledged_at": received()}
                    )
        payloads = conn.exec_driver_sql(sql.page, (position, limit)).all()
    sealer, message_format = codec
    items = message_format.parse_many([sealer.open(p) for _, p, _ in payloads])
    if payloads:
        next_cursor: str | None = str(Cursor(payloads[-1][0], payloads[-1][2]))
    else:
        next_cursor = None if after is None else str(cursor)
    return FetchResult(items=items, cursor=next_cursor)


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
        self.page = (
            f"SELECT position, payload, history FROM {items} "  # noqa: S608
            f"WHERE position > {mark} AND state = 'released' ORDER BY position LIMIT {mark}"
        )  # R16: a withdrawn item keeps its position (cursors chain) but is never served


def check_history(
    conn: Connection, sql: FetchSQL, cursor: Cursor, last: int, mark: int, tag: str | None
) -> None:
    """D10: a cursor of another history (its tag differs from the one stored at its
    position, or its position is beyond the end) is refused with where to resume."""
    if cursor.tag is None:  # a plain number, from before cursors carried their history
        if cursor.position > last:
            raise InvalidCursorError(
                f"Unknown cursor {cursor.position}: the buffer has no position beyond {last}. "
                "Send the cursor of your last fetch."
            )
        return
    if cursor.position <= last and tag == cursor.tag:
        return
    # Everything up to the delivered mark was acknowledged by the city in the history
    # this store holds, so it is shared; beyond it nothing is known to be.
    resume: str | None = None
    if 0 < mark <= cursor.position:
        resume = str(Cursor(mark, conn.exec_driver_sql(sql.tag, (mark,)).scalar()))
    raise CursorHistoryError(
        f"Cursor {cursor} belongs to another history of the buffer (was the store restored "
        f"from a backup?): its items may differ from this store's. Resume "
        f"{'after ' + resume if resume else 'from the start (no cursor)'} and skip the "
        "message_ids you already have.",
        resume_after=resume,
    )


def check_limit(limit: int) -> int:
    """R3: `limit` must be a whole number from 1 to `MAX_LIMIT`; else InvalidLimitError."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidLimitError(
            f"limit must be a whole number from 1 to {MAX_LIMIT}, got {limit!r}."
        )
    return limit
