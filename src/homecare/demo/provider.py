"""The demo's home-care provider: staff, customers with decisions, contracts and orders,
pauses (scenarios), then each day's visits planned, performed and closed (R1, R5, R15)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from homecare.bootstrap import Homecare
from homecare.demo.clock import START, Clock, local
from homecare.demo.data import (
    ACTIVITIES,
    ORGANISATIONS,
    PLANNER,
    STAFF,
    DemoCustomer,
    Visit,
    demo_personnummer,
    person_name,
)
from homecare.demo.scenarios import SCENARIOS, Action, PauseCounts
from homecare.demo.supervisor import Supervisor

__all__ = ["DayCounts", "Provider"]


@dataclass
class DayCounts:
    """Visits planned, and declined by the customer at the door (R15)."""

    visits: int = 0
    declined: int = 0


@dataclass
class Provider:
    """The provider's staff and customers over `days` simulated days (deterministic for `rng`)."""

    hc: Homecare
    rng: random.Random
    days: int
    clock: Clock = field(default_factory=lambda: Clock(local(START - timedelta(days=1), 8)))
    customers: list[DemoCustomer] = field(default_factory=list)
    staff: list[UUID] = field(default_factory=list)
    regulars: list[UUID] = field(default_factory=list)
    without_sd: list[UUID] = field(default_factory=list)
    actions: dict[int, list[tuple[datetime, Action]]] = field(default_factory=dict)
    counts: DayCounts = field(default_factory=DayCounts)
    pause_counts: PauseCounts = field(default_factory=PauseCounts)

    def __post_init__(self) -> None:
        self.supervisor = Supervisor(self.hc, self.rng, self.clock)

    # -- set-up ----------------------------------------------------------------

    def set_up(self, n_customers: int) -> None:
        """Staff (one without a personnummer, one without an SD number: R5), customers,
        and the pause scenarios of a fifth of them (at least six)."""
        n_staff = max(4, n_customers // 5)
        lacking = self.rng.sample(range(n_staff), 2)
        for i in range(n_staff):
            self.staff.append(
                self.hc.app.register_staff(
                    name=person_name(self.rng),
                    personnummer=None if i == lacking[0] else demo_personnummer(5000 + i),
                    sd_number=None if i == lacking[1] else f"SD{7000 + i}",
                    **self.clock.by(PLANNER),
                )
            )
        self.without_sd.append(self.staff[lacking[1]])
        # The one without a personnummer is a new hire who only stands in for others.
        self.regulars = [s for i, s in enumerate(self.staff) if i != lacking[0]]
        for i in range(n_customers):
            self.customers.append(self._customer(i))
        paused = sorted(
            self.rng.sample(range(n_customers), min(n_customers, max(6, n_customers // 5)))
        )
        for j, i in enumerate(paused):
            SCENARIOS[j % len(SCENARIOS)](self, self.customers[i])

    def _customer(self, i: int) -> DemoCustomer:
        app, by = self.hc.app, self.clock.by
        customer_id = app.register_customer(
            personnummer=demo_personnummer(i),
            name=person_name(self.rng),
            organisation=ORGANISATIONS[i % len(ORGANISATIONS)],
            **by(PLANNER),
        )
        granted = frozenset(self.rng.sample(ACTIVITIES, self.rng.randint(3, 5)))
        kind = self.rng.random()
        if kind >= 0.05:  # some customers have no decision at all (R5)
            expiring = kind < 0.12  # and some a decision that expires during the demo
            app.register_decision(
                customer_id,
                valid_from=START - timedelta(days=90),
                valid_to=START + timedelta(days=self.days // 2) if expiring else None,
                activities=sorted(granted),
                **by(PLANNER),
            )
        ordered = tuple(sorted(self.rng.sample(sorted(granted), self.rng.randint(2, len(granted)))))
        contract = app.open_contract(customer_id, **by(PLANNER))
        order = app.place_order(contract, activities=ordered, **by(PLANNER))
        staff = self.regulars[i % len(self.regulars)]
        return DemoCustomer(customer_id, contract, order, granted, ordered, staff)

    def schedule(self, day: date, hour: int, minute: int, action: Action) -> None:
        """Run `action` at that Stockholm time (after the last day if it falls beyond it)."""
        self.actions.setdefault((day - START).days, []).append((local(day, hour, minute), action))

    # -- a working day ---------------------------------------------------------

    def work_day(self, index: int) -> None:
        """Plan the day's visits, run its actions in time order, then close it (R1)."""
        day = START + timedelta(days=index)
        visits = self._plan(day)
        actions = [*self.actions.pop(index, []), *((v.end, self._performer(v)) for v in visits)]
        for when, action in sorted(actions, key=lambda a: a[0]):
            action(self.clock.at(when))
        self.supervisor.close(day, self.staff, visits)

    def wrap_up(self) -> None:
        """Pause actions scheduled after the last simulated day, in time order."""
        for index in sorted(self.actions):
            for when, action in sorted(self.actions.pop(index), key=lambda a: a[0]):
                action(self.clock.at(when))

    def _plan(self, day: date) -> list[Visit]:
        visits: list[Visit] = []
        planned_at = local(day, 6, 30)
        for customer in self.customers:
            slots = sorted(self.rng.sample(((8, 0), (12, 30), (17, 0)), self.rng.choice((1, 2, 2))))
            for hour, minute in slots:
                start = local(day, hour, minute) + timedelta(minutes=self.rng.randint(0, 40))
                end = start + timedelta(minutes=self.rng.choice((20, 30, 45, 60)))
                substitute = self.rng.random() < 0.1
                staff = self.rng.choice(self.staff) if substitute else customer.staff
                activities = self.rng.sample(customer.ordered, self.rng.randint(1, 2))
                if self.rng.random() < 0.03:  # reported but not granted (R5)
                    activities.append(
                        self.rng.choice([a for a in ACTIVITIES if a not in customer.granted])
                    )
                visit_id = self.hc.app.plan_assignment(
                    order_id=customer.order,
                    staff_id=staff,
                    planned_start=start,
                    planned_end=end,
                    shift_day=day,
                    **self.clock.by(PLANNER, planned_at),
                )
                declined = self.rng.random() < 0.02  # the customer declines at the door (R15)
                visits.append(
                    Visit(visit_id, customer, staff, start, end, tuple(activities), declined)
                )
        self.counts.visits += len(visits)
        return visits

    def _performer(self, visit: Visit) -> Callable[[datetime], None]:
        def perform(at: datetime) -> None:
            if visit.declined:
                self.hc.app.record_declined_visit(
                    visit.id,
                    declined_at=visit.start,
                    declined_by=STAFF,
                    reason="the customer did not want the visit today",
                    actor=STAFF,
                    at=at,
                )
                self.counts.declined += 1
                return
            self.hc.app.record_performance(
                visit.id,
                start=visit.start,
                end=visit.end,
                activities=visit.activities,
                actor=STAFF,
                at=at,
            )

        return perform
