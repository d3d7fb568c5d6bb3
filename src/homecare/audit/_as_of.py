"""D6: a customer as it was at an instant, integration status included (R14)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from homecare._es.error_map import translated
from homecare._es.log import Positioned, check_page_size, union_of_topics
from homecare.application.reads import DEFAULT_READER, Reading
from homecare.audit._common import PAGE_SIZE, scratch_parts, timestamp
from homecare.audit._members import Members, creation_topics
from homecare.audit._replay import replay
from homecare.bootstrap import Homecare
from homecare.domain.assignment import Assignment
from homecare.domain.common import require_aware
from homecare.domain.contract import Contract
from homecare.domain.customer import Customer
from homecare.domain.order import Order
from homecare.domain.pause import Pause
from homecare.errors import InvalidInputError
from homecare.outbox import tables as buffer_tables
from homecare.outbox.integration import CHUNK
from homecare.outbox.store import AssignmentIntegration, Buffer, IntegrationStatus, receipt_times
from homecare.privacy import Channel
from homecare.registry import BUFFER, Parts


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

    Each record is as its own events dated at or before `at` made it (`get_as_of`):
    contracts, orders, pauses and visits created by then, whatever else the log holds
    before or after them (D11 orders time within one record only). `replayed_to`: the
    highest log position among the events replayed (those the buffer and the member
    records are made from, dated at or before `at`; 0: none). Deliveries to the city are
    acknowledgements, not events: a report released then shows as `delivered` when the
    city's receipt for it had arrived by then (its `delivered_at`, R14), else `queued`.
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


@translated
def as_of(
    hc: Homecare,
    customer_id: UUID,
    at: datetime,
    *,
    page_size: int = PAGE_SIZE,
    reader: str = DEFAULT_READER,
    purpose: str = "audit: as of",
    channel: Channel = Channel.AUDIT,
) -> CustomerAsOf:
    """The customer's state at `at`: pauses and visits with their status and integration status.

    The buffer is replayed into a scratch store from every event of the log dated at or
    before `at`, in log order (the whole log is read: events are not in time order
    across records). `at` naive: InvalidInputError; `page_size` (events per page) not
    a whole number from 1: InvalidInputError; unknown customer: NotFoundError; not
    registered yet at `at`: InvalidInputError. R17: records `reader`'s read of the
    customer and of the staff of the visits shown (what `as_of`) in the access log.
    """
    at = require_aware(at, "at")
    check_page_size(page_size)
    with hc.app.reading(reader=reader, purpose=purpose, what="as_of", channel=channel) as read:
        return _as_of(hc, read, customer_id, at, page_size)


def _as_of(
    hc: Homecare, read: Reading, customer_id: UUID, at: datetime, page_size: int
) -> CustomerAsOf:
    read.get(Customer, customer_id)
    customer = read.get_as_of(Customer, customer_id, at)
    if customer is None:
        raise InvalidInputError(
            f"Customer {customer_id} was not registered yet at {at.isoformat()}."
        )
    members = Members(customer_id)
    with scratch_parts(hc.parts, "as-of") as parts:
        replayed_to = _replay_then(hc, parts, members, at, page_size)
        assignments = members.of_kind("Assignment")
        buffer = Buffer(parts.database, parts.sealer, parts.message_format)
        statuses = _delivered_then(hc, at, buffer.integration_statuses(assignment_ids=assignments))
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
            if (p := read.get_as_of(Pause, i, at))
        ],
        assignments=[
            _assignment_then(a, statuses.get(a.id))
            for i in assignments
            if (a := read.get_as_of(Assignment, i, at))
        ],
    )


_MEMBERS = creation_topics(Contract, Order, Pause, Assignment)
"""What creates the customer's records as_of shows (the buffer reads the pauses' and
visits' creations too)."""


def _replay_then(hc: Homecare, parts: Parts, members: Members, at: datetime, page_size: int) -> int:
    """Run a fresh buffer projection (the registry's) into `parts.database` over every
    event of the log dated at or before `at`, in log order, admitting the customer's
    records created by then into `members`; returns the last position replayed (0: none).

    Why the whole log: a command may be dated before events of other records already
    in the log (D11 orders time within one record only), so the first event after `at`
    says nothing of those behind it.
    """
    projection = BUFFER.build(parts)
    reached = 0

    def then(events: list[Positioned]) -> list[Positioned]:
        nonlocal reached
        kept = [(position, event) for position, event in events if timestamp(event) <= at]
        for _, event in kept:
            members.admit(event)
        if kept:
            reached = kept[-1][0]
        return kept

    topics = union_of_topics([projection.topics, _MEMBERS])
    replay(hc, parts.database, [(projection, None)], page_size=page_size, topics=topics, keep=then)
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
    ids = [s.message_id for s in queued]
    live: dict[UUID, int | None] = {}
    with hc.database.engine.connect() as conn:
        for start in range(0, len(ids), CHUNK):  # any count, the same on both stores (D7)
            chunk = items.c.message_id.in_(ids[start : start + CHUNK])
            query = select(items.c.message_id, items.c.position).where(chunk)
            live.update((row.message_id, row.position) for row in conn.execute(query))
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
