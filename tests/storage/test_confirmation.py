"""R1: confirming many visits, or a whole work shift, is all or nothing.

One bad visit in the batch rejects the batch: none is confirmed, no event is
stored (the notification log keeps its length), and the error names the visit.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from homecare.application import VisitReport
from homecare.bootstrap import Homecare
from homecare.domain import Assignment, AssignmentStatus
from homecare.errors import (
    AssignmentAlreadyConfirmedError,
    AssignmentNotAttestedError,
    ConfirmationRejectedError,
    InvalidInputError,
    InvalidPeriodError,
    NotFoundError,
    RuleViolationError,
)
from tests.scenario import ACTOR, HOUR, T0, Pair, pair

CONFIRM_AT = T0 + timedelta(hours=10)


def statuses(w: Pair, visits: list[UUID]) -> list[AssignmentStatus]:
    return [w.app.get(Assignment, v).status for v in visits]


def test_R1_confirm_many_selected_visits(hc: Homecare) -> None:
    w = pair(hc.app)
    visits = [w.visit("attested", start=T0 + i * HOUR) for i in range(3)]
    hc.app.confirm_assignments(visits, actor="lead", at=CONFIRM_AT)
    assert statuses(w, visits) == [AssignmentStatus.CONFIRMED] * 3


@pytest.mark.parametrize(
    ("bad_stage", "cause"),
    [
        ("performed", AssignmentNotAttestedError),
        ("planned", AssignmentNotAttestedError),
        ("confirmed", AssignmentAlreadyConfirmedError),
    ],
)
def test_R1_one_bad_visit_confirms_none_and_is_named(
    hc: Homecare, bad_stage: str, cause: type[Exception]
) -> None:
    w = pair(hc.app)
    good = [w.visit("attested", start=T0 + i * HOUR) for i in range(2)]
    bad = w.visit(bad_stage, start=T0 + 5 * HOUR)  # type: ignore[arg-type]
    before_statuses = statuses(w, [*good, bad])
    before = w.log_length()
    with pytest.raises(ConfirmationRejectedError) as caught:
        hc.app.confirm_assignments([good[0], bad, good[1]], actor="lead", at=CONFIRM_AT)
    error = caught.value
    assert w.log_length() == before
    assert statuses(w, [*good, bad]) == before_statuses
    assert error.assignment_id == bad
    assert str(bad) in str(error)
    assert isinstance(error.cause, cause)
    assert isinstance(error, RuleViolationError)
    assert error.code == "confirmation_rejected"
    assert error.cause.code in str(error)


@pytest.mark.parametrize("bad_id", ["unknown", "customer"])
def test_R1_an_unknown_id_in_the_batch_confirms_none_and_is_named(
    hc: Homecare, bad_id: str
) -> None:
    w = pair(hc.app)
    good = w.visit("attested")
    bad = uuid4() if bad_id == "unknown" else w.customer
    before = w.log_length()
    with pytest.raises(ConfirmationRejectedError) as caught:
        hc.app.confirm_assignments([good, bad], actor="lead", at=CONFIRM_AT)
    assert caught.value.assignment_id == bad
    assert isinstance(caught.value.cause, NotFoundError)
    assert str(bad) in str(caught.value)
    assert w.log_length() == before
    assert statuses(w, [good]) == [AssignmentStatus.ATTESTED]


def test_R1_the_same_visit_twice_in_a_batch_is_rejected(hc: Homecare) -> None:
    w = pair(hc.app)
    visit = w.visit("attested")
    before = w.log_length()
    with pytest.raises(InvalidInputError):
        hc.app.confirm_assignments([visit, visit], actor="lead", at=CONFIRM_AT)
    assert w.log_length() == before


# -- the shift follow-up (R1: corrections applied first, then confirm) ---------


def test_R1_confirm_shift_applies_corrections_first_then_confirms_the_whole_shift(
    hc: Homecare,
) -> None:
    w = pair(hc.app)
    attested = w.visit("attested", start=T0)
    unattested = w.visit("performed", start=T0 + 2 * HOUR)
    done = w.visit("confirmed", start=T0 + 4 * HOUR)
    corrected = VisitReport(
        start=T0 + 2 * HOUR + timedelta(minutes=10),
        end=T0 + 3 * HOUR + timedelta(minutes=5),
        activities=("shopping", "shower"),
    )
    confirmed = hc.app.confirm_shift(
        w.staff, T0.date(), corrections={unattested: corrected}, actor="lead", at=CONFIRM_AT
    )
    assert sorted(confirmed) == sorted([attested, unattested])  # done was already confirmed
    assert statuses(w, [attested, unattested, done]) == [AssignmentStatus.CONFIRMED] * 3
    visit = hc.app.get(Assignment, unattested)
    assert (visit.performed_start, visit.performed_end) == (corrected.start, corrected.end)
    assert visit.activities == ("shopping", "shower")
    # the correction came before the confirmation, in the same command
    names = [type(e).__name__ for e in hc.app.events.get(unattested)]
    assert names[-3:] == ["Corrected", "Attested", "Confirmed"]
    assert hc.app.get(Assignment, done).confirmations == 1


def test_R6_confirm_shift_can_correct_an_already_confirmed_visit(hc: Homecare) -> None:
    w = pair(hc.app)
    done = w.visit("confirmed")
    report = VisitReport(start=T0, end=T0 + 2 * HOUR, activities=("shower",))
    assert hc.app.confirm_shift(
        w.staff, T0.date(), corrections={done: report}, actor="lead", at=CONFIRM_AT
    ) == [done]
    visit = hc.app.get(Assignment, done)
    assert (visit.status, visit.confirmations) == (AssignmentStatus.CONFIRMED, 2)


def test_R1_confirm_shift_with_one_bad_visit_confirms_none_and_keeps_no_correction(
    hc: Homecare,
) -> None:
    w = pair(hc.app)
    attested = w.visit("attested", start=T0)
    unattested = w.visit("performed", start=T0 + 2 * HOUR)
    never_performed = w.visit("planned", start=T0 + 4 * HOUR)
    before = w.log_length()
    report = VisitReport(start=T0 + 2 * HOUR, end=T0 + 3 * HOUR, activities=("shopping",))
    with pytest.raises(ConfirmationRejectedError) as caught:
        hc.app.confirm_shift(
            w.staff, T0.date(), corrections={unattested: report}, actor="lead", at=CONFIRM_AT
        )
    assert caught.value.assignment_id == never_performed
    assert str(never_performed) in str(caught.value)
    assert w.log_length() == before
    assert statuses(w, [attested, unattested, never_performed]) == [
        AssignmentStatus.ATTESTED,
        AssignmentStatus.PERFORMED,
        AssignmentStatus.PLANNED,
    ]
    assert hc.app.get(Assignment, unattested).activities == ("shower",)  # not corrected


def test_R1_confirm_shift_with_a_bad_correction_confirms_none(hc: Homecare) -> None:
    w = pair(hc.app)
    attested = w.visit("attested", start=T0)
    performed = w.visit("performed", start=T0 + 2 * HOUR)
    before = w.log_length()
    backwards = VisitReport(start=T0 + 3 * HOUR, end=T0 + 2 * HOUR, activities=("shower",))
    with pytest.raises(ConfirmationRejectedError) as caught:
        hc.app.confirm_shift(
            w.staff, T0.date(), corrections={performed: backwards}, actor="lead", at=CONFIRM_AT
        )
    assert caught.value.assignment_id == performed
    assert isinstance(caught.value.cause, InvalidPeriodError)
    assert w.log_length() == before
    assert statuses(w, [attested, performed]) == [
        AssignmentStatus.ATTESTED,
        AssignmentStatus.PERFORMED,
    ]


def test_R1_confirm_shift_rejects_corrections_of_visits_outside_the_shift(hc: Homecare) -> None:
    w = pair(hc.app)
    w.visit("attested", start=T0)
    other_day = w.visit("performed", start=T0 + timedelta(days=1))
    before = w.log_length()
    report = VisitReport(start=T0, end=T0 + HOUR, activities=("shower",))
    with pytest.raises(InvalidInputError, match="outside this shift"):
        hc.app.confirm_shift(
            w.staff, T0.date(), corrections={other_day: report}, actor=ACTOR, at=CONFIRM_AT
        )
    assert w.log_length() == before
