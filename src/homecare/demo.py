"""`homecare demo`: a synthetic Stockholm provider run through the real facade, then drained.

Why a demo as the main command: it shows the whole library working on the
SQLite default in one go. Customers with decisions (some without, some
expiring), contracts, orders, staff (a few without a personnummer or an SD
number, R5), work shifts, visits (some reporting activities the decision does
not grant), pauses on all three levels (R7, R8, R11, R12; two over a DST
switch, D5), attestation and confirmation one by one and by whole shift with a
correction (R1), visits inside pauses refused (R7). Then the city's poller on
simulated time (R3): every five minutes it catches up and fetches batches of
20, each fetch acknowledging the last, until a poll gets nothing more; between
two polls an operator fixes problems at the source (R6).

Deterministic for a seed: `random.Random(seed)` and a simulated clock (the
library reads no clock), so the same seed gives the same summary. Ids are
random UUIDs and differ between runs. Personal identity numbers are synthetic
(`demo_personnummer`), never real ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from homecare.application import VisitReport
from homecare.bootstrap import Homecare
from homecare.domain.assignment import Assignment
from homecare.domain.citydays import STOCKHOLM
from homecare.domain.customer import Customer
from homecare.errors import AssignmentInPauseError, ConfirmationRejectedError, InvalidInputError

__all__ = ["START", "DemoSummary", "ProgressCallback", "demo_personnummer", "run_demo"]

START = date(2026, 3, 25)
"""The first simulated day: a default week spans the spring DST switch of 2026-03-29 (D5)."""

ACTIVITIES = (
    "shower",
    "shopping",
    "cleaning",
    "meals",
    "supervision",
    "laundry",
    "medication",
    "walk",
)
ORGANISATIONS = ("Team Norr", "Team Söder", "Team Väster")
FIRST_NAMES = ("Astrid", "Bertil", "Dagny", "Evert", "Gunnel", "Holger", "Inga", "Sture")
LAST_NAMES = ("Berg", "Holm", "Lind", "Nyström", "Sjöberg", "Ek", "Wall", "Falk")
POLL_INTERVAL = timedelta(minutes=5)
BATCH = 20
MAX_POLLS = 1000
PLANNER, STAFF, SUPERVISOR, OPERATOR = (
    "demo-planner",
    "demo-staff",
    "demo-supervisor",
    "demo-operator",
)

ProgressCallback = Callable[[str, int, int | None], None]
"""Called as progress(phase, completed, total); total None while it is not known."""


class DemoSummary(BaseModel):
    """What the demo did, and what the buffer and the city's poller saw."""

    model_config = ConfigDict(frozen=True)

    seed: int
    first_day: date
    last_day: date
    customers: int
    staff: int
    visits: int
    confirmed: int
    skipped_in_pause: int
    corrected_in_shift: int
    declined: int
    pauses: int
    pause_changes: int
    pause_cancellations: int
    staff_fixed: int
    corrected_after_hold: int
    drained: bool
    delivered: int
    held: int
    held_by_reason: dict[str, int]
    polls: int
    fetches: int
    cursor: str | None


def demo_personnummer(n: int) -> str:
    """The n-th synthetic personnummer (born 1930-1941, Luhn check digit computed)."""
    body = f"19{30 + n // 336 % 12:02d}{n // 28 % 12 + 1:02d}{n % 28 + 1:02d}{n * 7 % 997 + 1:03d}"
    total = 0
    for i, ch in enumerate(body[2:]):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"{body[:8]}-{body[8:]}{(10 - total % 10) % 10}"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time as a UTC instant (UTC: comparisons are right over DST)."""
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM).astimezone(UTC)


def run_demo(
    hc: Homecare,
    *,
    customers: int = 40,
    days: int = 7,
    seed: int = 1,
    drain: bool = True,
    progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Build the provider, run its days, and (unless `drain` is False) the city's poller.

    Only on an empty store: synthetic customers must never mix with real ones,
    and the simulated clock starts on START.
    """
    if not 1 <= customers <= 10_000 or not 1 <= days <= 366:
        raise InvalidInputError("The demo needs 1-10000 customers and 1-366 days.")
    if hc.app.recorder.max_notification_id():
        raise InvalidInputError(
            "The demo writes synthetic data and needs an empty store; this one holds events. "
            "Point --db at a new file, e.g. --db sqlite:///demo.db."
        )
    report = progress or (lambda _phase, _done, _total: None)
    provider = _Provider(hc, random.Random(seed), days)  # noqa: S311 - synthetic data
    report("Setting up the provider", 0, days + 1)
    provider.set_up(customers)
    for index in range(days):
        report(f"Working {START + timedelta(days=index)}", index + 1, days + 1)
        provider.work_day(index)
    provider.wrap_up()
    report("Provider done", days + 1, days + 1)
    city = _City(hc, provider)
    if drain:
        city.drain(report)
    else:
        hc.catch_up()
    return provider.summary(seed, city)


@dataclass
class _Clock:
    """Simulated time: strictly increasing, so the log's timestamps follow its order."""

    now: datetime

    def at(self, when: datetime | None = None) -> datetime:
        step = self.now + timedelta(seconds=1)
        self.now = when if when is not None and when > step else step
        return self.now


@dataclass
class _Customer:
    id: UUID
    contract: UUID
    order: UUID
    granted: frozenset[str]
    ordered: tuple[str, ...]
    staff: UUID


@dataclass(frozen=True)
class _Visit:
    id: UUID
    customer: _Customer
    staff: UUID
    start: datetime
    end: datetime
    activities: tuple[str, ...]
    declined: bool = False


Action = tuple[datetime, Callable[[datetime], None]]


@dataclass
class _Provider:
    hc: Homecare
    rng: random.Random
    days: int
    clock: _Clock = field(default_factory=lambda: _Clock(local(START - timedelta(days=1), 8)))
    customers: list[_Customer] = field(default_factory=list)
    staff: list[UUID] = field(default_factory=list)
    regulars: list[UUID] = field(default_factory=list)
    without_sd: list[UUID] = field(default_factory=list)
    actions: dict[int, list[Action]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    # -- set-up ----------------------------------------------------------------

    def set_up(self, n_customers: int) -> None:
        n_staff = max(4, n_customers // 5)
        lacking = self.rng.sample(range(n_staff), 2)
        for i in range(n_staff):
            self.staff.append(
                self.hc.app.register_staff(
                    name=f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
                    personnummer=None if i == lacking[0] else demo_personnummer(5000 + i),
                    sd_number=None if i == lacking[1] else f"SD{7000 + i}",
                    actor=PLANNER,
                    at=self.clock.at(),
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
            _SCENARIOS[j % len(_SCENARIOS)](self, self.customers[i])

    def _customer(self, i: int) -> _Customer:
        app, at = self.hc.app, self.clock.at
        customer_id = app.register_customer(
            personnummer=demo_personnummer(i),
            name=f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
            organisation=ORGANISATIONS[i % len(ORGANISATIONS)],
            actor=PLANNER,
            at=at(),
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
                actor=PLANNER,
                at=at(),
            )
        ordered = tuple(sorted(self.rng.sample(sorted(granted), self.rng.randint(2, len(granted)))))
        contract = app.open_contract(customer_id, actor=PLANNER, at=at())
        order = app.place_order(contract, activities=ordered, actor=PLANNER, at=at())
        staff = self.regulars[i % len(self.regulars)]
        return _Customer(customer_id, contract, order, granted, ordered, staff)

    def schedule(
        self, day: date, hour: int, minute: int, action: Callable[[datetime], None]
    ) -> None:
        """Run `action` at that Stockholm time (after the last day if it falls beyond it)."""
        self.actions.setdefault((day - START).days, []).append((local(day, hour, minute), action))

    # -- a working day ---------------------------------------------------------

    def work_day(self, index: int) -> None:
        day = START + timedelta(days=index)
        visits = self._plan(day)
        actions = [*self.actions.pop(index, []), *((v.end, self._performer(v)) for v in visits)]
        for when, action in sorted(actions, key=lambda a: a[0]):
            action(self.clock.at(when))
        self._close(day, visits)

    def wrap_up(self) -> None:
        """Pause actions scheduled after the last simulated day, in time order."""
        for index in sorted(self.actions):
            for when, action in sorted(self.actions.pop(index), key=lambda a: a[0]):
                action(self.clock.at(when))

    def _plan(self, day: date) -> list[_Visit]:
        visits: list[_Visit] = []
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
                    actor=PLANNER,
                    at=self.clock.at(planned_at),
                )
                declined = self.rng.random() < 0.02  # the customer declines at the door (R15)
                visits.append(
                    _Visit(visit_id, customer, staff, start, end, tuple(activities), declined)
                )
        self.count("visits", len(visits))
        return visits

    def _performer(self, visit: _Visit) -> Callable[[datetime], None]:
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
                self.count("declined")
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

    def _close(self, day: date, visits: list[_Visit]) -> None:
        """R1: the supervisor attests each shift, then confirms it whole or visit by visit."""
        shifts: dict[UUID, list[_Visit]] = {}
        for visit in visits:
            shifts.setdefault(visit.staff, []).append(visit)
        for staff in self.staff:
            shift = shifts.get(staff)
            if not shift:
                continue
            ids = [v.id for v in shift]
            self.hc.app.attest_assignments(
                ids, actor=SUPERVISOR, at=self.clock.at(local(day, 20, 30))
            )
            mode = self.rng.random()
            if mode < 0.45:
                self._confirm_shift(staff, day, shift)
            elif mode < 0.9:
                self._confirm_selected(ids)
            else:
                self.count("confirmed", sum(self._confirm_one(visit_id) for visit_id in ids))

    def _confirm_shift(self, staff: UUID, day: date, shift: list[_Visit]) -> None:
        corrections = {
            v.id: VisitReport(
                v.start, v.end, tuple(a for a in v.activities if a in v.customer.granted)
            )
            for v in shift
            if not v.declined
            and not set(v.activities) <= v.customer.granted
            and self.rng.random() < 0.5
        }
        try:
            confirmed = self.hc.app.confirm_shift(
                staff, day, corrections=corrections, actor=SUPERVISOR, at=self.clock.at()
            )
        except ConfirmationRejectedError as error:
            if not isinstance(error.cause, AssignmentInPauseError):
                raise
            self.count("skipped_in_pause")  # the shift cannot go whole: confirm the rest
            self._confirm_selected([v.id for v in shift if v.id != error.assignment_id])
            return
        self.count("confirmed", len(confirmed))
        self.count("corrected_in_shift", len(corrections))

    def _confirm_selected(self, ids: list[UUID]) -> None:
        remaining = list(ids)
        while remaining:
            try:
                self.hc.app.confirm_assignments(remaining, actor=SUPERVISOR, at=self.clock.at())
            except ConfirmationRejectedError as error:
                if not isinstance(error.cause, AssignmentInPauseError):
                    raise
                self.count("skipped_in_pause")
                remaining.remove(error.assignment_id)  # type: ignore[arg-type]
                continue
            self.count("confirmed", len(remaining))
            return

    def _confirm_one(self, visit_id: UUID) -> bool:
        try:
            self.hc.app.confirm_assignment(visit_id, actor=SUPERVISOR, at=self.clock.at())
        except AssignmentInPauseError:
            self.count("skipped_in_pause")
            return False
        return True

    # -- the operator's fixes at the source (R6) --------------------------------

    def fix_problems(self, at: datetime) -> None:
        for staff in self.without_sd:
            self.hc.app.update_staff(
                staff, sd_number="SD7999", actor=OPERATOR, at=self.clock.at(at)
            )
            self.count("staff_fixed")
        self.hc.catch_up()
        for group in self.hc.buffer.problems():
            if group.reason == "activity_not_granted" and group.items:
                self._correct_held(group.items[0].assignment_id, group.items[0].business_date)
                return

    def _correct_held(self, visit_id: UUID | None, day: date) -> None:
        """R6: correct the visit in the assignment report, attest and confirm it again."""
        assert visit_id is not None
        app = self.hc.app
        visit = app.get(Assignment, visit_id)
        decision = app.get(Customer, visit.customer_id).decision_on(day)
        kept = [a for a in visit.activities if decision is not None and a in decision.activities]
        if not kept or visit.performed_period is None:
            return
        start, end = visit.performed_period
        app.correct_assignment(
            visit_id, start=start, end=end, activities=kept, actor=OPERATOR, at=self.clock.at()
        )
        app.attest_assignments([visit_id], actor=SUPERVISOR, at=self.clock.at())
        if self._confirm_one(visit_id):
            self.count("corrected_after_hold")

    def summary(self, seed: int, city: _City) -> DemoSummary:
        problems = self.hc.buffer.problems()
        held = {item.message_id for group in problems for item in group.items}
        return DemoSummary(
            seed=seed,
            first_day=START,
            last_day=START + timedelta(days=self.days - 1),
            customers=len(self.customers),
            staff=len(self.staff),
            visits=self.counts.get("visits", 0),
            confirmed=self.counts.get("confirmed", 0),
            skipped_in_pause=self.counts.get("skipped_in_pause", 0),
            corrected_in_shift=self.counts.get("corrected_in_shift", 0),
            declined=self.counts.get("declined", 0),
            pauses=self.counts.get("pauses", 0),
            pause_changes=self.counts.get("pause_changes", 0),
            pause_cancellations=self.counts.get("pause_cancellations", 0),
            staff_fixed=self.counts.get("staff_fixed", 0),
            corrected_after_hold=self.counts.get("corrected_after_hold", 0),
            drained=city.polls > 0,
            delivered=city.delivered,
            held=len(held),
            held_by_reason={g.reason: len(g.items) for g in problems},
            polls=city.polls,
            fetches=city.fetches,
            cursor=city.cursor,
        )


@dataclass
class _City:
    """The city's poller (R3): every five minutes, batches of 20 until nothing more comes."""

    hc: Homecare
    provider: _Provider
    polls: int = 0
    fetches: int = 0
    delivered: int = 0
    cursor: str | None = None

    def drain(self, report: ProgressCallback) -> None:
        mark = self.hc.buffer.delivered_position()
        self.cursor = str(mark) if mark else None
        poll_at = local(START + timedelta(days=self.provider.days), 6)
        fixed = False
        while self.polls < MAX_POLLS:
            self.provider.clock.at(poll_at)
            got = self.poll()
            report(f"City poll {self.polls}: {got} items", self.polls, None)
            if got == 0 and fixed:
                return
            if not fixed:
                self.provider.fix_problems(poll_at + timedelta(minutes=2))
                fixed = True
            poll_at += POLL_INTERVAL

    def poll(self) -> int:
        """One poll: catch up, then fetch until a fetch returns nothing (it acknowledges all)."""
        self.polls += 1
        self.hc.catch_up()
        got = 0
        while True:
            result = self.hc.buffer.fetch(
                after=self.cursor, limit=BATCH, at=self.provider.clock.now
            )
            self.fetches += 1
            if result.cursor is not None:
                self.cursor = result.cursor
            got += len(result.items)
            if not result.items:
                break
        self.delivered += got
        return got


# -- pause scenarios (R7, R8, R11, R12, D5) ---------------------------------------


@dataclass
class _PauseScript:
    """One pause's life in the demo: created, maybe changed or cancelled, at scheduled times."""

    provider: _Provider
    level: str
    target: UUID
    starts_at: datetime
    ends_at: datetime | None
    reason: str = "hospital_stay"
    reason_text: str | None = None
    pause_id: UUID | None = None

    def create(self, at: datetime) -> None:
        self.pause_id = self.provider.hc.app.create_pause(
            level=self.level,
            target_id=self.target,
            notified_at=at,
            reason=self.reason,
            reason_text=self.reason_text,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            actor=PLANNER,
            at=at,
        )
        self.provider.count("pauses")

    def change(self, **fields: datetime | None) -> Callable[[datetime], None]:
        def change(at: datetime) -> None:
            assert self.pause_id is not None
            self.provider.hc.app.change_pause(self.pause_id, **fields, actor=PLANNER, at=at)  # type: ignore[arg-type]
            self.provider.count("pause_changes")

        return change

    def cancel(self, at: datetime) -> None:
        assert self.pause_id is not None
        self.provider.hc.app.cancel_pause(self.pause_id, actor=PLANNER, at=at)
        self.provider.count("pause_cancellations")


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


def _spring_dst(p: _Provider, c: _Customer) -> None:
    """A hospital stay of the customer over the night the clocks go forward (D5)."""
    pause = _PauseScript(
        p, "customer", c.id, local(date(2026, 3, 28), 18), local(date(2026, 3, 30), 10)
    )
    p.schedule(date(2026, 3, 27), 7, 10, pause.create)


def _moved_end(p: _Provider, c: _Customer) -> None:
    """A contract pause on the customer's own request whose end is moved (R8: Changed)."""
    pause = _PauseScript(
        p, "contract", c.contract, local(_day(1), 7), local(_day(2), 7), "own_request"
    )
    p.schedule(_day(0), 7, 5, pause.create)
    p.schedule(_day(1), 7, 15, pause.change(ends_at=local(_day(3), 7)))


def _cancelled_before_start(p: _Provider, c: _Customer) -> None:
    """An order pause for a short-term stay, cancelled before it starts (no effective period)."""
    pause = _PauseScript(
        p, "order", c.order, local(_day(4), 0), local(_day(6), 0), "short_term_stay"
    )
    p.schedule(_day(0), 7, 20, pause.create)
    p.schedule(_day(2), 9, 0, pause.cancel)


def _open_then_ended(p: _Provider, c: _Customer) -> None:
    """An ongoing customer pause with no end; an end is set later, which inactivates it (R12)."""
    pause = _PauseScript(p, "customer", c.id, local(_day(2), 12), None)
    p.schedule(_day(2), 8, 0, pause.create)
    p.schedule(_day(4), 10, 0, pause.change(ends_at=local(_day(4), 12)))


def _autumn_dst(p: _Provider, c: _Customer) -> None:
    """An order pause over the night the clocks go back (D5), notified well ahead."""
    pause = _PauseScript(
        p,
        "order",
        c.order,
        local(date(2026, 10, 24), 9),
        local(date(2026, 10, 26), 9),
        "other",
        "Family visit abroad",
    )
    p.schedule(_day(1), 7, 30, pause.create)


def _edited_then_cancelled(p: _Provider, c: _Customer) -> None:
    """A contract pause whose start is edited, then cancelled while ongoing (R11)."""
    pause = _PauseScript(
        p, "contract", c.contract, local(_day(3), 10), local(_day(5), 10), "own_request"
    )
    p.schedule(_day(3), 7, 0, pause.create)
    p.schedule(_day(3), 9, 30, pause.change(starts_at=local(_day(3), 13)))
    p.schedule(_day(4), 8, 0, pause.cancel)


_SCENARIOS: tuple[Callable[[_Provider, _Customer], None], ...] = (
    _spring_dst,
    _moved_end,
    _cancelled_before_start,
    _open_then_ended,
    _autumn_dst,
    _edited_then_cancelled,
)
