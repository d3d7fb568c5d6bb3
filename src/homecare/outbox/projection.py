"""Events in, buffer items out: the integration buffer as a projection (R2-R6, D2-D5).

One page of events is one transaction (see `homecare._es.runner`).
For each event this keeps the facts the city's checks need (staff, decisions,
visits, pauses), and:

- `AssignmentConfirmed` adds a visit report, checked against R5;
- each pause event re-plans the customer's whole-day periods at the city and
  adds one item per message that moves the city there (R10, R11, D5);
- a fix at the source (staff updated, decision registered, visit corrected)
  re-checks the waiting items it concerns (R6).

Items of one customer are released strictly in order: a customer's items are
released from the oldest pending one until the first that is held, so a held
item holds back that customer's later items and nobody else's (D4). Release
assigns the next buffer position; only this projection assigns positions and
it is serialised, so positions become visible in increasing order (D3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEventProtocol
from sqlalchemy import BindParameter, Connection, bindparam, func, select

from homecare._es.sealing import Sealer
from homecare._es.topics import topic_of
from homecare.domain.assignment import Assignment
from homecare.domain.citydays import (
    STOCKHOLM,
    HeldPeriod,
    apply_city_messages,
    city_periods,
    plan_city_messages,
)
from homecare.domain.customer import Customer, Decision
from homecare.domain.pause import Pause, effective_period
from homecare.domain.staff import Staff
from homecare.outbox import tables as t
from homecare.outbox.cursor import chain_tag
from homecare.outbox.messages import (
    CustomerPauseMessage,
    MessageFormat,
    MessageKind,
    VisitReportMessage,
    message_id_for,
)
from homecare.outbox.rows import Row, RowCache
from homecare.outbox.validation import check_visit

__all__ = ["BufferProjection"]

PENDING, RELEASED, SUPERSEDED = "pending", "released", "superseded"


class BufferProjection:
    """The projection the runner drives; `process` handles one page."""

    name = "integration_buffer"
    version = 1
    tables = (t.items, t.assignments, t.staff, t.customers, t.pauses, t.city_periods)
    """Rebuilt from the log when `version` changes; the city's delivered mark is kept."""

    def __init__(self, sealer: Sealer, message_format: MessageFormat) -> None:
        self.topics = tuple(sorted(topic_of(kind) for kind in _HANDLERS))
        self.sealer = sealer
        self.format = message_format

    def process(
        self, conn: Connection, events: Sequence[tuple[int, DomainEventProtocol[Any]]]
    ) -> None:
        page = _Page(conn, self.sealer, self.format)
        page.prefetch([event for _, event in events])
        for position, event in events:
            handler = _HANDLERS.get(type(event))
            if handler is not None:
                handler(page, position, event)
        page.flush()


class _Page:
    """The working set of one page, and the rules applied to it."""

    def __init__(self, conn: Connection, sealer: Sealer, message_format: MessageFormat) -> None:
        self.conn = conn
        self.sealer = sealer
        self.format = message_format
        self.assignments = RowCache(conn, t.assignments, "assignment_id")
        self.staff = RowCache(conn, t.staff, "staff_id")
        self.customers = RowCache(conn, t.customers, "customer_id")
        self.pauses = RowCache(conn, t.pauses, "pause_id")
        self.items = RowCache(conn, t.items, "seq")
        self._pending: dict[UUID, list[Row]] = {}
        self._pauses_of: dict[UUID, set[UUID]] = {}
        self._city: dict[UUID, list[HeldPeriod]] = {}
        self._city_changed: set[UUID] = set()
        self._next_seq: int | None = None
        self._next_position: int | None = None
        self._last_tag: str | None = None

    def prefetch(self, events: Sequence[DomainEventProtocol[Any]]) -> None:
        """Load every row this page will touch in a few queries instead of one per event.

        Two steps, because a visit's staff and customer are known only from its row.
        """
        created_customers = {e.originator_id for e in events if isinstance(e, Customer.Registered)}
        for customer_id in created_customers:
            self.new_customer(customer_id)
        visits = {e.originator_id for e in events if isinstance(e, _VISIT_EVENTS)}
        planned = {e.originator_id for e in events if isinstance(e, Assignment.Planned)}
        rows = self.assignments.prefetch(visits - planned)
        for visit_id in planned:
            self.assignments.known_absent(visit_id)
        staff_ids = {r["staff_id"] for r in rows} | {
            e.staff_id if isinstance(e, Assignment.Planned) else e.originator_id
            for e in events
            if isinstance(e, Assignment.Planned | Staff.Updated)
        }
        self.staff.prefetch(staff_ids)
        customer_ids = (
            {r["customer_id"] for r in rows}
            | {e.customer_id for e in events if isinstance(e, Assignment.Planned | Pause.Created)}
            | {e.originator_id for e in events if isinstance(e, Customer.DecisionRegistered)}
        ) - created_customers
        self.customers.prefetch(customer_ids)
        self._prefetch_pending(customer_ids)
        self.pauses.prefetch(
            e.originator_id for e in events if isinstance(e, Pause.Changed | Pause.Cancelled)
        )

    def _prefetch_pending(self, customer_ids: set[UUID]) -> None:
        wanted = sorted(c for c in customer_ids if c not in self._pending)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for customer_id in chunk:
                self._pending[customer_id] = []
            rows = self.conn.execute(
                select(t.items)
                .where(t.items.c.customer_id.in_(chunk), t.items.c.state == PENDING)
                .order_by(t.items.c.seq)
            ).mappings()
            for item in self.items.merge(dict(r) for r in rows):
                self._pending[item["customer_id"]].append(item)

    # -- items -----------------------------------------------------------

    def pending_of(self, customer_id: UUID) -> list[Row]:
        """The customer's unreleased items, oldest first (loaded once per page)."""
        if customer_id not in self._pending:
            rows = self.conn.execute(_PENDING_OF_CUSTOMER, {"customer": customer_id}).mappings()
            self._pending[customer_id] = self.items.merge(dict(r) for r in rows)
        return self._pending[customer_id]

    def pending_of_staff(self, staff_id: UUID) -> list[Row]:
        rows = self.conn.execute(
            select(t.items.c.customer_id)
            .where(t.items.c.staff_id == staff_id, t.items.c.state == PENDING)
            .distinct()
        ).scalars()
        customers = set(rows) | {
            c
            for c, pending in self._pending.items()
            if any(i["staff_id"] == staff_id for i in pending)
        }
        return [
            item
            for c in sorted(customers)
            for item in self.pending_of(c)
            if item["staff_id"] == staff_id
        ]

    def add_item(
        self,
        *,
        event: DomainEventProtocol[Any],
        index: int,
        position: int,
        kind: MessageKind,
        customer_id: UUID,
        business_date: date,
        facts: dict[str, Any],
        reasons: list[str],
        assignment_id: UUID | None = None,
        staff_id: UUID | None = None,
    ) -> Row:
        if self._next_seq is None:
            self._next_seq = (self.conn.execute(select(func.max(t.items.c.seq))).scalar() or 0) + 1
        item = self.items.add(
            {
                "seq": self._next_seq,
                "message_id": message_id_for(event.originator_id, event.originator_version, index),
                "kind": kind.value,
                "customer_id": customer_id,
                "assignment_id": assignment_id,
                "staff_id": staff_id,
                "business_date": business_date,
                "source_position": position,
                "facts": facts,
                "reasons": reasons,
                "state": PENDING,
                "position": None,
                "payload": None,
                "history": None,
            }
        )
        self._next_seq += 1
        self.pending_of(customer_id).append(item)
        return item

    def release_in_order(self, customer_id: UUID) -> None:
        """D4: release from the oldest pending item until the first held one."""
        pending = self.pending_of(customer_id)
        while pending and not pending[0]["reasons"]:
            self._release(pending.pop(0))

    def _release(self, item: Row) -> None:
        if self._next_position is None:
            found = self.conn.execute(
                select(t.items.c.position, t.items.c.history)
                .where(t.items.c.position.is_not(None))
                .order_by(t.items.c.position.desc())
                .limit(1)
            ).first()
            self._next_position = (found[0] if found else 0) + 1
            self._last_tag = found[1] if found else None
        item["position"] = self._next_position
        self._next_position += 1
        item["history"] = self._last_tag = chain_tag(self._last_tag, item["message_id"])
        item["state"] = RELEASED
        item["payload"] = self.sealer.seal(self.format.render(self._message(item)))
        self.items.changed(item)

    def supersede(self, item: Row) -> None:
        """R6: a corrected visit's held item is replaced by its next confirmation."""
        self.pending_of(item["customer_id"]).remove(item)
        item["state"] = SUPERSEDED
        self.items.changed(item)

    def recheck(self, item: Row) -> None:
        if item["kind"] != MessageKind.VISIT_REPORT:
            return
        facts = item["facts"]
        item["reasons"] = self.visit_reasons(
            staff_id=item["staff_id"],
            customer_id=item["customer_id"],
            day=item["business_date"],
            activities=facts["activities"],
        )
        self.items.changed(item)

    def visit_reasons(
        self, *, staff_id: UUID, customer_id: UUID, day: date, activities: list[str]
    ) -> list[str]:
        staff = self.staff.get(staff_id) or {}
        customer = self.customers.get(customer_id) or {"decisions": []}
        return [
            r.value
            for r in check_visit(
                staff_personnummer=staff.get("personnummer"),
                staff_sd_number=staff.get("sd_number"),
                decisions=[_decision(d) for d in customer["decisions"]],
                day=day,
                activities=activities,
            )
        ]

    def _message(self, item: Row) -> VisitReportMessage | CustomerPauseMessage:
        customer = self.customers.get(item["customer_id"])
        assert customer is not None, "events are ordered: the customer was registered first"
        common: dict[str, Any] = {
            "message_id": item["message_id"],
            "position": item["position"],
            "customer": item["customer_id"],
            "customer_personnummer": self.sealer.open(customer["personnummer"]),
            "business_date": item["business_date"],
        }
        facts = item["facts"]
        if item["kind"] == MessageKind.CUSTOMER_PAUSE:
            return CustomerPauseMessage(**common, **facts)
        staff = self.staff.get(item["staff_id"])
        assert staff is not None
        assert staff["personnummer"]
        assert staff["sd_number"]
        return VisitReportMessage(
            **common,
            **facts,
            staff_personnummer=self.sealer.open(staff["personnummer"]),
            staff_sd_number=staff["sd_number"],
        )

    def new_customer(self, customer_id: UUID) -> None:
        """A customer registered in this page has nothing stored yet: skip the lookups."""
        self._pending.setdefault(customer_id, [])
        self._pauses_of.setdefault(customer_id, set())
        self._city.setdefault(customer_id, [])

    # -- pauses and the city's periods -------------------------------------

    def pauses_of(self, customer_id: UUID) -> list[Row]:
        if customer_id not in self._pauses_of:
            rows = self.conn.execute(_PAUSES_OF_CUSTOMER, {"customer": customer_id}).mappings()
            loaded = self.pauses.merge(dict(r) for r in rows)
            self._pauses_of.setdefault(customer_id, set()).update(p["pause_id"] for p in loaded)
        return [p for pid in self._pauses_of[customer_id] if (p := self.pauses.get(pid))]

    def add_pause(self, row: Row) -> None:
        self.pauses_of(row["customer_id"])
        self.pauses.add(row)
        self._pauses_of[row["customer_id"]].add(row["pause_id"])

    def city_of(self, customer_id: UUID) -> list[HeldPeriod]:
        if customer_id not in self._city:
            rows = self.conn.execute(_CITY_OF_CUSTOMER, {"customer": customer_id}).mappings()
            self._city[customer_id] = sorted(
                (HeldPeriod(r["period_id"], r["first_day"], r["last_day"]) for r in rows),
                key=lambda h: (h.first_day, h.period_id),
            )
        return self._city[customer_id]

    def replan_city(
        self, customer_id: UUID, position: int, event: DomainEventProtocol[Any]
    ) -> None:
        """R10, D5: move the city from what it holds to the whole-day union of effective periods."""
        effective = [
            period
            for p in self.pauses_of(customer_id)
            if (period := effective_period(p["starts_at"], p["ends_at"], p["cancelled_at"]))
        ]
        held = self.city_of(customer_id)
        messages = plan_city_messages(
            held,
            city_periods(effective),
            _period_ids(event.originator_id, event.originator_version),
        )
        if not messages:
            return
        self._city[customer_id] = apply_city_messages(held, messages)
        self._city_changed.add(customer_id)
        for index, message in enumerate(messages):
            self.add_item(
                event=event,
                index=index,
                position=position,
                kind=MessageKind.CUSTOMER_PAUSE,
                customer_id=customer_id,
                business_date=message.first_day,
                facts={
                    "action": message.action.value,
                    "period_id": message.period_id,
                    "first_day": message.first_day.isoformat(),
                    "last_day": None if message.last_day is None else message.last_day.isoformat(),
                },
                reasons=[],
            )
        self.release_in_order(customer_id)

    # -- writing back ----------------------------------------------------

    def flush(self) -> None:
        for cache in (self.assignments, self.staff, self.customers, self.pauses, self.items):
            cache.flush()
        for customer_id in self._city_changed:
            self.conn.execute(
                t.city_periods.delete().where(t.city_periods.c.customer_id == customer_id)
            )
            if self._city[customer_id]:
                self.conn.execute(
                    t.city_periods.insert(),
                    [
                        {
                            "customer_id": customer_id,
                            "period_id": h.period_id,
                            "first_day": h.first_day,
                            "last_day": h.last_day,
                        }
                        for h in self._city[customer_id]
                    ],
                )


# -- event handlers -----------------------------------------------------------

Handler = Callable[[_Page, int, Any], None]


def _customer_registered(page: _Page, _position: int, event: Customer.Registered) -> None:
    page.new_customer(event.originator_id)
    page.customers.add(
        {
            "customer_id": event.originator_id,
            "personnummer": page.sealer.seal(event.personnummer.value),
            "decisions": [],
        }
    )


def _decision_registered(page: _Page, _position: int, event: Customer.DecisionRegistered) -> None:
    customer = page.customers.get(event.originator_id)
    assert customer is not None
    customer["decisions"] = [
        *customer["decisions"],
        {
            "decision_id": str(event.decision_id),
            "valid_from": event.valid_from.isoformat(),
            "valid_to": None if event.valid_to is None else event.valid_to.isoformat(),
            "activities": list(event.activities),
        },
    ]
    page.customers.changed(customer)
    for item in page.pending_of(event.originator_id):
        page.recheck(item)
    page.release_in_order(event.originator_id)


def _staff_registered(page: _Page, _position: int, event: Staff.Registered) -> None:
    page.staff.add(
        {
            "staff_id": event.originator_id,
            "personnummer": None
            if event.personnummer is None
            else page.sealer.seal(event.personnummer.value),
            "sd_number": event.sd_number,
        }
    )


def _staff_updated(page: _Page, _position: int, event: Staff.Updated) -> None:
    row = page.staff.get(event.originator_id)
    assert row is not None
    row["personnummer"] = (
        None if event.personnummer is None else page.sealer.seal(event.personnummer.value)
    )
    row["sd_number"] = event.sd_number
    page.staff.changed(row)
    items = page.pending_of_staff(event.originator_id)
    for item in items:
        page.recheck(item)
    for customer_id in sorted({item["customer_id"] for item in items}):
        page.release_in_order(customer_id)


def _assignment_planned(page: _Page, _position: int, event: Assignment.Planned) -> None:
    page.assignments.add(
        {
            "assignment_id": event.originator_id,
            "customer_id": event.customer_id,
            "staff_id": event.staff_id,
            "performed_start": None,
            "performed_end": None,
            "activities": [],
            "outcome": "performed",
            "confirmed": False,
            "revision": 0,
            "item_seq": None,
        }
    )


def _assignment_performed(page: _Page, _position: int, event: Assignment.Performed) -> None:
    row = page.assignments.get(event.originator_id)
    assert row is not None
    row.update(
        performed_start=event.performed_start,
        performed_end=event.performed_end,
        activities=list(event.activities),
        outcome="performed",
        confirmed=False,
    )
    page.assignments.changed(row)
    if isinstance(event, Assignment.Corrected):
        _withdraw_held_report(page, row)


def _assignment_declined(page: _Page, _position: int, event: Assignment.Declined) -> None:
    """R15: reported with the planned time and no activities."""
    row = page.assignments.get(event.originator_id)
    assert row is not None
    row.update(
        performed_start=event.planned_start,
        performed_end=event.planned_end,
        activities=[],
        outcome="declined",
        confirmed=False,
    )
    page.assignments.changed(row)
    if isinstance(event, Assignment.DeclineCorrected):
        _withdraw_held_report(page, row)


def _withdraw_held_report(page: _Page, row: Row) -> None:
    """R6: a corrected visit's held report is superseded by its next confirmation."""
    if row["item_seq"] is None:
        return
    item = page.items.get(row["item_seq"])
    if item is not None and item["state"] == PENDING:
        page.supersede(item)
        page.release_in_order(row["customer_id"])


def _assignment_confirmed(page: _Page, position: int, event: Assignment.Confirmed) -> None:
    row = page.assignments.get(event.originator_id)
    assert row is not None
    assert row["performed_start"] is not None
    start: datetime = row["performed_start"]
    day = start.astimezone(STOCKHOLM).date()
    row["confirmed"] = True
    row["revision"] += 1
    item = page.add_item(
        event=event,
        index=0,
        position=position,
        kind=MessageKind.VISIT_REPORT,
        customer_id=row["customer_id"],
        business_date=day,
        facts={
            "assignment_id": str(row["assignment_id"]),
            "revision": row["revision"],
            "performed_start": start.isoformat(),
            "performed_end": row["performed_end"].isoformat(),
            "activities": list(row["activities"]),
            # R15: only a declined visit says so; performed reports keep their old shape
            **({"outcome": "declined"} if row["outcome"] == "declined" else {}),
        },
        reasons=page.visit_reasons(
            staff_id=row["staff_id"],
            customer_id=row["customer_id"],
            day=day,
            activities=row["activities"],
        ),
        assignment_id=row["assignment_id"],
        staff_id=row["staff_id"],
    )
    row["item_seq"] = item["seq"]
    page.assignments.changed(row)
    page.release_in_order(row["customer_id"])


def _pause_created(page: _Page, position: int, event: Pause.Created) -> None:
    page.add_pause(
        {
            "pause_id": event.originator_id,
            "customer_id": event.customer_id,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "cancelled_at": None,
        }
    )
    page.replan_city(event.customer_id, position, event)


def _pause_changed(page: _Page, position: int, event: Pause.Changed) -> None:
    row = page.pauses.get(event.originator_id)
    assert row is not None
    row.update(starts_at=event.starts_at, ends_at=event.ends_at)
    page.pauses.changed(row)
    page.replan_city(row["customer_id"], position, event)


def _pause_cancelled(page: _Page, position: int, event: Pause.Cancelled) -> None:
    row = page.pauses.get(event.originator_id)
    assert row is not None
    row["cancelled_at"] = event.timestamp
    page.pauses.changed(row)
    page.replan_city(row["customer_id"], position, event)


_VISIT_EVENTS = (
    Assignment.Planned,
    Assignment.Performed,
    Assignment.Declined,
    Assignment.Confirmed,
)
_CUSTOMER: BindParameter[Any] = bindparam("customer")
_PENDING_OF_CUSTOMER = (
    select(t.items)
    .where(t.items.c.customer_id == _CUSTOMER, t.items.c.state == PENDING)
    .order_by(t.items.c.seq)
)
_PAUSES_OF_CUSTOMER = select(t.pauses).where(t.pauses.c.customer_id == _CUSTOMER)
_CITY_OF_CUSTOMER = select(t.city_periods).where(t.city_periods.c.customer_id == _CUSTOMER)

_HANDLERS: dict[type[Any], Handler] = {
    Customer.Registered: _customer_registered,
    Customer.DecisionRegistered: _decision_registered,
    Staff.Registered: _staff_registered,
    Staff.Updated: _staff_updated,
    Assignment.Planned: _assignment_planned,
    Assignment.Performed: _assignment_performed,
    Assignment.Corrected: _assignment_performed,
    Assignment.Declined: _assignment_declined,
    Assignment.DeclineCorrected: _assignment_declined,
    Assignment.Confirmed: _assignment_confirmed,
    Pause.Created: _pause_created,
    Pause.Changed: _pause_changed,
    Pause.Cancelled: _pause_cancelled,
}


def _decision(stored: dict[str, Any]) -> Decision:
    return Decision(
        decision_id=UUID(stored["decision_id"]),
        valid_from=date.fromisoformat(stored["valid_from"]),
        valid_to=None if stored["valid_to"] is None else date.fromisoformat(stored["valid_to"]),
        activities=frozenset(stored["activities"]),
    )


def _period_ids(originator_id: UUID, version: int) -> Callable[[int], str]:
    def new_period_id(index: int) -> str:
        return str(uuid5(NAMESPACE_URL, f"homecare:period:{originator_id}:{version}:{index}"))

    return new_period_id
