"""The auditor's tools: a customer's history, replay verification (D6) and as-of state.

- `history`: every event that touched a customer, its contracts, orders, pauses
  and visits, in log order, with who and when (D1).
- `verify`: rebuilds every projection from the events alone into a scratch
  SQLite store and compares it row by row with the live one (D6).
- `as_of`: a customer's pauses and visits as they were at an instant, with the
  integration status they had then (the buffer replayed up to that instant).

Memory stays flat whatever the log's length: the log is read in pages, the
rebuild writes a page per transaction, and tables are compared as two sorted
streams. Storage errors become `StorageError` here, at the boundary.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, wraps
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, Literal, ParamSpec, TypeVar, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import MapperDeserialisationError, Notification, PersistenceError
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, String, Table, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from homecare._es.sealing import Sealer
from homecare._es.topics import resolve
from homecare._sql.database import Database, metadata
from homecare.application import UNREADABLE_EVENTS
from homecare.bootstrap import Homecare
from homecare.domain.assignment import Assignment
from homecare.domain.common import require_aware
from homecare.domain.customer import Customer
from homecare.domain.pause import Pause
from homecare.errors import CipherKeyError, HomecareError, InvalidInputError, StorageError
from homecare.outbox import tables as buffer_tables
from homecare.outbox.projection import BufferProjection
from homecare.outbox.store import AssignmentIntegration, Buffer, IntegrationStatus, receipt_times
from homecare.projections.pause_overview import (
    PauseOverview,
    overview_customers,
    overview_pauses,
)

__all__ = [
    "AssignmentThen",
    "ColumnDifference",
    "CustomerAsOf",
    "HistoryEntry",
    "PauseThen",
    "RowDifference",
    "VerifyProgress",
    "VerifyReport",
    "as_of",
    "history",
    "verify",
]

PAGE_SIZE = 5000
MAX_DIFFERENCES = 100
BUFFER_TABLES: tuple[Table, ...] = (
    buffer_tables.items,
    buffer_tables.assignments,
    buffer_tables.staff,
    buffer_tables.customers,
    buffer_tables.pauses,
    buffer_tables.city_periods,
)
"""The buffer's projection tables; `homecare_buffer_delivery` is fetch state, not projected."""
SEALED = frozenset({"personnummer", "payload"})
P = ParamSpec("P")
R = TypeVar("R")


def _translated(function: Callable[P, R]) -> Callable[P, R]:
    """Storage and library errors become StorageError (one boundary, like the facade's)."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except HomecareError:
            raise
        except MapperDeserialisationError as error:
            raise CipherKeyError(UNREADABLE_EVENTS) from error
        except (PersistenceError, SQLAlchemyError) as error:
            raise StorageError(
                f"The store failed during the audit: {type(error).__name__}."
            ) from error

    return wrapper


# -- reading the log ------------------------------------------------------------


def _pages(
    hc: Homecare, *, page_size: int, stop: int | None = None, topics: Sequence[str] = ()
) -> Iterator[Sequence[Notification]]:
    """The notification log in pages of `page_size`, up to `stop` (inclusive) if given."""
    position = 0
    while stop is None or position < stop:
        page = hc.app.recorder.select_notifications(
            start=position, limit=page_size, stop=stop, topics=topics, inclusive_of_start=False
        )
        if not page:
            return
        yield page
        if len(page) < page_size:
            return
        position = page[-1].id


@cache
def _creates_for_customer(topic: str) -> bool:
    """Whether events of this topic create an aggregate that belongs to a customer."""
    try:
        kind = resolve(topic)
    except Exception:  # an unknown topic cannot be a creation event we know of
        return False
    return (
        isinstance(kind, type)
        and issubclass(kind, Aggregate.Created)
        and any("customer_id" in getattr(k, "__annotations__", {}) for k in kind.__mro__)
    )


class _Members:
    """A customer and every aggregate created for it: contracts, orders, pauses, visits."""

    def __init__(self, customer_id: UUID) -> None:
        self.customer_id = customer_id
        self.kinds: dict[UUID, str] = {customer_id: "Customer"}

    def may_concern(self, notification: Notification) -> bool:
        """Cheap pre-check on the stored record, so unrelated events are never decoded."""
        return notification.originator_id in self.kinds or _creates_for_customer(notification.topic)

    def admit(self, event: DomainEventProtocol[Any]) -> str | None:
        """The aggregate type if the event concerns the customer (new members are recorded)."""
        kind = self.kinds.get(event.originator_id)
        if (
            kind is None
            and isinstance(event, Aggregate.Created)
            and getattr(event, "customer_id", None) == self.customer_id
        ):
            kind = self.kinds[event.originator_id] = type(event).__qualname__.split(".")[0]
        return kind

    def of_kind(self, kind: str) -> list[UUID]:
        return [member for member, k in self.kinds.items() if k == kind]


# -- history --------------------------------------------------------------------


class HistoryEntry(BaseModel):
    """One event in a customer's history (D1: who did what, and when)."""

    model_config = ConfigDict(frozen=True)

    position: int
    timestamp: datetime
    aggregate: str
    aggregate_id: UUID
    version: int
    event: str
    actor: str | None


@_translated
def history(hc: Homecare, customer_id: UUID, *, page_size: int = PAGE_SIZE) -> list[HistoryEntry]:
    """Every event that touched the customer and its contracts, orders, pauses and visits.

    In log order. Event names are the aggregate's and the event's class names
    (PauseCreated, AssignmentConfirmed). Unknown customer: NotFoundError.
    """
    hc.app.get(Customer, customer_id)
    members = _Members(customer_id)
    entries: list[HistoryEntry] = []
    for page in _pages(hc, page_size=page_size):
        for notification in page:
            if not members.may_concern(notification):
                continue
            event = hc.app.mapper.to_domain_event(notification)
            kind = members.admit(event)
            if kind is not None:
                entries.append(_entry(notification.id, kind, event))
    return entries


def _timestamp(event: DomainEventProtocol[Any]) -> datetime:
    return cast(Aggregate.Event, event).timestamp


def _entry(position: int, kind: str, event: DomainEventProtocol[Any]) -> HistoryEntry:
    return HistoryEntry(
        position=position,
        timestamp=_timestamp(event),
        aggregate=kind,
        aggregate_id=event.originator_id,
        version=event.originator_version,
        event=kind + type(event).__qualname__.split(".")[-1],
        actor=getattr(event, "actor", None),
    )


# -- verify ---------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyProgress:
    """Where a rebuild stands: log positions replayed of `total`, and the rate."""

    position: int
    total: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.position / self.seconds if self.seconds > 0 else 0.0


class ColumnDifference(BaseModel):
    model_config = ConfigDict(frozen=True)

    column: str
    live: str
    rebuilt: str


class RowDifference(BaseModel):
    """A row that differs, or is on one side only: `missing` (rebuilt only), `extra` (live only)."""

    model_config = ConfigDict(frozen=True)

    table: str
    key: dict[str, str]
    problem: Literal["differs", "missing", "extra"]
    columns: list[ColumnDifference]

    def describe(self) -> str:
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        if self.problem == "missing":
            return f"{self.table} [{key}]: missing from the live store (the rebuild has it)"
        if self.problem == "extra":
            return f"{self.table} [{key}]: in the live store but not in the rebuild"
        changes = "; ".join(f"{c.column}: live {c.live}, rebuilt {c.rebuilt}" for c in self.columns)
        return f"{self.table} [{key}]: {changes}"


class VerifyReport(BaseModel):
    """D6: whether every projection rebuilt from the events equals the live one."""

    model_config = ConfigDict(frozen=True)

    identical: bool
    events: int
    rows: int
    tables: list[str]
    differences: list[RowDifference]
    differences_total: int

    def describe(self) -> list[str]:
        if self.identical:
            return [
                f"identical: {self.rows} rows in {len(self.tables)} tables equal a rebuild "
                f"from {self.events} events"
            ]
        rows = (
            "1 row differs"
            if self.differences_total == 1
            else f"{self.differences_total} rows differ"
        )
        lines = [f"DIFFERENT: {rows} from a rebuild from the events"]
        lines += [d.describe() for d in self.differences]
        if self.differences_total > len(self.differences):
            lines.append(f"... and {self.differences_total - len(self.differences)} more")
        return lines


@dataclass(frozen=True)
class _Compared:
    tables: tuple[Table, ...]
    sealer: Sealer | None = None


def _fresh(projection: Any, scratch: Database) -> Any:
    """A new, empty projection of the same class, writing to the scratch store."""
    if isinstance(projection, PauseOverview):
        return type(projection)(scratch)
    if isinstance(projection, BufferProjection):
        return type(projection)(projection.sealer, projection.format)
    raise HomecareError(
        f"audit verify does not know how to rebuild projection {projection.name!r}."
    )


def _compared(projection: Any) -> _Compared:
    if isinstance(projection, PauseOverview):
        return _Compared((overview_customers, overview_pauses))
    if isinstance(projection, BufferProjection):
        return _Compared(BUFFER_TABLES, projection.sealer)
    raise HomecareError(f"audit verify does not know the tables of {projection.name!r}.")


ProgressCallback = Callable[[VerifyProgress], None]


@_translated
def verify(
    hc: Homecare, progress: ProgressCallback | None = None, *, page_size: int = PAGE_SIZE
) -> VerifyReport:
    """D6: rebuild every projection from the events into a scratch store and compare.

    The live projections are caught up first; the rebuild replays the log up to
    each one's position. If the live store moves on meanwhile, verification is
    void and says so (run it again when writers are idle).
    """
    hc.catch_up()
    positions = {runner.name: runner.position() for runner in hc.runners}
    with TemporaryDirectory(prefix="homecare-verify-") as folder:
        scratch = _scratch(Path(folder))
        try:
            rebuilt = [(_fresh(r.projection, scratch), positions[r.name]) for r in hc.runners]
            events = _replay(hc, scratch, rebuilt, page_size, progress)
            live = [runner.projection for runner in hc.runners]
            report = _compare_all(hc.database, scratch, live, events)
        finally:
            scratch.dispose()
    if positions != {runner.name: runner.position() for runner in hc.runners}:
        raise HomecareError(
            "The store changed while it was verified; run audit verify again when writers are idle."
        )
    return report


def _scratch(folder: Path) -> Database:
    scratch = Database(make_url(f"sqlite+pysqlite:///{folder / 'scratch.db'}"))
    metadata.create_all(scratch.engine)
    return scratch


def _replay(
    hc: Homecare,
    scratch: Database,
    projections: list[tuple[Any, int]],
    page_size: int,
    progress: ProgressCallback | None,
) -> int:
    """Feed each projection the log up to its live position, one page per transaction."""
    stop = max((position for _, position in projections), default=0)
    started = time.perf_counter()
    topics = _topics([p for p, _ in projections])
    for page in _pages(hc, page_size=page_size, stop=stop, topics=topics):
        events = [(n.id, hc.app.mapper.to_domain_event(n)) for n in page]
        with scratch.write_engine.begin() as conn:
            for projection, position in projections:
                mine = [e for e in events if e[0] <= position]
                if mine:
                    projection.process(conn, mine)
        if progress is not None:
            progress(VerifyProgress(page[-1].id, stop, time.perf_counter() - started))
    if progress is not None:
        progress(VerifyProgress(stop, stop, time.perf_counter() - started))
    return stop


def _topics(projections: Sequence[Any]) -> tuple[str, ...]:
    """The topics the projections handle, or () for all if one of them wants every event."""
    union: set[str] = set()
    for projection in projections:
        topics = getattr(projection, "topics", ())
        if not topics:
            return ()
        union.update(topics)
    return tuple(sorted(union))


@dataclass
class _Tally:
    """Rows compared and differences found; only the first MAX_DIFFERENCES are kept."""

    rows: int = 0
    total: int = 0
    kept: list[RowDifference] = field(default_factory=list)

    def add(self, difference: RowDifference) -> None:
        self.total += 1
        if len(self.kept) < MAX_DIFFERENCES:
            self.kept.append(difference)


def _compare_all(
    live: Database, scratch: Database, projections: list[Any], events: int
) -> VerifyReport:
    tally = _Tally()
    names: list[str] = []
    for projection in projections:
        compared = _compared(projection)
        for table in compared.tables:
            names.append(table.name)
            _compare_table(live, scratch, table, compared.sealer, tally)
    return VerifyReport(
        identical=tally.total == 0,
        events=events,
        rows=tally.rows,
        tables=names,
        differences=tally.kept,
        differences_total=tally.total,
    )


def _stream(
    conn: Connection, table: Table, postgres: bool, sealer: Sealer | None
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The table's rows sorted by primary key in the same order on SQLite and PostgreSQL."""
    keys = list(table.primary_key.columns)
    # Text keys sort bytewise ("C") on both stores: the two streams must agree on order.
    order = [k.collate("C") if postgres and isinstance(k.type, String) else k for k in keys]
    result = conn.execution_options(yield_per=1000).execute(select(table).order_by(*order))
    for mapping in result.mappings():
        row = dict(mapping)
        if sealer is not None:
            row = {
                c: sealer.open(v) if c in SEALED and v is not None else v for c, v in row.items()
            }
        yield tuple(row[k.name] for k in keys), row


def _compare_table(
    live: Database, scratch: Database, table: Table, sealer: Sealer | None, tally: _Tally
) -> None:
    """Merge the live and the rebuilt table, both sorted by key, into the tally."""
    names = [k.name for k in table.primary_key.columns]

    def found(
        problem: Literal["differs", "missing", "extra"],
        key: tuple[Any, ...],
        columns: list[ColumnDifference],
    ) -> None:
        tally.add(
            RowDifference(table=table.name, key=_key(names, key), problem=problem, columns=columns)
        )

    with live.engine.connect() as live_conn, scratch.engine.connect() as scratch_conn:
        ours = _stream(live_conn, table, not live.is_sqlite, sealer)
        theirs = _stream(scratch_conn, table, False, sealer)
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
                    ColumnDifference(column=c, live=_shown(c, v), rebuilt=_shown(c, b[1].get(c)))
                    for c, v in a[1].items()
                    if v != b[1].get(c)
                ]
                if columns:
                    found("differs", a[0], columns)
                a, b = next(ours, None), next(theirs, None)


def _key(names: list[str], values: tuple[Any, ...]) -> dict[str, str]:
    return {name: str(value) for name, value in zip(names, values, strict=True)}


def _shown(column: str, value: Any) -> str:
    """A value for the report; personal data is never shown (D8)."""
    if column in SEALED:
        return "(personal data, withheld)"
    return repr(value) if isinstance(value, str) else str(value)


# -- as of ----------------------------------------------------------------------


class DecisionThen(BaseModel):
    model_config = ConfigDict(frozen=True)

    decision_id: UUID
    valid_from: date
    valid_to: date | None
    activities: list[str]


class PauseThen(BaseModel):
    model_config = ConfigDict(frozen=True)

    pause_id: UUID
    level: str
    target_id: UUID
    status: str
    reason: str
    starts_at: datetime
    ends_at: datetime | None
    cancelled_at: datetime | None
    active: bool


class AssignmentThen(BaseModel):
    model_config = ConfigDict(frozen=True)

    assignment_id: UUID
    order_id: UUID
    staff_id: UUID
    status: str
    planned_start: datetime
    performed_start: datetime | None
    performed_end: datetime | None
    activities: list[str]
    integration_status: str
    reasons: list[str]


class CustomerAsOf(BaseModel):
    """D6: a customer as it was at `at`; integration status from the buffer replayed to then.

    Deliveries to the city are acknowledgements, not events: a report released
    then shows as `delivered` when the city's receipt for it had arrived by then
    (its `delivered_at`, R14), else `queued`.
    """

    model_config = ConfigDict(frozen=True)

    customer_id: UUID
    at: datetime
    replayed_to: int
    organisation: str
    decisions: list[DecisionThen]
    contracts: list[UUID]
    orders: list[UUID]
    pauses: list[PauseThen]
    assignments: list[AssignmentThen]


@_translated
def as_of(
    hc: Homecare, customer_id: UUID, at: datetime, *, page_size: int = PAGE_SIZE
) -> CustomerAsOf:
    """The customer's state at `at`: pauses and visits with their status and integration status.

    The buffer is replayed into a scratch store over the log up to the first
    event whose timestamp is after `at`.
    """
    at = require_aware(at, "at")
    hc.app.get(Customer, customer_id)
    customer = hc.app.get_as_of(Customer, customer_id, at)
    if customer is None:
        raise InvalidInputError(
            f"Customer {customer_id} was not registered yet at {at.isoformat()}."
        )
    members = _Members(customer_id)
    with TemporaryDirectory(prefix="homecare-as-of-") as folder:
        scratch = _scratch(Path(folder))
        try:
            replayed_to = _replay_until(hc, scratch, members, at, page_size)
            assignments = members.of_kind("Assignment")
            buffer = Buffer(scratch, hc.buffer.sealer, hc.buffer.format)
            statuses = _delivered_then(
                hc, at, buffer.integration_statuses(assignment_ids=assignments)
            )
        finally:
            scratch.dispose()
    return CustomerAsOf(
        customer_id=customer_id,
        at=at,
        replayed_to=replayed_to,
        organisation=customer.organisation,
        decisions=[
            DecisionThen(
                decision_id=d.decision_id,
                valid_from=d.valid_from,
                valid_to=d.valid_to,
                activities=sorted(d.activities),
            )
            for d in customer.decisions
        ],
        contracts=members.of_kind("Contract"),
        orders=members.of_kind("Order"),
        pauses=[
            _pause_then(p, at)
            for i in members.of_kind("Pause")
            if (p := hc.app.get_as_of(Pause, i, at))
        ],
        assignments=[
            _assignment_then(a, statuses.get(a.id))
            for i in assignments
            if (a := hc.app.get_as_of(Assignment, i, at))
        ],
    )


def _replay_until(
    hc: Homecare, scratch: Database, members: _Members, at: datetime, page_size: int
) -> int:
    """Run a fresh buffer projection over the log until an event is after `at`."""
    projection = BufferProjection(hc.buffer.sealer, hc.buffer.format)
    reached = 0
    for page in _pages(hc, page_size=page_size):
        events: list[tuple[int, DomainEventProtocol[Any]]] = []
        for notification in page:
            event = hc.app.mapper.to_domain_event(notification)
            if _timestamp(event) > at:
                break
            events.append((notification.id, event))
            members.admit(event)
        if events:
            with scratch.write_engine.begin() as conn:
                projection.process(conn, events)
            reached = events[-1][0]
        if len(events) < len(page):
            break
    return reached


def _pause_then(pause: Pause, at: datetime) -> PauseThen:
    return PauseThen(
        pause_id=pause.id,
        level=pause.level.value,
        target_id=pause.target_id,
        status=pause.status.value,
        reason=pause.reason.value,
        starts_at=pause.starts_at,
        ends_at=pause.ends_at,
        cancelled_at=pause.cancelled_at,
        active=pause.is_active_at(at),
    )


def _delivered_then(
    hc: Homecare, at: datetime, statuses: list[AssignmentIntegration]
) -> dict[UUID, AssignmentIntegration]:
    """R14: a report queued then was delivered then if the city's receipt had arrived by `at`.

    The scratch replay numbers its items differently, so the live store's position
    of each message is compared with the live delivered mark as of `at`.
    """
    queued = [s for s in statuses if s.status is IntegrationStatus.QUEUED and s.message_id]
    if not queued:
        return {s.assignment_id: s for s in statuses}
    mark = hc.buffer.delivered_position_at(at)
    items = buffer_tables.items
    with hc.database.engine.connect() as conn:
        live: dict[UUID, int | None] = {
            row.message_id: row.position
            for row in conn.execute(
                select(items.c.message_id, items.c.position).where(
                    items.c.message_id.in_([s.message_id for s in queued])
                )
            )
        }
        receipts = receipt_times(conn, [p for p in live.values() if p is not None and p <= mark])
    found = {s.assignment_id: s for s in statuses}
    for status in queued:
        position = None if status.message_id is None else live.get(status.message_id)
        if position is not None and position in receipts:
            found[status.assignment_id] = status.model_copy(
                update={"status": IntegrationStatus.DELIVERED, "delivered_at": receipts[position]}
            )
    return found


def _assignment_then(assignment: Assignment, status: Any) -> AssignmentThen:
    return AssignmentThen(
        assignment_id=assignment.id,
        order_id=assignment.order_id,
        staff_id=assignment.staff_id,
        status=assignment.status.value,
        planned_start=assignment.planned_start,
        performed_start=assignment.performed_start,
        performed_end=assignment.performed_end,
        activities=list(assignment.activities),
        integration_status="not_confirmed" if status is None else status.status.value,
        reasons=[] if status is None else list(status.reasons),
    )
