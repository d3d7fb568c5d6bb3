"""Every rule violation through the facade: a clear error, a stable code, nothing stored.

Runs on SQLite and PostgreSQL (the `hc` fixture). "Nothing is half-written" is
checked the hard way: the notification log has exactly the length it had.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID, uuid4

import pytest

from homecare.bootstrap import Homecare
from homecare.domain import (
    Assignment,
    AssignmentStatus,
    Contract,
    Customer,
    Order,
    Pause,
    PauseStatus,
    Staff,
)
from homecare.errors import (
    AssignmentAlreadyConfirmedError,
    AssignmentInPauseError,
    AssignmentNotAttestedError,
    HomecareError,
    InvalidInputError,
    InvalidPeriodError,
    InvalidPersonalIdentityNumberError,
    NotFoundError,
    PauseCancelledError,
)
from tests.domain.pnr import COORDINATION, VALID, bad_checksum, with_check_digit
from tests.scenario import ACTOR, HOUR, T0, Pair, pair

NAIVE = T0.replace(tzinfo=None)
Arrange = Callable[[Pair], Callable[[], object]]
"""Given the world, arrange what the case needs and return the one violating call."""


def pause_of(w: Pair, **overrides: object) -> UUID:
    arguments: dict[str, object] = {
        "level": "customer",
        "target_id": w.customer,
        "notified_at": T0,
        "reason": "hospital_stay",
        "starts_at": T0 + timedelta(days=1),
        "actor": ACTOR,
        "at": T0,
    } | overrides
    return w.app.create_pause(**arguments)  # type: ignore[arg-type]


def cancelled_pause(w: Pair) -> UUID:
    pause = pause_of(w)
    w.app.cancel_pause(pause, actor=ACTOR, at=T0 + HOUR)
    return pause


def visit_in_a_pause(w: Pair) -> Callable[[], object]:
    pause_of(w, starts_at=T0 - timedelta(days=1))
    return partial(w.app.confirm_assignment, w.visit("attested"), actor=ACTOR, at=T0 + 3 * HOUR)


def plan(w: Pair, *, order: UUID, staff: UUID) -> Callable[[], object]:
    return partial(
        w.app.plan_assignment,
        order_id=order,
        staff_id=staff,
        planned_start=T0,
        planned_end=T0 + HOUR,
        shift_day=T0.date(),
        actor=ACTOR,
        at=T0,
    )


def customer(personnummer: str, at: datetime = T0) -> Arrange:
    return lambda w: partial(
        w.app.register_customer,
        personnummer=personnummer,
        name="T",
        organisation="O",
        actor=ACTOR,
        at=at,
    )


LATER = T0 + 3 * HOUR

# name -> (arrange, expected error). `partial` evaluates its arguments at once,
# so `w.visit(...)` and `pause_of(...)` inside it are arrangement, not the call.
REJECTED: dict[str, tuple[Arrange, type[HomecareError]]] = {
    "R8 pause ends before it starts": (
        lambda w: partial(pause_of, w, ends_at=T0 + timedelta(hours=12)),
        InvalidPeriodError,
    ),
    "R8 pause ends as it starts": (
        lambda w: partial(pause_of, w, ends_at=T0 + timedelta(days=1)),
        InvalidPeriodError,
    ),
    "R8 pause changed to end before it starts": (
        lambda w: partial(w.app.change_pause, pause_of(w), ends_at=T0, actor=ACTOR, at=LATER),
        InvalidPeriodError,
    ),
    "R13 change a cancelled pause": (
        lambda w: partial(
            w.app.change_pause,
            cancelled_pause(w),
            ends_at=T0 + timedelta(days=3),
            actor=ACTOR,
            at=LATER,
        ),
        PauseCancelledError,
    ),
    "R13 cancel a cancelled pause": (
        lambda w: partial(w.app.cancel_pause, cancelled_pause(w), actor=ACTOR, at=LATER),
        PauseCancelledError,
    ),
    "R1 confirm a planned visit": (
        lambda w: partial(w.app.confirm_assignment, w.visit("planned"), actor=ACTOR, at=LATER),
        AssignmentNotAttestedError,
    ),
    "R1 confirm a performed, unattested visit": (
        lambda w: partial(w.app.confirm_assignment, w.visit("performed"), actor=ACTOR, at=LATER),
        AssignmentNotAttestedError,
    ),
    "R1 confirm twice": (
        lambda w: partial(w.app.confirm_assignment, w.visit("confirmed"), actor=ACTOR, at=LATER),
        AssignmentAlreadyConfirmedError,
    ),
    "performed end before start": (
        lambda w: partial(
            w.app.record_performance,
            w.visit("planned"),
            start=T0,
            end=T0 - HOUR,
            activities=["shower"],
            actor=ACTOR,
            at=T0,
        ),
        InvalidPeriodError,
    ),
    "R6 correction ends before it starts": (
        lambda w: partial(
            w.app.correct_assignment,
            w.visit("attested"),
            start=T0,
            end=T0 - HOUR,
            activities=["shower"],
            actor=ACTOR,
            at=LATER,
        ),
        InvalidPeriodError,
    ),
    "R7 confirm a visit inside a customer pause": (visit_in_a_pause, AssignmentInPauseError),
    "D8 customer with bad checksum": (
        customer(bad_checksum(VALID)),
        InvalidPersonalIdentityNumberError,
    ),
    "D8 customer with impossible date": (
        customer(with_check_digit("19121312", "121")),
        InvalidPersonalIdentityNumberError,
    ),
    "D8 customer with 10-digit bad checksum": (
        customer(bad_checksum(VALID)[2:]),
        InvalidPersonalIdentityNumberError,
    ),
    "D8 staff with bad checksum": (
        lambda w: partial(
            w.app.register_staff, name="B", personnummer=bad_checksum(VALID), actor=ACTOR, at=T0
        ),
        InvalidPersonalIdentityNumberError,
    ),
    "D8 staff updated with bad checksum": (
        lambda w: partial(
            w.app.update_staff, w.staff, personnummer=bad_checksum(VALID), actor=ACTOR, at=T0
        ),
        InvalidPersonalIdentityNumberError,
    ),
    "D1 naive at": (customer(VALID, NAIVE), InvalidInputError),
    "D1 naive at with a 10-digit personnummer": (customer(VALID[2:], NAIVE), InvalidInputError),
    "D1 naive pause start": (
        lambda w: partial(pause_of, w, starts_at=NAIVE),
        InvalidInputError,
    ),
    "D1 naive notified_at": (
        lambda w: partial(pause_of, w, notified_at=NAIVE),
        InvalidInputError,
    ),
    "D1 naive performed start": (
        lambda w: partial(
            w.app.record_performance,
            w.visit("planned"),
            start=NAIVE,
            end=T0 + HOUR,
            activities=["shower"],
            actor=ACTOR,
            at=T0,
        ),
        InvalidInputError,
    ),
    "D1 naive confirm time": (
        lambda w: partial(w.app.confirm_assignment, w.visit("attested"), actor=ACTOR, at=NAIVE),
        InvalidInputError,
    ),
    "D1 naive plan time": (
        lambda w: partial(
            w.app.plan_assignment,
            order_id=w.order,
            staff_id=w.staff,
            planned_start=T0,
            planned_end=T0 + HOUR,
            shift_day=T0.date(),
            actor=ACTOR,
            at=NAIVE,
        ),
        InvalidInputError,
    ),
    "D1 no actor": (
        lambda w: partial(w.app.open_contract, w.customer, actor="", at=T0),
        InvalidInputError,
    ),
    "unknown customer for a contract": (
        lambda w: partial(w.app.open_contract, uuid4(), actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "unknown customer for a decision": (
        lambda w: partial(
            w.app.register_decision,
            uuid4(),
            valid_from=T0.date(),
            valid_to=None,
            activities=["x"],
            actor=ACTOR,
            at=T0,
        ),
        NotFoundError,
    ),
    "unknown contract for an order": (
        lambda w: partial(w.app.place_order, uuid4(), activities=["x"], actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "unknown order for a visit": (
        lambda w: plan(w, order=uuid4(), staff=w.staff),
        NotFoundError,
    ),
    "unknown staff for a visit": (
        lambda w: plan(w, order=w.order, staff=uuid4()),
        NotFoundError,
    ),
    "unknown visit to perform": (
        lambda w: partial(
            w.app.record_performance,
            uuid4(),
            start=T0,
            end=T0 + HOUR,
            activities=["x"],
            actor=ACTOR,
            at=T0,
        ),
        NotFoundError,
    ),
    "unknown visit to attest": (
        lambda w: partial(w.app.attest_assignments, [uuid4()], actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "unknown visit to confirm": (
        lambda w: partial(w.app.confirm_assignment, uuid4(), actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "unknown pause to change": (
        lambda w: partial(w.app.change_pause, uuid4(), ends_at=LATER, actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "unknown pause to cancel": (
        lambda w: partial(w.app.cancel_pause, uuid4(), actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "unknown pause target": (lambda w: partial(pause_of, w, target_id=uuid4()), NotFoundError),
    "unknown staff to update": (
        lambda w: partial(w.app.update_staff, uuid4(), sd_number="SD-9", actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "unknown staff's shift": (
        lambda w: partial(w.app.confirm_shift, uuid4(), T0.date(), actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "a shift day with no shift": (
        lambda w: partial(w.app.confirm_shift, w.staff, T0.date(), actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "wrong type: a customer id as a visit": (
        lambda w: partial(w.app.confirm_assignment, w.customer, actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "wrong type: an order id as a pause": (
        lambda w: partial(w.app.cancel_pause, w.order, actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "wrong type: a customer id as a contract": (
        lambda w: partial(w.app.place_order, w.customer, activities=["x"], actor=ACTOR, at=T0),
        NotFoundError,
    ),
    "wrong type: a contract id at order level": (
        lambda w: partial(pause_of, w, level="order", target_id=w.contract),
        NotFoundError,
    ),
    "wrong type: a staff id as an order": (
        lambda w: plan(w, order=w.staff, staff=w.staff),
        NotFoundError,
    ),
    "wrong type: an order id as staff": (
        lambda w: plan(w, order=w.order, staff=w.order),
        NotFoundError,
    ),
    "not a UUID": (
        lambda w: partial(w.app.confirm_assignment, "not-an-id", actor=ACTOR, at=T0),
        InvalidInputError,
    ),
}


@pytest.mark.parametrize("case", list(REJECTED), ids=list(REJECTED))
def test_a_rejected_command_raises_its_error_and_stores_nothing(hc: Homecare, case: str) -> None:
    arrange, expected = REJECTED[case]
    w = pair(hc.app)
    violating_call = arrange(w)
    before = w.log_length()
    with pytest.raises(expected) as caught:
        violating_call()
    assert w.log_length() == before, "a rejected command stored events"
    error = caught.value
    assert error.code == type(error).code
    assert error.message
    assert error.to_dict() == {"code": error.code, "message": error.message}


@pytest.mark.parametrize("kind", [Customer, Contract, Order, Staff, Assignment, Pause])
def test_get_of_an_unknown_id_is_NotFoundError(hc: Homecare, kind: type) -> None:
    unknown = uuid4()
    with pytest.raises(NotFoundError) as caught:
        hc.app.get(kind, unknown)
    assert isinstance(caught.value, LookupError)
    assert caught.value.code == "not_found"
    assert str(unknown) in str(caught.value)
    assert caught.value.kind == kind.__name__.lower()


def test_get_of_an_id_of_another_aggregate_type_is_NotFoundError(hc: Homecare) -> None:
    w = pair(hc.app)
    for kind, other_id in [
        (Assignment, w.customer),
        (Customer, w.staff),
        (Staff, w.customer),
        (Pause, w.order),
        (Contract, w.order),
        (Order, w.contract),
    ]:
        with pytest.raises(NotFoundError):
            hc.app.get(kind, other_id)
    assert hc.app.get(Customer, w.customer).id == w.customer


def test_D8_samordningsnummer_is_accepted_and_stored_canonically(hc: Homecare) -> None:
    dashed = f"{COORDINATION[:8]}-{COORDINATION[8:]}"
    customer = hc.app.register_customer(
        personnummer=dashed, name="S", organisation="O", actor=ACTOR, at=T0
    )
    stored = hc.app.get(Customer, customer).personnummer
    assert stored.value == COORDINATION
    assert stored.is_coordination_number


@pytest.mark.parametrize(
    ("text", "at", "expected"),
    [
        ("121212-1212", T0, "201212121212"),
        ("121212+1212", T0, "191212121212"),
        ("121212-1212", T0.replace(year=2011), "191212121212"),
    ],
)
def test_D8_ten_digit_form_takes_its_century_from_at(
    hc: Homecare, text: str, at: datetime, expected: str
) -> None:
    """The facade passes the command's `at` as `today`: no clock is read."""
    customer = hc.app.register_customer(
        personnummer=text, name="T", organisation="O", actor=ACTOR, at=at
    )
    staff = hc.app.register_staff(name="S", personnummer=text, actor=ACTOR, at=at)
    assert hc.app.get(Customer, customer).personnummer.value == expected
    personnummer = hc.app.get(Staff, staff).personnummer
    assert personnummer is not None
    assert personnummer.value == expected


def test_R8_R11_a_pause_can_be_edited_then_cancelled(hc: Homecare) -> None:
    w = pair(hc.app)
    pause = pause_of(w)
    hc.app.change_pause(pause, ends_at=T0 + timedelta(days=4), actor=ACTOR, at=T0 + HOUR)
    assert hc.app.get(Pause, pause).status is PauseStatus.CHANGED
    hc.app.cancel_pause(pause, actor=ACTOR, at=T0 + 2 * HOUR)
    assert hc.app.get(Pause, pause).status is PauseStatus.CANCELLED


def test_R1_a_confirmed_visit_is_confirmed(hc: Homecare) -> None:
    w = pair(hc.app)
    visit = w.visit("confirmed")
    assert hc.app.get(Assignment, visit).status is AssignmentStatus.CONFIRMED
