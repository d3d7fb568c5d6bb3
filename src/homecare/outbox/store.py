"""Reading the buffer: the city's cursor fetch (R3, D3) and the operator's views (R2, R4, R5).

`fetch(after=C)` is the city's whole protocol. It returns released items at
positions after C in position order, and acknowledges everything at or
before C as delivered: the next request is the receipt of the last one. The
delivered mark only moves forward (a single row updated with max()); each
fetch that moves it also records when (`homecare_buffer_acknowledgements`),
which is every item's `delivered_at` (R14: on time for the payment run or not).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Dialect, func, or_, select

from homecare._es.sealing import Sealer
from homecare._sql.database import Database
from homecare.domain.common import parse_choice
from homecare.domain.month import Month
from homecare.errors import (
    CursorHistoryError,
    InvalidCursorError,
    InvalidInputError,
    InvalidLimitError,
    NotFoundError,
)
from homecare.outbox import tables as t
from homecare.outbox.cursor import Cursor, parse_cursor
from homecare.outbox.messages import FetchResult, MessageFormat
from homecare.outbox.projection import PENDING, RELEASED, SUPERSEDED
from homecare.outbox.validation import REASONS, Reason

__all__ = [
    "FIRST_BUFFER_MONTH",
    "MAX_LIMIT",
    "Buffer",
    "IntegrationStatus",
    "ItemStatus",
    "ItemView",
    "ProblemGroup",
    "receipt_times",
    "utc_now",
]

MAX_LIMIT = 500
FIRST_BUFFER_MONTH = Month(1900, 1)


class ItemStatus(StrEnum):
    QUEUED = "queued"
    HELD = "held"
    DELIVERED = "delivered"


class ItemView(BaseModel):
    """One buffer item as the operator sees it (never its personal data)."""

    model_config = ConfigDict(frozen=True)

    message_id: UUID
    kind: str
    customer: UUID
    business_date: date
    status: ItemStatus
    reasons: list[str]
    position: int | None
    assignment_id: UUID | None
    staff_id: UUID | None
    delivered_at: datetime | None = None
    """When the city's acknowledgement arrived (UTC); None until delivered, and for
    items delivered before delivery times were recorded."""


class ProblemGroup(BaseModel):
    """R5: held items that share a cause, with the fix (R6)."""

    model_config = ConfigDict(frozen=True)

    reason: str
    text: str
    hint: str
    items: list[ItemView]


class IntegrationStatus(StrEnum):
    """R2: where a visit stands in the reporting flow."""

    NOT_CONFIRMED = "not_confirmed"
    QUEUED = "queued"
    HELD = "held"
    DELIVERED = "delivered"


class AssignmentIntegration(BaseModel):
    model_config = ConfigDict(frozen=True)

    assignment_id: UUID
    customer: UUID
    status: IntegrationStatus
    reasons: list[str]
    message_id: UUID | None
    position: int | None
    delivered_at: datetime | None = None
    staff_id: UUID | None = None
    started_at: datetime | None = None  # performed start (planned, if declined); None before


def utc_now() -> datetime:
    """The wall clock, timezone-aware UTC: the default clock of the buffer's receipts."""
    return datetime.now(UTC)


class Buffer:
    def __init__(
        self,
        database: Database,
        sealer: Sealer,
        message_format: MessageFormat,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.database = database
        self.sealer = sealer
        self.format = message_format
        self.clock = clock
        self._fetch_statements: _FetchSQL | None = None

    # -- the city's side -------------------------------------------------

    def fetch(
        self, after: str | int | None = None, limit: int = 20, *, at: datetime | None = None
    ) -> FetchResult:
        """Up to `limit` items after the cursor `after`; acknowledges everything up to `after`.

        `at` (timezone-aware) is when the acknowledgement arrived, recorded as the
        `delivered_at` of the items it delivers; default the buffer's clock (now).
        """
        limit = _check_limit(limit)
        received = _aware(at) if at is not None else None
        cursor = parse_cursor(after)
        position = cursor.position
        sql = self._fetch_sql()
        # A fetch without a cursor writes nothing: on SQLite it needs no write lock.
        engine = self.database.write_engine if position else self.database.engine
        with engine.begin() as conn:
            if not self.database.is_sqlite:
                # The delivered mark is informational (the operator's R4 view): what
                # guarantees delivery is the city's cursor, which it keeps and sends
                # again. If a crash loses this commit the mark is a little behind and
                # the next fetch moves it; nothing is lost or delivered twice because
                # of it. So this transaction need not wait for the WAL flush.
                conn.exec_driver_sql(_ASYNC_COMMIT)
            if position:
                last, mark, tag = conn.exec_driver_sql(sql.bounds, (position,)).one()
                _check_history(conn, sql, cursor, last or 0, mark or 0, tag)
                cursor = Cursor(position, tag)
                if mark is None or position > mark:  # the mark only moves forward
                    moved = conn.exec_driver_sql(sql.acknowledge, (position, position)).rowcount
                    if moved:  # this fetch delivered the items up to the cursor: when
                        conn.execute(
                            _RECEIPT,
                            {
                                "up_to_position": position,
                                "acknowledged_at": received or self.clock(),
                            },
                        )
            payloads = conn.exec_driver_sql(sql.page, (position, limit)).all()
        items = self.format.parse_many([self.sealer.open(p) for _, p, _ in payloads])
        if payloads:
            next_cursor: str | None = str(Cursor(payloads[-1][0], payloads[-1][2]))
        else:
            next_cursor = None if after is None else str(cursor)
        return FetchResult(items=items, cursor=next_cursor)

    def check_readable(self) -> None:
        """Open the newest released item's payload: CipherKeyError if the key cannot (D8)."""
        with self.database.engine.connect() as conn:
            payload = conn.execute(
                select(t.items.c.payload)
                .where(t.items.c.position.is_not(None))
                .order_by(t.items.c.position.desc())
                .limit(1)
            ).scalar()
        if payload is not None:
            self.sealer.open(payload)

    def _fetch_sql(self) -> _FetchSQL:
        if self._fetch_statements is None:
            self._fetch_statements = _FetchSQL(self.database.engine.dialect)
        return self._fetch_statements

    # -- the operator's side --------------------------------------------

    def delivered_position(self, conn: Connection | None = None) -> int:
        query = select(t.delivery.c.delivered_position).where(t.delivery.c.id == 1)
        if conn is not None:
            return int(conn.execute(query).scalar() or 0)
        with self.database.engine.connect() as own:
            return int(own.execute(query).scalar() or 0)

    def delivered_at(self, position: int) -> datetime | None:
        """When the city acknowledged the item at `position` (UTC), or None if not yet."""
        a = t.acknowledgements
        with self.database.engine.connect() as conn:
            found = conn.execute(
                select(a.c.acknowledged_at)
                .where(a.c.up_to_position >= position)
                .order_by(a.c.up_to_position)
                .limit(1)
            ).scalar()
        return found

    def delivered_position_at(self, when: datetime, conn: Connection | None = None) -> int:
        """R14: the highest position the city had acknowledged at `when` (0 if none).

        Every item at or below it was delivered at or before `when`.
        """
        a = t.acknowledgements
        query = select(func.max(a.c.up_to_position)).where(a.c.acknowledged_at <= _aware(when))
        if conn is not None:
            return int(conn.execute(query).scalar() or 0)
        with self.database.engine.connect() as own:
            return int(own.execute(query).scalar() or 0)

    def month(self, year: int, month: int) -> list[ItemView]:
        """R4: the items of a month not yet delivered; empty once the city has everything.

        From 1900-01 (`FIRST_BUFFER_MONTH`) to 9999-12; others are InvalidInputError.
        """
        asked = Month(year, month)
        if asked < FIRST_BUFFER_MONTH:
            raise InvalidInputError(f"Not a month of the buffer: {asked} (they start at 1900-01).")
        first, last = asked.first_day, asked.last_day
        with self.database.engine.connect() as conn:
            mark = self.delivered_position(conn)
            rows = conn.execute(
                select(t.items)
                .where(
                    t.items.c.business_date >= first,
                    t.items.c.business_date <= last,
                    t.items.c.state != SUPERSEDED,
                    or_(t.items.c.position.is_(None), t.items.c.position > mark),
                )
                .order_by(t.items.c.business_date, t.items.c.seq)
            ).mappings()
            return [_view(r, mark) for r in rows]

    def problems(self) -> list[ProblemGroup]:
        """R5: held items grouped by reason, each group with its fix hint."""
        groups: dict[str, list[ItemView]] = defaultdict(list)
        with self.database.engine.connect() as conn:
            rows = conn.execute(
                select(t.items).where(t.items.c.state == PENDING).order_by(t.items.c.seq)
            ).mappings()
            for row in rows:
                view = _view(row, 0)
                for reason in view.reasons:
                    groups[reason].append(view)
        return [
            ProblemGroup(
                reason=reason,
                text=REASONS[Reason(reason)][0],
                hint=REASONS[Reason(reason)][1],
                items=groups[reason],
            )
            for reason in sorted(groups)
        ]

    def integration_status(self, assignment_id: UUID) -> AssignmentIntegration:
        """R2: not confirmed, queued, held (with reasons) or delivered."""
        found = self.integration_statuses(assignment_ids=[assignment_id])
        if not found:
            raise NotFoundError("assignment", assignment_id)
        return found[0]

    def integration_statuses(
        self,
        *,
        assignment_ids: list[UUID] | None = None,
        status: IntegrationStatus | str | None = None,
    ) -> list[AssignmentIntegration]:
        a, i = t.assignments, t.items
        query = select(
            a.c.assignment_id,
            a.c.customer_id,
            a.c.confirmed,
            a.c.staff_id,
            a.c.performed_start,
            i.c.message_id,
            i.c.state,
            i.c.position,
            i.c.reasons,
        ).select_from(a.outerjoin(i, i.c.seq == a.c.item_seq))
        if assignment_ids is not None:
            query = query.where(a.c.assignment_id.in_(assignment_ids))
        with self.database.engine.connect() as conn:
            mark = self.delivered_position(conn)
            result = [
                _integration(row, mark)
                for row in conn.execute(query.order_by(a.c.assignment_id)).mappings()
            ]
            receipts = receipt_times(
                conn, [r.position for r in result if r.status is IntegrationStatus.DELIVERED]
            )
        result = [
            r.model_copy(update={"delivered_at": receipts.get(r.position)})
            if r.position in receipts
            else r
            for r in result
        ]
        if status is not None:
            wanted = parse_choice(IntegrationStatus, status, "status")
            result = [r for r in result if r.status is wanted]
        return result

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Every buffer table's rows in key order: a rebuild must equal the live one (D6).

        Sealed columns are opened: with a cipher key the same text seals differently
        each time, so only the opened values can be compared.
        """
        sealed = {"personnummer", "payload"}
        dumped: dict[str, list[dict[str, Any]]] = {}
        with self.database.engine.connect() as conn:
            for table in (t.items, t.assignments, t.staff, t.customers, t.pauses, t.city_periods):
                keys = list(table.primary_key.columns)
                rows = conn.execute(select(table).order_by(*keys)).mappings()
                dumped[table.name] = [
                    {
                        k: self.sealer.open(v) if k in sealed and v is not None else v
                        for k, v in r.items()
                    }
                    for r in rows
                ]
        return dumped


_ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF"
_RECEIPT = t.acknowledgements.insert()


def receipt_times(conn: Connection, positions: list[int | None]) -> dict[int, datetime]:
    """Each delivered position's `delivered_at`: the receipt that moved the mark past it."""
    wanted = sorted({p for p in positions if p is not None})
    if not wanted:
        return {}
    a = t.acknowledgements
    rows = conn.execute(
        select(a.c.up_to_position, a.c.acknowledged_at)
        .where(a.c.up_to_position >= wanted[0])
        .order_by(a.c.up_to_position)
    ).all()
    bounds = [int(r[0]) for r in rows]
    found: dict[int, datetime] = {}
    for position in wanted:
        index = bisect_left(bounds, position)
        if index < len(rows):
            found[position] = rows[index][1]
    return found


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInputError("A time must be timezone-aware (Stockholm time or UTC).")
    return when.astimezone(UTC)


class _FetchSQL:
    """fetch's three statements as plain SQL for the store's driver.

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
            f"WHERE position > {mark} ORDER BY position LIMIT {mark}"
        )


def _check_history(
    conn: Connection, sql: _FetchSQL, cursor: Cursor, last: int, mark: int, tag: str | None
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


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidLimitError(
            f"limit must be a whole number from 1 to {MAX_LIMIT}, got {limit!r}."
        )
    return limit


def _view(row: Any, mark: int) -> ItemView:
    if row["state"] == RELEASED:
        status = ItemStatus.DELIVERED if row["position"] <= mark else ItemStatus.QUEUED
        reasons: list[str] = []
    else:
        status = ItemStatus.HELD
        reasons = list(row["reasons"]) or [Reason.WAITING_FOR_EARLIER_ITEM.value]
    return ItemView(
        message_id=row["message_id"],
        kind=row["kind"],
        customer=row["customer_id"],
        business_date=row["business_date"],
        status=status,
        reasons=reasons,
        position=row["position"],
        assignment_id=row["assignment_id"],
        staff_id=row["staff_id"],
    )


def _integration(row: Any, mark: int) -> AssignmentIntegration:
    reasons: list[str] = []
    if not row["confirmed"] or row["state"] is None or row["state"] == SUPERSEDED:
        status = IntegrationStatus.NOT_CONFIRMED
    elif row["state"] == PENDING:
        status = IntegrationStatus.HELD
        reasons = list(row["reasons"]) or [Reason.WAITING_FOR_EARLIER_ITEM.value]
    elif row["position"] <= mark:
        status = IntegrationStatus.DELIVERED
    else:
        status = IntegrationStatus.QUEUED
    return AssignmentIntegration(
        assignment_id=row["assignment_id"],
        customer=row["customer_id"],
        status=status,
        reasons=reasons,
        message_id=row["message_id"],
        position=row["position"],
        staff_id=row["staff_id"],
        started_at=row["performed_start"],
    )
