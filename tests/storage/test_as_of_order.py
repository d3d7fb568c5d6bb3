"""D6: `audit.as_of` shows each of a customer's records as its own events made it by then.

D11 orders time within one record only: a command may be dated before events of
other records already in the log (a customer entered today for next week, then
this week's visits). as_of once stopped reading the log at the first event dated
after the instant asked, whichever record it belonged to, and lost the customer's
records logged behind it. Here a later-dated record is logged first, and a
generated log of commands dated every which way across records (each record's own
forward) is read as of many instants: as_of must agree with `get_as_of` on every
record, on both stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from homecare.application import HomecareApplication
from homecare.audit import as_of, history
from homecare.bootstrap import Homecare, connect
from homecare.domain import Assignment, AssignmentStatus, Contract, Order, Pause
from homecare.domain.citydays import STOCKHOLM
from homecare.domain.shift import WorkShift
from homecare.errors import AssignmentInPauseError
from tests.scenario import ACTOR, HOUR, pnr
from tests.storage.generated_logs import STORES, fresh

T = datetime(2026, 3, 2, 8, tzinfo=UTC)
DAY = timedelta(days=1)


def _customer(app: HomecareApplication, n: int, at: datetime) -> tuple[UUID, UUID, UUID]:
    """Customer n with a decision (R5), a contract and an order, all at `at`."""
    customer = app.register_customer(
        personnummer=pnr(n), name=f"Customer {n}", organisation="Team Norr", actor=ACTOR, at=at
    )
    app.register_decision(
        customer,
        valid_from=date(2026, 1, 1),
        valid_to=None,
        activities=["shower"],
        actor=ACTOR,
        at=at,
    )
    contract = app.open_contract(customer, actor=ACTOR, at=at)
    order = app.place_order(contract, activities=["shower"], actor=ACTOR, at=at)
    return customer, contract, order


def _visit(app: HomecareApplication, order: UUID, staff: UUID, start: datetime) -> UUID:
    """A half-hour visit planned at its start, reported an hour later, confirmed after."""
    visit = app.plan_assignment(
        order_id=order,
        staff_id=staff,
        planned_start=start,
        planned_end=start + HOUR / 2,
        shift_day=start.astimezone(STOCKHOLM).date(),
        actor=ACTOR,
        at=start,
    )
    app.record_performance(
        visit,
        start=start,
        end=start + HOUR / 2,
        activities=["shower"],
        actor=ACTOR,
        at=start + HOUR,
    )
    app.attest_assignments([visit], actor=ACTOR, at=start + 2 * HOUR)
    app.confirm_assignment(visit, actor=ACTOR, at=start + 2 * HOUR)
    return visit


def test_D6_as_of_finds_the_records_logged_behind_a_later_dated_one(hc: Homecare) -> None:
    app = hc.app
    customer, contract, order = _customer(app, 0, T)
    staff = app.register_staff(
        name="Anna", personnummer=pnr(500), sd_number="SD-1", actor=ACTOR, at=T
    )
    _customer(app, 1, T + 7 * DAY)  # entered now, dated a week later
    visit = _visit(app, order, staff, T + DAY)
    pause = app.create_pause(
        level="customer",
        target_id=customer,
        notified_at=T + 2 * DAY,
        reason="hospital_stay",
        starts_at=T + 3 * DAY,
        ends_at=T + 4 * DAY,
        actor=ACTOR,
        at=T + 2 * DAY,
    )
    hc.catch_up()
    created = next(e.position for e in history(hc, customer) if e.event == "PauseCreated")

    then = as_of(hc, customer, T + 5 * DAY, page_size=3)
    assert (then.contracts, then.orders) == ([contract], [order])
    assert [(p.pause_id, p.status, p.active) for p in then.pauses] == [(pause, "new", False)]
    assert [(a.assignment_id, a.status, a.integration_status) for a in then.assignments] == [
        (visit, "confirmed", "queued")
    ]
    assert then.replayed_to == created  # the last event the buffer reads
    assert then == as_of(hc, customer, T + 5 * DAY)

    before = as_of(hc, customer, T + DAY + HOUR / 2)
    assert before.pauses == []
    assert [(a.status, a.integration_status) for a in before.assignments] == [
        ("planned", "not_confirmed")
    ]
    assert before.replayed_to < then.replayed_to


# -- generated: commands dated every which way across records -------------------------

_H = st.integers(0, 240)  # hours after T
_I = st.integers(0, 5)  # which of the records made so far (modulo)
STEP = st.one_of(
    st.tuples(st.just("contract"), _H),
    st.tuples(st.just("order"), _I, _H),
    st.tuples(st.just("visit"), _I, st.integers(0, 1), _H, st.integers(0, 3)),
    st.tuples(
        st.just("pause"),
        st.sampled_from(["customer", "contract", "order"]),
        _I,
        _H,
        st.sampled_from(["new", "changed", "cancelled"]),
    ),
    st.tuples(st.just("other"), _H),
    st.tuples(st.just("staff"), _H),
)
"""One command (tuples, so hypothesis shrinks them); `_H` is when it is wanted, moved on
to the last event of each record it writes to or stands on (D11)."""

TOUR: list[tuple[Any, ...]] = [
    ("other", 200),
    ("contract", 10),
    ("order", 1, 12),
    ("visit", 1, 1, 20, 3),  # held: no SD number (R5)
    ("pause", "order", 2, 30, "changed"),
    ("other", 150),
    ("visit", 0, 0, 40, 3),  # waits behind the held one (D4)
    ("staff", 100),  # released
    ("pause", "customer", 0, 5, "cancelled"),
    ("visit", 0, 0, 6, 1),
]


@dataclass
class _World:
    app: HomecareApplication
    customer: UUID
    staff: list[UUID]
    contracts: list[UUID] = field(default_factory=list)
    orders: list[UUID] = field(default_factory=list)
    pauses: list[UUID] = field(default_factory=list)
    visits: list[UUID] = field(default_factory=list)
    last: dict[Any, datetime] = field(default_factory=dict)
    others: int = 0

    def when(self, hours: int, *records: Any) -> datetime:
        """`hours` after T, or the last event of any of `records` if that is later."""
        return max([T + hours * HOUR, *(self.last.get(r, T) for r in records)])


def _play(hc: Homecare, steps: list[tuple[Any, ...]]) -> _World:
    app = hc.app
    customer, contract, order = _customer(app, 0, T)
    staff = [
        app.register_staff(name="Anna", personnummer=pnr(500), sd_number="SD-1", actor=ACTOR, at=T),
        app.register_staff(name="Bo", personnummer=pnr(501), actor=ACTOR, at=T),
    ]
    world = _World(app, customer, staff, [contract], [order])
    for step in steps:
        _STEPS[step[0]](world, *step[1:])
    return world


def _contract(w: _World, hours: int) -> None:
    w.contracts.append(w.app.open_contract(w.customer, actor=ACTOR, at=w.when(hours)))
    w.last[w.contracts[-1]] = w.when(hours)


def _order(w: _World, i: int, hours: int) -> None:
    contract = w.contracts[i % len(w.contracts)]
    at = w.when(hours, contract)
    w.orders.append(w.app.place_order(contract, activities=["shower"], actor=ACTOR, at=at))
    w.last[w.orders[-1]] = at


def _visit_step(w: _World, i: int, s: int, hours: int, stage: int) -> None:
    """A visit of one of the customer's orders, walked up to planned ... confirmed."""
    order, staff = w.orders[i % len(w.orders)], w.staff[s]
    start = w.when(hours, order)
    shift = WorkShift.id_for(staff, start.astimezone(STOCKHOLM).date())
    start = w.when(hours, order, shift)
    end = start + HOUR / 2
    visit = w.app.plan_assignment(
        order_id=order,
        staff_id=staff,
        planned_start=start,
        planned_end=end,
        shift_day=start.astimezone(STOCKHOLM).date(),
        actor=ACTOR,
        at=start,
    )
    w.visits.append(visit)
    w.last[shift] = w.last[visit] = start
    if stage >= 1:
        w.app.record_performance(
            visit, start=start, end=end, activities=["shower"], actor=ACTOR, at=start + HOUR
        )
        w.last[visit] = start + HOUR
    if stage >= 2:
        w.app.attest_assignments([visit], actor=ACTOR, at=start + 2 * HOUR)
        w.last[visit] = start + 2 * HOUR
    if stage >= 3:
        try:
            w.app.confirm_assignment(visit, actor=ACTOR, at=start + 3 * HOUR)
        except AssignmentInPauseError:  # a visit in a pause is not confirmed; left attested
            return
        w.last[visit] = start + 3 * HOUR


def _pause_step(w: _World, level: str, i: int, hours: int, fate: str) -> None:
    """A pause of the customer, a contract or an order (R7), then changed or cancelled."""
    targets = {"customer": [w.customer], "contract": w.contracts, "order": w.orders}[level]
    target = targets[i % len(targets)]
    at = w.when(hours, target)
    pause = w.app.create_pause(
        level=level,
        target_id=target,
        notified_at=at,
        reason="hospital_stay",
        starts_at=at + HOUR,
        ends_at=at + DAY,
        actor=ACTOR,
        at=at,
    )
    w.pauses.append(pause)
    w.last[target] = w.last[pause] = at
    if fate == "changed":
        w.app.change_pause(pause, ends_at=at + 2 * DAY, actor=ACTOR, at=at + HOUR)
    elif fate == "cancelled":
        w.app.cancel_pause(pause, actor=ACTOR, at=at + 2 * HOUR)
    w.last[pause] = at + 2 * HOUR


def _other(w: _World, hours: int) -> None:
    """Another customer with a confirmed visit: events of other records, any date."""
    w.others += 1
    _, _, order = _customer(w.app, w.others, T + hours * HOUR)  # personnummer: one each
    start = w.when(hours)
    shift = WorkShift.id_for(w.staff[0], start.astimezone(STOCKHOLM).date())
    start = w.when(hours, shift)
    visit = _visit(w.app, order, w.staff[0], start)
    w.last[shift] = start
    w.last[visit] = start + 2 * HOUR


def _staff(w: _World, hours: int) -> None:
    """The second staff member given an SD number (R6: their held reports released)."""
    at = w.when(hours, "staff")
    w.others += 1  # a new number each time: an update that changes nothing is refused
    w.app.update_staff(w.staff[1], sd_number=f"SD-{w.others}", actor=ACTOR, at=at)
    w.last["staff"] = at


_STEPS = {
    "contract": _contract,
    "order": _order,
    "visit": _visit_step,
    "pause": _pause_step,
    "other": _other,
    "staff": _staff,
}


def _agrees(hc: Homecare, world: _World, at: datetime) -> None:
    """as_of at `at` equals each of the customer's records as `get_as_of` reads it."""
    app, then = hc.app, as_of(hc, world.customer, at)
    assert then.contracts == [c for c in world.contracts if app.get_as_of(Contract, c, at)]
    assert then.orders == [o for o in world.orders if app.get_as_of(Order, o, at)]
    pauses = [p for i in world.pauses if (p := app.get_as_of(Pause, i, at))]
    assert [
        (p.pause_id, p.status, p.starts_at, p.ends_at, p.cancelled_at) for p in then.pauses
    ] == [(p.id, p.status.value, p.starts_at, p.ends_at, p.cancelled_at) for p in pauses]
    visits = [a for i in world.visits if (a := app.get_as_of(Assignment, i, at))]
    assert [(a.assignment_id, a.status, a.performed_start) for a in then.assignments] == [
        (a.id, a.status.value, a.performed_start) for a in visits
    ]
    for shown, visit in zip(then.assignments, visits, strict=True):
        confirmed = visit.status is AssignmentStatus.CONFIRMED
        assert (shown.integration_status != "not_confirmed") is confirmed, shown


@pytest.mark.parametrize("store", STORES)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(STEP, min_size=3, max_size=12),
    probes=st.lists(st.integers(0, 250), min_size=1, max_size=3),
)
@example(steps=TOUR, probes=[0, 25, 45, 120, 250])
def test_D6_as_of_agrees_with_each_record_read_as_of_the_same_instant(
    store: str, request: pytest.FixtureRequest, steps: list[tuple[Any, ...]], probes: list[int]
) -> None:
    with fresh(store, request) as url, connect(url) as hc:
        world = _play(hc, steps)
        hc.catch_up()
        for hours in probes:
            _agrees(hc, world, T + hours * HOUR)


def test_R14_as_of_reads_queued_messages_in_chunks(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live positions of the queued reports are read in chunks (PostgreSQL takes at
    most 65,535 parameters in one statement, D7): one chunk or one per report, the same."""
    app = hc.app
    customer, _, order = _customer(app, 0, T)
    staff = app.register_staff(
        name="Anna", personnummer=pnr(500), sd_number="SD-1", actor=ACTOR, at=T
    )
    visits = [_visit(app, order, staff, T + DAY + i * HOUR) for i in range(5)]
    hc.catch_up()
    served = hc.buffer.fetch(limit=2, at=T + 2 * DAY)
    hc.buffer.fetch(after=served.cursor, limit=1, at=T + 3 * DAY)  # the first two received
    whole = as_of(hc, customer, T + 4 * DAY)
    monkeypatch.setattr("homecare.audit._as_of.CHUNK", 1)
    assert as_of(hc, customer, T + 4 * DAY) == whole
    statuses = {a.assignment_id: a.integration_status for a in whole.assignments}
    assert sorted(statuses.values()) == ["delivered"] * 2 + ["queued"] * 3
    assert set(statuses) == set(visits)
