"""A small provider built through the real facade, for buffer tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from homecare.bootstrap import Homecare
from homecare.demo import demo_personnummer
from tests.conftest import ACTOR, T0

pnr = demo_personnummer  # the n-th synthetic, checksum-valid test personnummer


@dataclass
class Customer:
    id: UUID
    order: UUID
    contract: UUID


@dataclass
class World:
    hc: Homecare
    at: datetime = T0
    staff_count: int = 0
    customers: list[Customer] = field(default_factory=list)

    def tick(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at

    def customer(
        self, *, decision: bool = True, activities: tuple[str, ...] = ("shower", "shopping")
    ) -> Customer:
        app = self.hc.app
        n = len(self.customers)
        cid = app.register_customer(
            personnummer=pnr(n),
            name=f"Customer {n}",
            organisation=f"Team {n % 3}",
            actor=ACTOR,
            at=self.tick(),
        )
        if decision:
            app.register_decision(
                cid,
                valid_from=date(2026, 1, 1),
                valid_to=None,
                activities=activities,
                actor=ACTOR,
                at=self.tick(),
            )
        contract = app.open_contract(cid, actor=ACTOR, at=self.tick())
        order = app.place_order(contract, activities=activities, actor=ACTOR, at=self.tick())
        customer = Customer(cid, order, contract)
        self.customers.append(customer)
        return customer

    def staff(self, *, personnummer: bool = True, sd_number: bool = True) -> UUID:
        self.staff_count += 1
        return self.hc.app.register_staff(
            name=f"Staff {self.staff_count}",
            personnummer=pnr(500 + self.staff_count) if personnummer else None,
            sd_number=f"SD{self.staff_count:04d}" if sd_number else None,
            actor=ACTOR,
            at=self.tick(),
        )

    def visit(
        self,
        customer: Customer,
        staff: UUID,
        *,
        day: date = date(2026, 3, 2),
        activities: tuple[str, ...] = ("shower",),
        confirm: bool = True,
    ) -> UUID:
        app = self.hc.app
        start = datetime(day.year, day.month, day.day, 9, tzinfo=T0.tzinfo)
        end = start + timedelta(minutes=30)
        visit = app.plan_assignment(
            order_id=customer.order,
            staff_id=staff,
            planned_start=start,
            planned_end=end,
            shift_day=day,
            actor=ACTOR,
            at=self.tick(),
        )
        self.at = max(self.at, end)  # a visit is reported once it is done (D11)
        app.record_performance(
            visit, start=start, end=end, activities=activities, actor=ACTOR, at=self.tick()
        )
        app.attest_assignments([visit], actor=ACTOR, at=self.tick())
        if confirm:
            app.confirm_assignment(visit, actor=ACTOR, at=self.tick())
        return visit
