"""Synthetic provider data for the benchmarks, written in bulk through the domain.

Aggregates are built in memory with the real domain classes and saved many
per transaction (`app.save(*aggregates)`), so a million events can be made
in minutes; the events are exactly what the facade would store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate

from homecare.application import HomecareApplication
from homecare.demo import demo_personnummer
from homecare.domain import Assignment, Contract, Customer, Order, Staff, WorkShift
from homecare.domain.identity import PersonalIdentityNumber

ACTOR = "bench"
T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
ACTIVITIES = ["shower", "shopping", "supervision"]


def pnr(n: int) -> PersonalIdentityNumber:
    """The n-th synthetic, checksum-valid personnummer (the demo's)."""
    return PersonalIdentityNumber.parse(demo_personnummer(n))


@dataclass
class Provider:
    customers: list[tuple[UUID, UUID]] = field(default_factory=list)  # (customer, order)
    staff: list[UUID] = field(default_factory=list)


def build_provider(app: HomecareApplication, customers: int, staff: int) -> Provider:
    provider = Provider()
    batch: list[Aggregate] = []
    for n in range(customers):
        customer = Customer.register(
            personnummer=pnr(n), name=f"C{n}", organisation=f"Team {n % 20}", actor=ACTOR, at=T0
        )
        customer.register_decision(
            decision_id=customer.id,
            valid_from=date(2026, 1, 1),
            valid_to=None,
            activities=ACTIVITIES,
            actor=ACTOR,
            at=T0,
        )
        contract = Contract.open(customer_id=customer.id, actor=ACTOR, at=T0)
        order = Order.place(
            contract_id=contract.id,
            customer_id=customer.id,
            activities=ACTIVITIES,
            actor=ACTOR,
            at=T0,
        )
        batch += [customer, contract, order]
        provider.customers.append((customer.id, order.id))
        if len(batch) >= 600:
            app.save(*batch)
            batch = []
    for n in range(staff):
        member = Staff.register(
            name=f"S{n}", personnummer=pnr(500_000 + n), sd_number=f"SD{n}", actor=ACTOR, at=T0
        )
        batch.append(member)
        provider.staff.append(member.id)
    app.save(*batch)
    return provider


def attested_visits(
    provider: Provider, count: int, *, per_shift: int, day: date = date(2026, 3, 2)
) -> Iterator[list[Aggregate]]:
    """Shifts of `per_shift` planned, performed and attested visits, ready to confirm."""
    made = 0
    shift_no = 0
    while made < count:
        staff_id = provider.staff[shift_no % len(provider.staff)]
        shift_day = day + timedelta(days=shift_no // len(provider.staff))
        shift = WorkShift.open(staff_id=staff_id, day=shift_day, actor=ACTOR, at=T0)
        group: list[Aggregate] = [shift]
        for k in range(min(per_shift, count - made)):
            customer_id, order_id = provider.customers[(made + k) % len(provider.customers)]
            start = datetime.combine(shift_day, datetime.min.time(), UTC) + timedelta(
                hours=7, minutes=20 * k
            )
            visit = Assignment.plan(
                customer_id=customer_id,
                order_id=order_id,
                staff_id=staff_id,
                planned_start=start,
                planned_end=start + timedelta(minutes=15),
                actor=ACTOR,
                at=T0,
            )
            done = start + timedelta(minutes=15)  # reported once performed
            visit.record_performance(
                start=start,
                end=done,
                activities=["shower"],
                actor=ACTOR,
                at=max(T0, done),
            )
            visit.attest(actor=ACTOR, at=max(T0, done))
            shift.add(assignment_id=visit.id, actor=ACTOR, at=T0)
            group.append(visit)
        made += len(group) - 1
        shift_no += 1
        yield group


def settled(group: list[Aggregate]) -> datetime:
    """When a group's visits may be confirmed: at its latest change (D11: time only moves
    forward on a record)."""
    return max(aggregate.modified_on for aggregate in group)


def confirmed_log(app: HomecareApplication, provider: Provider, visits: int) -> int:
    """Append `visits` confirmed visits (about 6 events each) in large transactions."""
    pending: list[Aggregate] = []
    for group in attested_visits(provider, visits, per_shift=10):
        for aggregate in group:
            if isinstance(aggregate, Assignment):
                aggregate.confirm(actor=ACTOR, at=settled(group))
        pending += group
        if len(pending) >= 400:
            app.save(*pending)
            pending = []
    if pending:
        app.save(*pending)
    return app.recorder.max_notification_id() or 0
