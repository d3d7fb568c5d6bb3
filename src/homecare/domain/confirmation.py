"""Confirming visits (R1): the explicit yes, for selected visits or a whole shift.

Why a domain service: a confirmation decides over several aggregates at once
(the visits, their orders' pauses, R7; the shift and its corrections, R6),
all or nothing. The facade loads and saves; this module decides. It reads
through the `Visits` it is given (a visit by id, the pauses of an order), so
it does no I/O itself and runs on aggregates alone in tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from homecare.domain.assignment import Assignment, AssignmentStatus
from homecare.domain.fields import require_id
from homecare.domain.pause import Pause
from homecare.domain.shift import WorkShift
from homecare.errors import (
    AssignmentInPauseError,
    ConfirmationRejectedError,
    HomecareError,
    InvalidInputError,
)

__all__ = [
    "VisitReport",
    "Visits",
    "check_corrections",
    "check_not_paused",
    "confirm_selected",
    "confirm_shift",
    "confirm_visit",
    "pause_over",
]

A = TypeVar("A", bound=Aggregate)


class Visits(Protocol):
    """What a confirmation reads (the facade's loader for one command)."""

    def load(self, kind: type[A], aggregate_id: UUID) -> A:
        """An aggregate by id (NotFoundError, InvalidInputError)."""

    def pauses_of_order(self, order_id: UUID) -> Sequence[Pause]:
        """Every pause of an order, its contract and its customer (R7)."""


@dataclass(frozen=True)
class VisitReport:
    """What was performed on a visit: used for corrections in a shift follow-up (R1, R6)."""

    start: datetime
    end: datetime
    activities: tuple[str, ...]


def pause_over(assignment: Assignment, visits: Visits) -> Pause | None:
    """R7: a pause of the visit's order (through any level) that its reported time
    lies in, or None. A declined visit (R15) is checked with its planned time."""
    period = assignment.reported_period
    if period is None:
        return None
    for pause in visits.pauses_of_order(assignment.order_id):
        if pause.overlaps(*period):
            return pause
    return None


def check_not_paused(assignment: Assignment, visits: Visits) -> None:
    """R7: a visit inside a pause of its order is not confirmed (AssignmentInPauseError)."""
    pause = pause_over(assignment, visits)
    if pause is not None:
        raise AssignmentInPauseError(
            f"Assignment {assignment.id} lies inside pause {pause.id} "
            f"({pause.level} level, {pause.reason}); it cannot be confirmed."
        )


def confirm_visit(assignment: Assignment, visits: Visits, *, actor: str, at: datetime) -> None:
    """R1, R2, R7: confirm one attested visit that lies in no pause of its order."""
    check_not_paused(assignment, visits)
    assignment.confirm(actor=actor, at=at)


def confirm_selected(
    assignment_ids: Sequence[UUID],
    visits: Visits,
    *,
    actor: str,
    at: datetime,
) -> list[Assignment]:
    """R1: confirm every selected visit, in order; the first that cannot be confirmed
    raises ConfirmationRejectedError naming it, and nothing is to be saved."""
    confirmed = []
    for assignment_id in assignment_ids:
        with _rejection(assignment_id):
            assignment = visits.load(Assignment, assignment_id)
            confirm_visit(assignment, visits, actor=actor, at=at)
        confirmed.append(assignment)
    return confirmed


def confirm_shift(
    shift: WorkShift,
    corrections: Mapping[UUID, VisitReport],
    visits: Visits,
    *,
    actor: str,
    at: datetime,
) -> list[Assignment]:
    """R1, R6: confirm a whole shift, its corrections applied first.

    A corrected visit is attested by the confirming person in the same command
    (the shift follow-up is where its data is checked). Visits confirmed earlier
    are left as they are. Returns the visits confirmed now; the first that cannot
    be raises ConfirmationRejectedError, and nothing is to be saved.
    """
    unknown = set(corrections) - set(shift.assignment_ids)
    if unknown:
        raise InvalidInputError(
            f"Corrections name visits outside this shift: {sorted(map(str, unknown))}."
        )
    confirmed: list[Assignment] = []
    for assignment_id in shift.assignment_ids:
        with _rejection(assignment_id):
            assignment = visits.load(Assignment, assignment_id)
            report = corrections.get(assignment_id)
            if report is not None:
                assignment.correct(
                    start=report.start,
                    end=report.end,
                    activities=report.activities,
                    actor=actor,
                    at=at,
                )
                assignment.attest(actor=actor, at=at)
            elif assignment.status is AssignmentStatus.CONFIRMED:
                continue
            confirm_visit(assignment, visits, actor=actor, at=at)
        confirmed.append(assignment)
    return confirmed


def check_corrections(corrections: object) -> dict[UUID, VisitReport]:
    """A shift's corrections: None (none) or a mapping of visit ids to VisitReport."""
    if corrections is None:
        return {}
    if not isinstance(corrections, Mapping):
        raise InvalidInputError(
            f"corrections must map assignment ids to VisitReport, got {type(corrections).__name__}."
        )
    checked: dict[UUID, VisitReport] = {}
    for key, report in corrections.items():
        assignment_id = require_id(key, "corrections key")
        if not isinstance(report, VisitReport):
            raise InvalidInputError(
                f"corrections[{key}] must be a VisitReport, got {type(report).__name__}."
            )
        checked[assignment_id] = report
    return checked


@contextmanager
def _rejection(assignment_id: UUID) -> Iterator[None]:
    """R1: any rule a visit breaks rejects the whole confirmation, naming the visit."""
    try:
        yield
    except HomecareError as error:
        raise ConfirmationRejectedError(assignment_id, error) from error
