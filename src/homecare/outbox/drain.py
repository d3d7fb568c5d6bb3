"""The city's cursor fetch (R3, D3, D10): items after the cursor, and the receipt of the rest.

`fetch(after=C)` is the city's whole protocol. It returns released items at
positions after C in position order, and acknowledges everything at or
before C as delivered: the next request is the receipt of the last one. The
delivered mark only moves forward (a single row updated with max()); each
fetch that moves it also records when (`homecare_buffer_acknowledgements`),
which is every item's `delivered_at` (R14: on time for the payment run or not).
A fetch that serves items beyond the served mark raises it before they go out
(R16: a culling leaves the items up to it in place, `homecare.outbox.culled`).
A fetch stops before an item that still shows the number of a subject whose key
is destroyed (R16: the cull committed, the buffer not yet past its record;
`withheld`): the city gets it withdrawn or with the culled marker once it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from homecare._es.sealing import Sealer
from homecare._sql.database import Database
from homecare.domain.identity import holds_identity_number
from homecare.errors import CursorHistoryError, InvalidCursorError, InvalidLimitError
from homecare.outbox.cursor import Cursor, parse_cursor
from homecare.outbox.delivery import Received
from homecare.outbox.fetch_sql import FetchSQL
from homecare.outbox.messages import FetchResult, MessageFormat, fetch_document

__all__ = [
    "MAX_LIMIT",
    "FetchPage",
    "FetchSQL",
    "Fetched",
    "Served",
    "Then",
    "as_page",
    "as_result",
    "check_history",
    "check_limit",
    "fetch",
    "subjects_of",
    "withheld",
]

MAX_LIMIT = 500
_ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF"


def as_result(fetched: Fetched, codec: tuple[Sealer, MessageFormat]) -> FetchResult:
    """A fetch's rows as models: the stored payloads opened and parsed (for hosts)."""
    sealer, message_format = codec
    rows, cursor = fetched
    items = message_format.parse_many([sealer.open(r[1]) for r in rows])
    return FetchResult(items=items, cursor=cursor)


def as_page(fetched: Fetched, codec: tuple[Sealer, MessageFormat], sql: FetchSQL) -> FetchPage:
    """A fetch's rows as the bytes the city receives: no model round trip.

    The body equals `FetchResult`'s JSON (`messages.fetch_document`); sealed
    payloads are opened, not parsed. `subjects` are read from the rows (R17).
    """
    sealer, message_format = codec
    rows, cursor = fetched
    items = message_format.items_json([sealer.open(r[1]) for r in rows])
    return FetchPage(fetch_document(items, cursor), len(rows), cursor, subjects_of(sql, rows))


@dataclass(frozen=True)
class FetchPage:
    """One fetch as bytes: `body` is FetchResult's JSON (UTF-8), `count` its items;
    `subjects` each item's (customer, staff member of a visit report or None), in order."""

    body: bytes
    count: int
    cursor: str | None
    subjects: tuple[tuple[UUID, UUID | None], ...] = ()


Fetched = tuple[Sequence[Any], str | None]
"""A fetch's rows (position, payload, history, customer, staff, the served mark, whether
the customer's key is destroyed, whether the staff member's is) and the cursor to send
next."""


def withheld(rows: Sequence[Any], codec: tuple[Sealer, MessageFormat]) -> Sequence[Any]:
    """R16: the rows before the first that still shows the personnummer of a subject whose
    key is destroyed (culled, the buffer not yet past the culling record: a worker's page
    to come, or a projection that cannot go on). Only such rows are opened and parsed; a
    served item of a culled subject, overwritten with the marker, is served as it is."""
    sealer, message_format = codec
    for index, row in enumerate(rows):
        if not (row[6] or row[7]):
            continue
        (message,) = message_format.parse_many([sealer.open(row[1])])
        shown = [message.customer_personnummer] if row[6] else []
        if row[7]:
            shown.append(getattr(message, "staff_personnummer", ""))
        if any(holds_identity_number(number) for number in shown):
            return rows[:index]
    return rows


def fetch(
    database: Database,
    sql: FetchSQL,
    after: str | int | None,
    limit: int,
    received: Received,
    then: Then | None = None,
    codec: tuple[Sealer, MessageFormat] | None = None,
) -> Fetched:
    """Acknowledge everything up to the cursor `after`, then the next `limit` items after it.

    `received(last)` is when the acknowledgement arrived (UTC), given the last
    receipt's time (D11: `delivery.receipt_clock`), called only if this fetch
    moves the mark; what it raises fails the fetch, nothing acknowledged. Its rows
    are answered `as_result` or `as_page`. `codec`: the store's sealer and format,
    to stop before a culled subject's item (`withheld`).
    `then(conn, served)`: the caller's writes about this fetch (the HTTP fetch's
    record and R17 access-log entries), in the fetch's write transaction (before
    the marks, so PostgreSQL holds their row lock the shorter), committed with
    them as durably as the store commits (PostgreSQL waits for the WAL flush;
    SQLite's WAL survives the process, not a power cut): an error in it fails the
    fetch, nothing acknowledged (the city polls again from the same cursor). `then` writes
    through `conn` alone: homecare called in it for a write of its own (a command, a logged
    read, a fetch that writes, a catch-up) is ReentrantWriteError at once, on both stores
    (D7; SQLite's would wait for this transaction). A key not the store's: CipherKeyError.

    Reading takes no write lock: on SQLite only a fetch that writes (moves the
    delivered mark, raises the served mark, or has `then`) does, in one short
    BEGIN IMMEDIATE transaction after the read, on the same connection
    (PostgreSQL writes in the one transaction: a row lock).
    """
    cursor = parse_cursor(after)
    position = cursor.position
    with database.engine.connect() as conn:
        with conn.begin():
            moves = False
            if position:
                last, mark, tag = conn.exec_driver_sql(sql.bounds, (position,)).one()
                check_history(conn, sql, cursor, last or 0, mark or 0, tag)
                cursor = Cursor(position, tag)
                moves = mark is None or position > mark  # the mark only moves forward
            rows = conn.exec_driver_sql(sql.page, (position, limit)).all()
            if codec is not None:
                rows = withheld(rows, codec)  # R16: nothing of a culled subject
            fetched = (rows, _next(rows, None if after is None else cursor))
            writes = _Writes(position if moves else None, _served_beyond(rows), then)
            if writes.any:
                database.before_write()  # D8; and not from inside another fetch's `then`
            if not database.is_sqlite:
                with database.only_through():  # `then` writes through `conn` alone
                    writes.run(conn, sql, fetched, received)
                writes = _Writes(None, None, None)
        if writes.any:
            with conn.execution_options(homecare_write=True).begin(), database.only_through():
                writes.run(conn, sql, fetched, received)
    return fetched


def _next(rows: Sequence[Any], cursor: Cursor | None) -> str | None:
    """The cursor to send next: the last row's, else the one sent (None: none was)."""
    if rows:
        return str(Cursor(rows[-1][0], rows[-1][2]))
    return None if cursor is None else str(cursor)


@dataclass(frozen=True)
class Served:
    """What one fetch serves, for the caller's writes in its transaction (`Then`):
    `count` items, the `cursor` sent with them, each item's (customer, staff member
    of a visit report or None), in order (`FetchPage.subjects`)."""

    count: int
    cursor: str | None
    subjects: tuple[tuple[UUID, UUID | None], ...]


Then = Callable[[Connection, Served], None]
"""The caller's writes about a fetch, run in its write transaction (`fetch`'s `then`)."""


@dataclass(frozen=True)
class _Writes:
    """A fetch's writes: the caller's `then`, the served mark to `served` (R16), the
    delivered mark to `acknowledged`; None: that one has nothing to do."""

    acknowledged: int | None
    served: int | None
    then: Then | None

    @property
    def any(self) -> bool:
        return self.acknowledged is not None or self.served is not None or self.then is not None

    def run(self, conn: Connection, sql: FetchSQL, fetched: Fetched, received: Received) -> None:
        if self.then is not None:  # first: PostgreSQL's row lock of the marks held less
            rows, cursor = fetched
            self.then(conn, Served(len(rows), cursor, subjects_of(sql, rows)))
        durable = self.then is not None  # the caller's writes (R17) wait for the disk
        _record(conn, sql, self.acknowledged, self.served, received, durable=durable)


def subjects_of(sql: FetchSQL, rows: Sequence[Any]) -> tuple[tuple[UUID, UUID | None], ...]:
    """Each row's (customer, staff member or None), in order (R17: from the rows)."""
    return tuple((sql.uuid(r[3]), None if r[4] is None else sql.uuid(r[4])) for r in rows)


def _served_beyond(rows: Sequence[Any]) -> int | None:
    """The last served position if it is beyond the served mark (R16), else None."""
    if not rows:
        return None
    served, known = int(rows[-1][0]), rows[-1][5]  # the page's rows carry the mark
    return served if known is None or served > known else None


def _record(
    conn: Connection,
    sql: FetchSQL,
    acknowledged: int | None,
    served: int | None,
    received: Received,
    *,
    durable: bool = False,
) -> None:
    """Raise the served mark to `served` (R16), then acknowledge up to `acknowledged`;
    `durable`: the transaction waits for the disk even if it only acknowledges."""
    if served is not None:
        # before the items go out, and durably: a culling withdraws what is beyond it
        conn.exec_driver_sql(sql.serve, (served, served))
    if acknowledged is not None:
        _acknowledge(conn, sql, acknowledged, received, durable=durable or served is not None)


def _acknowledge(
    conn: Connection,
    sql: FetchSQL,
    position: int,
    received: Received,
    *,
    durable: bool = False,
) -> None:
    """Move the delivered mark up to `position` and, if it moved, record the receipt."""
    if not sql.sqlite and not durable:
        # The delivered mark is informational (the operator's R4 view): what
        # guarantees delivery is the city's cursor, which it keeps and sends
        # again. If a crash loses this commit the mark is a little behind and
        # the next fetch moves it; nothing is lost or delivered twice because
        # of it. So this transaction need not wait for the WAL flush.
        conn.exec_driver_sql(_ASYNC_COMMIT)
    if conn.exec_driver_sql(sql.acknowledge, (position, position)).rowcount:
        # this fetch delivered the items up to the cursor: when (D11: not before the last)
        last = conn.exec_driver_sql(sql.last_receipt).scalar()
        at = received(None if last is None else sql.read_instant(last))
        conn.exec_driver_sql(sql.receipt, (position, sql.instant(at)))


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
