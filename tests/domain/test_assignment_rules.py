"""R1, R6: a visit's lifecycle, planned -> performed -> attested -> confirmed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from homecare.domain import Assignment, AssignmentStatus
from homecare.errors import (
    AssignmentAlreadyConfirmedError,
    AssignmentNotAttestedError,
    AssignmentNotPerformedError,
    InvalidInputError,
    InvalidPeriodError,
)

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def planned() -> Assignment:
    return Assignment.plan(
        customer_id=uuid4(),
        order_id=uuid4(),
        staff_id=uuid4(),
        planned_start=AT,
        planned_end=AT + HOUR,
        actor="planner",
        at=AT - timedelta(days=1),
    )


def performed() -> Assignment:
    visit = planned()
    visit.record_performance(
        start=AT, end=AT + HOUR, activities=["shower"], actor="staff", at=AT + HOUR
    )
    return visit


def attested() -> Assignment:
    visit = performed()
    visit.attest(actor="lead", at=AT + 2 * HOUR)
    return visit


def confirmed() -> Assignment:
    visit = attested()
    visit.confirm(actor="lead", at=AT + 3 * HOUR)
    return visit


def test_R1_lifecycle_planned_performed_attested_confirmed() -> None:
    visit = confirmed()
    assert visit.status is AssignmentStatus.CONFIRMED
    assert [type(e).__name__ for e in visit.collect_events()] == [
        "Planned",
        "Performed",
        "Attested",
        "Confirmed",
    ]


@pytest.mark.parametrize("make", [planned, performed], ids=["planned", "performed"])
def test_R1_confirming_a_visit_that_is_not_attested_is_rejected(make: object) -> None:
    visit = make()  # type: ignore[operator]
    before = len(visit.collect_events())
    with pytest.raises(AssignmentNotAttestedError) as caught:
        visit.confirm(actor="lead", at=AT + 3 * HOUR)
    assert caught.value.code == "assignment_not_attested"
    assert str(visit.id) in str(caught.value)
    assert before > 0
    assert visit.collect_events() == []
    assert visit.status is not AssignmentStatus.CONFIRMED


def test_R1_confirming_twice_is_rejected() -> None:
    visit = confirmed()
    visit.collect_events()
    with pytest.raises(AssignmentAlreadyConfirmedError) as caught:
        visit.confirm(actor="lead", at=AT + 4 * HOUR)
    assert caught.value.code == "assignment_already_confirmed"
    assert visit.collect_events() == []
    assert visit.confirmations == 1


def test_R6_a_correction_withdraws_the_attestation_so_it_must_be_attested_again() -> None:
    visit = attested()
    visit.correct(
        start=AT, end=AT + 2 * HOUR, activities=["shower"], actor="lead", at=AT + 2 * HOUR
    )
    assert visit.status is AssignmentStatus.PERFORMED
    with pytest.raises(AssignmentNotAttestedError):
        visit.confirm(actor="lead", at=AT + 3 * HOUR)


def test_R6_correcting_a_confirmed_visit_reopens_it_for_a_second_confirmation() -> None:
    visit = confirmed()
    visit.correct(start=AT, end=AT + 2 * HOUR, activities=["bath"], actor="lead", at=AT + 4 * HOUR)
    visit.attest(actor="lead", at=AT + 5 * HOUR)
    visit.confirm(actor="lead", at=AT + 6 * HOUR)
    assert (visit.status, visit.confirmations) == (AssignmentStatus.CONFIRMED, 2)
    assert visit.activities == ("bath",)


def test_R1_attesting_needs_a_performed_time_and_an_unconfirmed_visit() -> None:
    with pytest.raises(AssignmentNotPerformedError):
        planned().attest(actor="lead", at=AT)
    with pytest.raises(AssignmentAlreadyConfirmedError):
        confirmed().attest(actor="lead", at=AT)


def test_R6_a_planned_visit_has_nothing_to_correct() -> None:
    with pytest.raises(AssignmentNotPerformedError):
        planned().correct(start=AT, end=AT + HOUR, activities=["x"], actor="lead", at=AT)


def test_performance_is_reported_once_later_changes_are_corrections() -> None:
    visit = performed()
    with pytest.raises(InvalidInputError, match="correction"):
        visit.record_performance(start=AT, end=AT + HOUR, activities=["x"], actor="s", at=AT)


@pytest.mark.parametrize("end", [AT - HOUR, AT], ids=["before", "equal"])
def test_performed_end_before_start_is_rejected(end: datetime) -> None:
    visit = planned()
    visit.collect_events()
    with pytest.raises(InvalidPeriodError) as caught:
        visit.record_performance(start=AT, end=end, activities=["shower"], actor="s", at=AT)
    assert caught.value.code == "invalid_period"
    assert visit.collect_events() == []
    assert visit.status is AssignmentStatus.PLANNED


def test_R6_a_correction_with_end_before_start_is_rejected() -> None:
    visit = attested()
    visit.collect_events()
    with pytest.raises(InvalidPeriodError):
        visit.correct(start=AT, end=AT - HOUR, activities=["shower"], actor="lead", at=AT)
    assert visit.collect_events() == []
    assert visit.status is AssignmentStatus.ATTESTED


def test_planned_end_before_start_is_rejected() -> None:
    with pytest.raises(InvalidPeriodError):
        Assignment.plan(
            customer_id=uuid4(),
            order_id=uuid4(),
            staff_id=uuid4(),
            planned_start=AT,
            planned_end=AT - HOUR,
            actor="planner",
            at=AT,
        )


def test_a_performed_visit_reports_at_least_one_activity() -> None:
    with pytest.raises(InvalidInputError, match="activity"):
        planned().record_performance(
            start=AT, end=AT + HOUR, activities=[" "], actor="s", at=AT + HOUR
        )


@pytest.mark.parametrize("which", ["start", "end", "at"])
def test_D1_naive_datetimes_are_rejected(which: str) -> None:
    times = {"start": AT, "end": AT + HOUR, "at": AT} | {which: datetime(2026, 3, 2, 10, 0)}
    with pytest.raises(InvalidInputError, match="time zone"):
        planned().record_performance(activities=["shower"], actor="s", **times)


def test_D1_naive_datetimes_are_rejected_when_attesting_and_confirming() -> None:
    naive = datetime(2026, 3, 2, 10, 0)
    with pytest.raises(InvalidInputError, match="time zone"):
        performed().attest(actor="lead", at=naive)
    with pytest.raises(InvalidInputError, match="time zone"):
        attested().confirm(actor="lead", at=naive)


def test_a_performed_visit_longer_than_a_day_is_refused_D10() -> None:
    # A report from 1900 was accepted; its item then sat, held, in month 1900-01.
    visit = planned()
    with pytest.raises(InvalidPeriodError, match="longer than 24 hours"):
        visit.record_performance(
            start=datetime(1900, 1, 1, tzinfo=UTC),
            end=AT + HOUR,
            activities=["shower"],
            actor="staff",
            at=AT + HOUR,
        )
    assert visit.status is AssignmentStatus.PLANNED
    visit.record_performance(
        start=AT, end=AT + 24 * HOUR, activities=["shower"], actor="staff", at=AT + 24 * HOUR
    )


def test_a_planned_visit_longer_than_a_day_is_refused_D10() -> None:
    with pytest.raises(InvalidPeriodError, match="longer than 24 hours"):
        Assignment.plan(
            customer_id=uuid4(),
            order_id=uuid4(),
            staff_id=uuid4(),
            planned_start=AT,
            planned_end=AT + timedelta(days=100),
            actor="planner",
            at=AT,
        )


def test_a_performance_without_an_end_is_invalid_input_not_an_assertion_D10() -> None:
    visit = performed()
    with pytest.raises(InvalidInputError, match="end must be a date and time"):
        visit.correct(start=AT, end=None, activities=["shower"], actor="lead", at=AT + HOUR)  # type: ignore[arg-type]


def test_d10_a_plan_without_an_end_is_invalid_input_not_an_assertion() -> None:
    """Found by the door fuzz: planned_end=None escaped as a bare AssertionError."""
    with pytest.raises(InvalidInputError, match="Planned visit: end must be a date and time"):
        Assignment.plan(
            customer_id=uuid4(),
            order_id=uuid4(),
            staff_id=uuid4(),
            planned_start=datetime(2026, 3, 2, 9, tzinfo=UTC),
            planned_end=None,  # type: ignore[arg-type]
            actor="Anna",
            at=datetime(2026, 3, 1, tzinfo=UTC),
        )
