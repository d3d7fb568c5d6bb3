"""R7: a pause on a customer, contract or order, and what it pauses; through the facade.

Runs on SQLite and PostgreSQL (the `hc` fixture), because the cascade is
answered from aggregates re-loaded from the store, not from memory.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import pytest

from homecare.bootstrap import Homecare
from homecare.domain import Assignment, AssignmentStatus
from homecare.errors import AssignmentInPauseError, ConfirmationRejectedError
from tests.conftest import ACTOR
from tests.scenario import Customer, Scenario, local

START = local(2026, 3, 10, 8)
END = local(2026, 3, 12, 8)
INSIDE = local(2026, 3, 11, 12)
BEFORE = local(2026, 3, 9, 12)
AFTER = local(2026, 3, 13, 12)


@pytest.fixture
def world(hc: Homecare) -> Scenario:
    return Scenario(hc.app)


def paused(world: Scenario, at: datetime, family: Customer) -> dict[str, set[UUID]]:
    """Which pauses pause each level of `family` at `at`."""
    app = world.app
    return {
        "customer": {p.id for p in app.paused_by(at=at, customer_id=family.id)},
        "contract": {p.id for p in app.paused_by(at=at, contract_id=family.contract)},
        "order": {p.id for p in app.paused_by(at=at, order_id=family.order)},
    }


def test_R7_customer_pause_pauses_its_contracts_and_orders(world: Scenario) -> None:
    family, other = world.customer(), world.customer()
    pause = world.pause("customer", family.id, START, END)
    assert paused(world, INSIDE, family) == {
        "customer": {pause},
        "contract": {pause},
        "order": {pause},
    }
    assert paused(world, INSIDE, other) == {"customer": set(), "contract": set(), "order": set()}
    for outside in (BEFORE, AFTER):
        assert paused(world, outside, family) == {
            "customer": set(),
            "contract": set(),
            "order": set(),
        }


def test_R7_contract_pause_pauses_its_orders_not_its_customer(world: Scenario) -> None:
    family = world.customer()
    pause = world.pause("contract", family.contract, START, END)
    assert paused(world, INSIDE, family) == {
        "customer": set(),
        "contract": {pause},
        "order": {pause},
    }


def test_R7_order_pause_pauses_only_that_order(world: Scenario) -> None:
    family = world.customer()
    sibling = world.app.place_order(
        family.contract, activities=["shopping"], actor=ACTOR, at=world.tick()
    )
    pause = world.pause("order", family.order, START, END)
    assert paused(world, INSIDE, family) == {"customer": set(), "contract": set(), "order": {pause}}
    assert world.app.paused_by(at=INSIDE, order_id=sibling) == []


def test_R7_paused_by_returns_every_pause_of_every_level(world: Scenario) -> None:
    family = world.customer()
    on_customer = world.pause("customer", family.id, START, None)
    on_contract = world.pause("contract", family.contract, START, END)
    on_order = world.pause("order", family.order, INSIDE, None)
    assert paused(world, INSIDE, family) == {
        "customer": {on_customer},
        "contract": {on_customer, on_contract},
        "order": {on_customer, on_contract, on_order},
    }
    # Half-open periods: paused from the start instant, no longer at the end instant.
    assert paused(world, START, family)["order"] == {on_customer, on_contract}
    assert paused(world, END, family)["order"] == {on_customer, on_order}


def _attested_visit(world: Scenario, family: Customer, start: datetime) -> UUID:
    app = world.app
    staff = app.register_staff(name="Anna", sd_number="SD1", actor=ACTOR, at=world.tick())
    end = start + timedelta(hours=1)
    visit = app.plan_assignment(
        order_id=family.order,
        staff_id=staff,
        planned_start=start,
        planned_end=end,
        shift_day=start.date(),
        actor=ACTOR,
        at=world.tick(),
    )
    world.at = max(world.at, end)  # a visit is reported once it is done
    app.record_performance(
        visit, start=start, end=end, activities=["shower"], actor=ACTOR, at=world.tick()
    )
    app.attest_assignments([visit], actor=ACTOR, at=world.tick())
    return visit


@pytest.mark.parametrize("level", ["customer", "contract", "order"])
def test_R7_confirming_a_visit_inside_a_pause_of_any_level_is_refused(
    world: Scenario, level: str
) -> None:
    family = world.customer()
    target = {"customer": family.id, "contract": family.contract, "order": family.order}
    pause = world.pause(level, target[level], START, END)
    visit = _attested_visit(world, family, INSIDE)
    with pytest.raises(AssignmentInPauseError, match=str(pause)):
        world.app.confirm_assignment(visit, actor=ACTOR, at=world.tick())
    with pytest.raises(ConfirmationRejectedError) as rejected:
        world.app.confirm_assignments([visit], actor=ACTOR, at=world.tick())
    assert isinstance(rejected.value.cause, AssignmentInPauseError)
    assert world.app.get(Assignment, visit).status is AssignmentStatus.ATTESTED


@pytest.mark.parametrize("level", ["customer", "contract", "order"])
def test_R7_confirming_a_visit_outside_the_pause_works(world: Scenario, level: str) -> None:
    family = world.customer()
    target = {"customer": family.id, "contract": family.contract, "order": family.order}
    world.pause(level, target[level], START, END)
    before = _attested_visit(world, family, START - timedelta(hours=1))  # ends at the start
    after = _attested_visit(world, family, END)  # starts at the end
    world.app.confirm_assignments([before, after], actor=ACTOR, at=world.tick())
    assert world.app.get(Assignment, after).status is AssignmentStatus.CONFIRMED


def test_R7_a_cancelled_pause_no_longer_blocks_a_visit(world: Scenario) -> None:
    """R7 with D5: a pause cancelled before it started paused nothing."""
    family = world.customer()
    pause = world.pause("customer", family.id, START, END)
    world.app.cancel_pause(pause, actor=ACTOR, at=world.tick())
    visit = _attested_visit(world, family, INSIDE)
    world.app.confirm_assignment(visit, actor=ACTOR, at=world.tick())
    assert world.app.paused_by(at=INSIDE, order_id=family.order) == []
