"""R1, R6, R7: the confirmation service on aggregates alone (no store)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate

from homecare.domain import Assignment, AssignmentStatus, Pause, WorkShift
from homecare.domain.confirmation import (
    VisitReport,
    check_corrections,
    confirm_selected,
    confirm_shift,
    pause_over,
)
from homecare.errors import (
    AssignmentInPauseError,
    AssignmentNotAttestedError,
    ConfirmationRejectedError,
    InvalidInputError,
    NotFoundError,
)
from tests.domain.test_assignment_rules import AT, HOUR, attested, performed

A = TypeVar("A", bound=Aggregate)
LATER = AT + 4 * HOUR


class Visits:
    """The service's reader over aggregates in memory."""

    def __init__(self, *aggregates: Any, pauses: Sequence[Pause] = ()) -> None:
        self.by_id = {a.id: a for a in aggregates}
        self.pauses = list(pauses)

    def load(self, kind: type[A], aggregate_id: UUID) -> A:
        found = self.by_id.get(aggregate_id)
        if not isinstance(found, kind):
            raise NotFoundError(kind.__name__.lower(), aggregate_id)
        return found

    def pauses_of_order(self, order_id: UUID) -> list[Pause]:
        return [p for p in self.pauses if p.target_id == order_id]


def _pause_over(visit: Assignment) -> Pause:
    return Pause.create(
        level="order",
        target_id=visit.order_id,
        customer_id=visit.customer_id,
        notified_at=AT - HOUR,
        reason="hospital_stay",
        starts_at=AT - HOUR,
        ends_at=AT + 2 * HOUR,
        actor="lead",
        at=AT - HOUR,
    )


def test_R1_selected_visits_are_confirmed_in_order() -> None:
    visits = [attested(), attested()]
    confirmed = confirm_selected([v.id for v in visits], Visits(*visits), actor="lead", at=LATER)
    assert confirmed == visits
    assert all(v.status is AssignmentStatus.CONFIRMED for v in visits)


def test_R1_the_first_visit_that_cannot_be_confirmed_is_named() -> None:
    good, bad = attested(), performed()
    with pytest.raises(ConfirmationRejectedError) as raised:
        confirm_selected([good.id, bad.id], Visits(good, bad), actor="lead", at=LATER)
    assert raised.value.assignment_id == bad.id
    assert isinstance(raised.value.__cause__, AssignmentNotAttestedError)


def test_R1_an_unknown_visit_rejects_the_confirmation() -> None:
    missing = uuid4()
    with pytest.raises(ConfirmationRejectedError) as raised:
        confirm_selected([missing], Visits(), actor="lead", at=LATER)
    assert raised.value.assignment_id == missing


def test_R7_a_visit_inside_a_pause_of_its_order_is_not_confirmed() -> None:
    visit = attested()
    pause = _pause_over(visit)
    visits = Visits(visit, pauses=[pause])
    assert pause_over(visit, visits) is pause
    with pytest.raises(ConfirmationRejectedError) as raised:
        confirm_selected([visit.id], visits, actor="lead", at=LATER)
    assert isinstance(raised.value.__cause__, AssignmentInPauseError)


def test_R6_a_shift_confirms_with_corrections_applied_first() -> None:
    corrected, unchanged = performed(), attested()
    shift = WorkShift.open(
        staff_id=corrected.staff_id, day=AT.date(), actor="planner", at=AT - timedelta(days=1)
    )
    for visit in (corrected, unchanged):
        shift.add(assignment_id=visit.id, actor="planner", at=AT - timedelta(days=1))
    report = VisitReport(start=AT, end=AT + HOUR / 2, activities=("shower",))
    confirmed = confirm_shift(
        shift,
        {corrected.id: report},
        Visits(corrected, unchanged),
        actor="lead",
        at=LATER,
    )
    assert confirmed == [corrected, unchanged]
    assert corrected.performed_period == (AT, AT + HOUR / 2)


def test_R6_corrections_outside_the_shift_are_refused() -> None:
    visit = attested()
    shift = WorkShift.open(staff_id=visit.staff_id, day=AT.date(), actor="planner", at=AT)
    report = VisitReport(start=AT, end=AT + HOUR, activities=("shower",))
    with pytest.raises(InvalidInputError, match="outside this shift"):
        confirm_shift(shift, {visit.id: report}, Visits(visit), actor="lead", at=LATER)


@pytest.mark.parametrize("corrections", [[1, 2], {"not an id": None}, {uuid4(): "report"}])
def test_corrections_must_map_visit_ids_to_reports(corrections: object) -> None:
    with pytest.raises(InvalidInputError):
        check_corrections(corrections)
