"""One scenario builder for every test that needs a provider, built through the real facade.

Why one: every test of the outbox, the pauses, the month close, the storage and the
entry points needs customers with a contract and an order, staff with valid
personnummer, visits walked through their stages and pauses, all at command times
that always move forward; building them one way keeps the tests about their rule,
not about setup.

    s = Scenario(hc.app)                   # the clock at T0, one second per command
    c = s.customer()                       # Customer(id, contract, order, organisation)
    k = s.staff()                          # a staff member's id
    v = s.visit(c, k, day=date(2026, 3, 2))            # planned ... confirmed (R1)
    p = s.pause("customer", c.id, starts_at, ends_at)  # R7/R8
    w = pair(hc.app)                       # Tolvan and Anna, for the storage tests
    w.visit("attested", start=T0)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from uuid import UUID

from homecare.application import HomecareApplication
from homecare.demo import demo_personnummer
from homecare.domain.citydays import STOCKHOLM
from tests.conftest import ACTOR, T0
from tests.domain.pnr import VALID, VALID_STAFF

__all__ = [
    "ACTOR",
    "HOUR",
    "STAGES",
    "T0",
    "Customer",
    "Pair",
    "Scenario",
    "Stage",
    "forty_five",
    "local",
    "pair",
    "pnr",
]

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
HOSPITAL = "hospital_stay"  # the pause reason unless a test names another

Stage = Literal["planned", "performed", "attested", "confirmed"]
STAGES: tuple[Stage, ...] = ("planned", "performed", "attested", "confirmed")

pnr = demo_personnummer  # the n-th synthetic, checksum-valid test personnummer


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Stockholm wall-clock time (first occurrence in the repeated October hour)."""
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


@dataclass(frozen=True)
class Customer:
    """A customer with one contract and one order under it (the R7 cascade)."""

    id: UUID
    contract: UUID
    order: UUID
    organisation: str


@dataclass
class Scenario:
    """A provider growing through `app`; every command is dated by `tick()`."""

    app: HomecareApplication
    at: datetime = T0
    step: timedelta = SECOND
    customers: list[Customer] = field(default_factory=list)
    staff_count: int = 0

    def tick(self, seconds: int | None = None) -> datetime:
        """The next command time: `step` (or `seconds`) later, as the real clock would be."""
        self.at += self.step if seconds is None else timedelta(seconds=seconds)
        return self.at

    def customer(
        self,
        organisation: str | None = None,
        *,
        decision: bool = True,
        activities: tuple[str, ...] = ("shower", "shopping"),
        personnummer: str | None = None,
        name: str | None = None,
    ) -> Customer:
        """The n-th customer (`pnr(n)`, "Customer n", "Team n%3" unless given), with a
        decision for `activities` from 2026-01-01 (R5) unless `decision` is False, one
        contract and one order for `activities`."""
        app, n = self.app, len(self.customers)
        organisation = f"Team {n % 3}" if organisation is None else organisation
        cid = app.register_customer(
            personnummer=pnr(n) if personnummer is None else personnummer,
            name=f"Customer {n}" if name is None else name,
            organisation=organisation,
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
        made = Customer(cid, contract, order, organisation)
        self.customers.append(made)
        return made

    def staff(
        self,
        *,
        personnummer: bool | str = True,
        sd_number: bool | str = True,
        name: str | None = None,
    ) -> UUID:
        """The k-th staff member: "Staff k", `pnr(500 + k)` and "SD000k" unless given or False."""
        self.staff_count += 1
        k = self.staff_count
        return self.app.register_staff(
            name=f"Staff {k}" if name is None else name,
            personnummer=_given(personnummer, pnr(500 + k)),
            sd_number=_given(sd_number, f"SD{k:04d}"),
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
        until: Stage = "confirmed",
    ) -> UUID:
        """A half-hour visit at 09:00 UTC on `day`, walked up to `until`; it is reported
        once it is done (D11): the clock jumps to its end if it is not there yet."""
        start = datetime(day.year, day.month, day.day, 9, tzinfo=T0.tzinfo)
        end = start + timedelta(minutes=30)
        return walk(
            self.app,
            customer.order,
            staff,
            start,
            end,
            until,
            activities,
            ACTOR,
            self._reported_after(end),
        )

    def _reported_after(self, end: datetime) -> Iterator[datetime]:
        """Command times for a visit: planned now, reported once it is done (D11)."""
        yield self.tick()
        self.at = max(self.at, end)
        while True:
            yield self.tick()

    def pause(
        self,
        level: str,
        target: UUID,
        starts_at: datetime,
        ends_at: datetime | None = None,
        *,
        reason: str = HOSPITAL,
        reason_text: str | None = None,
        actor: str = ACTOR,
        at: datetime | None = None,
    ) -> UUID:
        """A pause on the customer, contract or order `target` (R7), notified now and
        made at `tick()` (R8); or notified and made at `at`, the clock left alone."""
        return self.app.create_pause(
            level=level,
            target_id=target,
            notified_at=self.at if at is None else at,
            reason=reason,
            reason_text=reason_text,
            starts_at=starts_at,
            ends_at=ends_at,
            actor=actor,
            at=self.tick() if at is None else at,
        )

    def log_length(self) -> int:
        """How many events the store holds (its notification log's last id)."""
        return self.app.recorder.max_notification_id() or 0


@dataclass(frozen=True)
class Pair:
    """One customer (no decision) with an order, and one staff member: the storage tests'
    world; each visit is planned the day before it starts and reported when it ends."""

    scenario: Scenario
    customer: UUID
    contract: UUID
    order: UUID
    staff: UUID

    @property
    def app(self) -> HomecareApplication:
        return self.scenario.app

    def visit(self, stage: Stage, *, start: datetime = T0, actor: str = ACTOR) -> UUID:
        """Plan a one-hour visit in the staff member's shift of `start`'s day, up to `stage`."""
        end = start + HOUR
        times = iter((start - timedelta(days=1), end, end, end + HOUR))
        return walk(self.app, self.order, self.staff, start, end, stage, ("shower",), actor, times)

    def pause(
        self, level: str, target: UUID, *period: datetime, at: datetime = T0, reason: str = HOSPITAL
    ) -> UUID:
        """A pause on `target` over `period` (starts, ends if any) (R7), notified and made
        at `at`."""
        return self.scenario.pause(level, target, *period, reason=reason, at=at)

    def log_length(self) -> int:
        return self.scenario.log_length()


def pair(app: HomecareApplication, *, at: datetime = T0 - timedelta(days=30)) -> Pair:
    """Tolvan Tolvansson (Team Norr; shower and shopping) and Anna Andersson (SD-1),
    every command at `at`."""
    s = Scenario(app, at=at, step=timedelta(0))
    c = s.customer("Team Norr", decision=False, personnummer=VALID, name="Tolvan Tolvansson")
    staff = s.staff(name="Anna Andersson", personnummer=VALID_STAFF, sd_number="SD-1")
    return Pair(s, c.id, c.contract, c.order, staff)


def forty_five(world: Scenario) -> tuple[UUID, set[UUID]]:
    """The buffer issue's scenario: 45 customers with one confirmed visit each, 3 of them
    (the 8th, 22nd and 34th) by a staff member without an SD number (R5); returns that
    staff member and the 3 visits it holds back."""
    good = world.staff()
    no_sd = world.staff(sd_number=False)
    held: set[UUID] = set()
    for n in range(45):
        customer = world.customer()
        if n in (7, 21, 33):
            held.add(world.visit(customer, no_sd))
        else:
            world.visit(customer, good)
    return no_sd, held


def walk(
    app: HomecareApplication,
    order: UUID,
    staff: UUID,
    start: datetime,
    end: datetime,
    until: Stage,
    activities: tuple[str, ...],
    actor: str,
    times: Iterator[datetime],
) -> UUID:
    """Plan a visit in the staff member's shift of `start`'s day and walk it up to `until`,
    each stage at the next time of `times` (planned, performed, attested, confirmed)."""
    visit = app.plan_assignment(
        order_id=order,
        staff_id=staff,
        planned_start=start,
        planned_end=end,
        shift_day=start.date(),
        actor=actor,
        at=next(times),
    )
    reached = STAGES.index(until)
    if reached >= 1:
        app.record_performance(
            visit, start=start, end=end, activities=activities, actor=actor, at=next(times)
        )
    if reached >= 2:
        app.attest_assignments([visit], actor=actor, at=next(times))
    if reached >= 3:
        app.confirm_assignment(visit, actor=actor, at=next(times))
    return visit


def _given(value: bool | str, default: str) -> str | None:
    """A field given as a value, as True (the default) or False (none)."""
    if isinstance(value, str):
        return value
    return default if value else None
