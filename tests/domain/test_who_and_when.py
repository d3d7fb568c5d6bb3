"""D1: every event records who did it (actor) and when (the `at` passed in).

The domain reads no clock: each command's `at` becomes the event's timestamp,
exactly, whatever the real time is. Domain only, no store.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate

from homecare.domain import (
    Assignment,
    Contract,
    Customer,
    Order,
    Pause,
    PersonalIdentityNumber,
    Staff,
    WorkShift,
)
from homecare.errors import InvalidInputError, PersonalDataInActorError
from tests.domain.pnr import VALID, VALID_STAFF

T0 = datetime(2001, 1, 1, 9, 0, tzinfo=UTC)  # far from today: no clock can produce it


EARLY = T0 - timedelta(hours=3)


class Steps:
    """Hands out a distinct (actor, at) per command, to check them on the events."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> dict[str, object]:
        self.count += 1
        return {"actor": f"user-{self.count}", "at": T0 + timedelta(minutes=self.count)}


def assert_events_carry_their_step(aggregate: Aggregate, expected_steps: list[int]) -> None:
    events = aggregate.collect_events()
    assert len(events) == len(expected_steps)
    for event, step in zip(events, expected_steps, strict=True):
        assert event.actor == f"user-{step}", event  # type: ignore[attr-defined]
        assert event.timestamp == T0 + timedelta(minutes=step), event


def test_D1_customer_events_carry_actor_and_time() -> None:
    step = Steps()
    customer = Customer.register(
        personnummer=PersonalIdentityNumber(VALID), name="T", organisation="O", **step()
    )
    customer.register_decision(
        decision_id=uuid4(), valid_from=date(2001, 1, 1), valid_to=None, activities=["x"], **step()
    )
    customer.attach_pause(pause_id=uuid4(), **step())
    assert_events_carry_their_step(customer, [1, 2, 3])


def test_D1_contract_order_and_staff_events_carry_actor_and_time() -> None:
    step = Steps()
    contract = Contract.open(customer_id=uuid4(), **step())
    contract.attach_pause(pause_id=uuid4(), **step())
    order = Order.place(contract_id=contract.id, customer_id=uuid4(), activities=["x"], **step())
    order.attach_pause(pause_id=uuid4(), **step())
    staff = Staff.register(name="A", personnummer=None, sd_number=None, **step())
    staff.update(personnummer=PersonalIdentityNumber(VALID_STAFF), **step())
    assert_events_carry_their_step(contract, [1, 2])
    assert_events_carry_their_step(order, [3, 4])
    assert_events_carry_their_step(staff, [5, 6])


def test_D1_assignment_and_shift_events_carry_actor_and_time() -> None:
    step = Steps()
    visit = Assignment.plan(
        customer_id=uuid4(),
        order_id=uuid4(),
        staff_id=uuid4(),
        planned_start=EARLY,
        planned_end=EARLY + timedelta(hours=1),
        **step(),
    )
    # The visit was done before it is reported (its end is not after the report's time).
    visit.record_performance(
        start=EARLY, end=EARLY + timedelta(hours=1), activities=["x"], **step()
    )
    visit.attest(**step())
    visit.confirm(**step())
    visit.correct(start=EARLY, end=EARLY + timedelta(hours=2), activities=["x"], **step())
    shift = WorkShift.open(staff_id=visit.staff_id, day=T0.date(), **step())
    shift.add(assignment_id=visit.id, **step())
    assert_events_carry_their_step(visit, [1, 2, 3, 4, 5])
    assert_events_carry_their_step(shift, [6, 7])


def test_D1_pause_events_carry_actor_and_time() -> None:
    step = Steps()
    customer_id = uuid4()
    pause = Pause.create(
        level="customer",
        target_id=customer_id,
        customer_id=customer_id,
        notified_at=T0,
        reason="own_request",
        starts_at=T0 + timedelta(days=1),
        **step(),
    )
    pause.change(ends_at=T0 + timedelta(days=3), **step())
    pause.cancel(**step())
    assert_events_carry_their_step(pause, [1, 2, 3])
    assert pause.cancelled_at == T0 + timedelta(minutes=3)


def run(command: str, actor: str, at: datetime) -> None:
    if command == "WorkShift.open":
        WorkShift.open(staff_id=uuid4(), day=T0.date(), actor=actor, at=at)
    elif command == "WorkShift.add":
        shift = WorkShift.open(staff_id=uuid4(), day=T0.date(), actor="a", at=T0)
        shift.add(assignment_id=uuid4(), actor=actor, at=at)
    else:
        contract = Contract.open(customer_id=uuid4(), actor="a", at=T0)
        contract.attach_pause(pause_id=uuid4(), actor=actor, at=at)


@pytest.mark.parametrize("command", ["WorkShift.open", "WorkShift.add", "attach_pause"])
@pytest.mark.parametrize(
    ("actor", "at"),
    [(" ", T0), ("a", datetime(2001, 1, 1, 9, 0))],
    ids=["no-actor", "naive-at"],
)
def test_D1_every_command_rejects_a_naive_time_or_a_missing_actor(
    command: str, actor: str, at: datetime
) -> None:
    with pytest.raises(InvalidInputError):
        run(command, actor, at)


@pytest.mark.parametrize("command", ["WorkShift.open", "WorkShift.add", "attach_pause"])
@pytest.mark.parametrize(
    "actor",
    [
        "19121212-1212",
        "121212-1212",
        "eva 19121212 1212",
        "\uff11\uff19\uff11\uff12\uff11\uff12\uff11\uff12-\uff11\uff12\uff11\uff12",
    ],
)
def test_D1_D8_every_command_refuses_an_actor_shaped_like_a_personnummer(
    command: str, actor: str
) -> None:
    """The actor is kept in the clear in every event: a personnummer-shaped one (any
    digits, spaces anywhere; valid or not) is refused where every actor is checked."""
    with pytest.raises(PersonalDataInActorError) as error:
        run(command, actor, T0)
    assert error.value.code == "personal_data_in_actor"
    assert "1212" not in str(error.value)  # the message never repeats the number


@pytest.mark.parametrize("actor", ["eva", "user-12", "ssk 2026-03", "id 1234567"])
def test_D1_an_actor_with_other_digits_is_kept(actor: str) -> None:
    contract = Contract.open(customer_id=uuid4(), actor=actor, at=T0)
    assert contract.collect_events()[0].actor == actor  # type: ignore[attr-defined]
