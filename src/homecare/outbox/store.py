"""The buffer as a host reads it: the city's cursor fetch (R3, D3) and the operator's views.

`Buffer` is the one object per store (`hc.buffer`); each job is a module of
its own: the fetch (`drain`), the delivered mark and receipts (`delivery`),
the month view and the problems (`views`, R4, R5), the integration status
(`integration`, R2). The result types are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Connection, select

from homecare._es.error_map import boundary
from homecare._es.sealing import Sealer
from homecare._sql.database import Database
from homecare.domain.common import require_aware
from homecare.domain.fields import require_id
from homecare.domain.month import Month
from homecare.errors import NotFoundError
from homecare.outbox import delivery
from homecare.outbox import tables as t
from homecare.outbox.delivery import Received, receipt_clock, receipt_times, require_position
from homecare.outbox.drain import (
    MAX_LIMIT,
    FetchPage,
    FetchSQL,
    Served,
    Then,
    as_page,
    as_result,
    check_limit,
    fetch,
)
from homecare.outbox.integration import (
    AssignmentIntegration,
    IntegrationStatus,
    integration_statuses,
)
from homecare.outbox.item_status import ItemStatus
from homecare.outbox.messages import FetchResult, MessageFormat
from homecare.outbox.views import (
    FIRST_BUFFER_MONTH,
    ItemView,
    ProblemGroup,
    month_items,
    problem_groups,
)

__all__ = [
    "FIRST_BUFFER_MONTH",
    "MAX_LIMIT",
    "AssignmentIntegration",
    "Buffer",
    "FetchPage",
    "FetchResult",
    "IntegrationStatus",
    "ItemStatus",
    "ItemView",
    "ProblemGroup",
    "Served",
    "Then",
    "receipt_times",
    "utc_now",
]

_T = TypeVar("_T")


def utc_now() -> datetime:
    """The wall clock, timezone-aware UTC: the default clock of the buffer's receipts."""
    return datetime.now(UTC)


@boundary
class Buffer:
    """The integration buffer of one store: what the city fetches and what the operator sees."""

    def __init__(
        self,
        database: Database,
        sealer: Sealer,
        message_format: MessageFormat,
        *,
        clock: Callable[[], datetime] = utc_now,
        require_customer: Callable[[UUID], object] | None = None,
    ) -> None:
        """`require_customer(id)`: NotFoundError unless `id` names a customer, culled or not
        (the composition root's `homecare.privacy.resolve_subject`); every query filtering
        by a customer asks it first, so an unknown id is not answered "nothing"."""
        self.database = database
        self.require_customer = require_customer
        self.sealer = sealer
        self.format = message_format
        self.clock = clock
        self._fetch_statements: FetchSQL | None = None
        self._codec = (sealer, message_format)

    # -- the city's side -------------------------------------------------

    def fetch(
        self, after: str | int | None = None, limit: int = 20, *, at: datetime | None = None
    ) -> FetchResult:
        """Up to `limit` items after the cursor `after`; acknowledges everything up to `after`.

        `at` (timezone-aware, 1900-2199 Stockholm time, else InvalidInputError) is when
        the acknowledgement arrived, recorded as the `delivered_at` of the items it
        delivers; default the buffer's clock (now). Receipts only move forward (D11):
        an `at` before the last receipt is TimeWentBackwardsError, nothing acknowledged
        (a clock set back dates it at the last receipt's time; `delivery.receipt_clock`).
        `limit` 1-500 (InvalidLimitError); a malformed cursor is InvalidCursorError,
        one of another history CursorHistoryError (D10).
        """
        args = self._fetch_args(after, limit, at)
        return as_result(fetch(*args, codec=self._codec), self._codec)

    def fetch_page(
        self,
        after: str | int | None = None,
        limit: int = 20,
        *,
        at: datetime | None = None,
        then: Then | None = None,
    ) -> FetchPage:
        """`fetch` as the bytes the city receives (`FetchPage.body`, FetchResult's JSON),
        with its item count and cursor: the stored payloads, opened, never parsed.

        Same arguments, acknowledgement and errors as `fetch`. `then(conn, served)`:
        the host's writes about this fetch (`Served`: count, cursor, subjects), run
        in the fetch's one write transaction with the acknowledgement and committed
        durably with it; whatever it raises fails the fetch and nothing of it is kept
        (the HTTP fetch's record and R17 entries, `homecare.privacy.fetched.fetch_logged`).
        It writes through `conn` alone: calling homecare in it for a write of its own (a
        command, a logged read, a fetch that writes, `catch_up`) is ReentrantWriteError at
        once, on both stores (D7; on SQLite it would wait for this very transaction).
        """
        args = self._fetch_args(after, limit, at)
        return as_page(fetch(*args, then, codec=self._codec), self._codec, args[1])

    def fetch_json(
        self, after: str | int | None = None, limit: int = 20, *, at: datetime | None = None
    ) -> bytes:
        """`fetch`'s result as JSON bytes (UTF-8), equal to `fetch(...).model_dump_json()`."""
        return self.fetch_page(after, limit, at=at).body

    def _fetch_args(
        self, after: str | int | None, limit: int, at: datetime | None
    ) -> tuple[Database, FetchSQL, str | int | None, int, Received]:
        limit = check_limit(limit)
        received = receipt_clock(at, self.clock)  # `at` checked before anything is read
        if self._fetch_statements is None:
            self._fetch_statements = FetchSQL(self.database.engine.dialect)
        return (self.database, self._fetch_statements, after, limit, received)

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

    # -- the operator's side --------------------------------------------

    def delivered_position(self, conn: Connection | None = None) -> int:
        """The delivered mark (R4): the highest position the city acknowledged (0: none)."""
        return self._read(conn, delivery.delivered_position)

    def delivered_at(self, position: int) -> datetime | None:
        """When the city acknowledged the item at `position` (UTC), or None if not yet.
        `position` a whole number 0 to below 10**18, else InvalidInputError."""
        position = require_position(position, "position")
        return self._read(None, lambda conn: delivery.delivered_at(conn, position))

    def delivered_position_at(self, when: datetime, conn: Connection | None = None) -> int:
        """R14: the highest position the city had acknowledged at `when` (0 if none).

        Every item at or below it was delivered at or before `when`; a `when` that is
        not a timezone-aware datetime is InvalidInputError.
        """
        instant = require_aware(when, "when")
        return self._read(conn, lambda c: delivery.delivered_position_at(c, instant))

    def month(self, year: int, month: int) -> list[ItemView]:
        """R4: the items of a month not yet delivered; empty once the city has everything.

        From 1900-01 (`FIRST_BUFFER_MONTH`) to 9999-12; others are InvalidInputError.
        """
        asked = Month(year, month)
        return self._read(None, lambda conn: month_items(conn, asked))

    def problems(self) -> list[ProblemGroup]:
        """R5: held items grouped by reason, each group with its fix hint."""
        return self._read(None, problem_groups)

    def integration_status(self, assignment_id: UUID) -> AssignmentIntegration:
        """R2: not confirmed, queued, held (with reasons) or delivered; NotFoundError if
        unknown, InvalidInputError if `assignment_id` is not a UUID."""
        found = self.integration_statuses(
            assignment_ids=[require_id(assignment_id, "assignment_id")]
        )
        if not found:
            raise NotFoundError("assignment", assignment_id)
        return found[0]

    def integration_statuses(
        self,
        *,
        assignment_ids: list[UUID] | None = None,
        status: IntegrationStatus | str | None = None,
        customer_id: UUID | None = None,
    ) -> list[AssignmentIntegration]:
        """R2: every visit's status (or those of `assignment_ids`, any number, or the
        visits of `customer_id`), by id; `status` filters. InvalidInputError for an id
        that is not a UUID or a bare string as `assignment_ids`; NotFoundError for a
        `customer_id` that names no customer (`require_customer`)."""
        self.check_customer(customer_id)
        return self._read(
            None, lambda conn: integration_statuses(conn, assignment_ids, status, customer_id)
        )

    def check_customer(self, customer_id: object) -> None:
        """A customer filter: None (every customer) or a customer's id, culled or not;
        InvalidInputError for a non-UUID; NotFoundError for an id that names no customer
        (a staff member's, a pause's, nobody's), asked of `require_customer`."""
        if customer_id is None:
            return
        checked = require_id(customer_id, "customer_id")
        if self.require_customer is not None:
            self.require_customer(checked)

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Every buffer table's rows in key order: a rebuild must equal the live one (D6).

        Sealed columns are opened: with a cipher key the same text seals differently
        each time, so only the opened values can be compared.
        """
        sealed = {"personnummer", "payload"}
        dumped: dict[str, list[dict[str, Any]]] = {}
        with self.database.engine.connect() as conn:
            for table in t.PROJECTED:
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

    def _read(self, conn: Connection | None, query: Callable[[Connection], _T]) -> _T:
        """`query` on `conn`, or on a connection of its own."""
        if conn is not None:
            return query(conn)
        with self.database.engine.connect() as own:
            return query(own)
