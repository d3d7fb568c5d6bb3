"""A visit (uppdrag, kundbesök) and its path to the city (R1, R2, R6, R15).

planned -> performed -> attested -> confirmed, or planned -> declined ->
attested -> confirmed when the customer declined the visit (avböjt besök,
R15): recorded with when, by whom and an optional reason, and reported to
the city with outcome `declined`, no activities and the planned time. A
correction (R6: "correct the visit in the assignment report") is allowed at
any point after performance or decline; it withdraws the attestation, and on
a confirmed visit it reopens it, so the corrected visit must be attested and
confirmed again before it is reported. The checks of what a report carries
are in `homecare.domain.visit`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from homecare.domain.common import require_period, stamp
from homecare.domain.fields import require_id
from homecare.domain.record import Record
from homecare.domain.visit import checked_decline, checked_performance, within_a_day
from homecare.errors import (
    AssignmentAlreadyConfirmedError,
    AssignmentNotAttestedError,
    AssignmentNotPerformedError,
    InvalidInputError,
)

__all__ = ["Assignment", "AssignmentStatus"]


class AssignmentStatus(StrEnum):
    """Where a visit is on its path to the city (R1, R15); only CONFIRMED is reported (R2)."""

    PLANNED = "planned"
    PERFORMED = "performed"
    DECLINED = "declined"
    ATTESTED = "attested"
    CONFIRMED = "confirmed"


class Assignment(Record):
    """One planned visit of a staff member to a customer, under an order (R1, R2, R6, R15)."""

    class Planned(Aggregate.Created):
        """The visit as the schedule has it: who visits whom, under which order, when."""

        customer_id: UUID
        order_id: UUID
        staff_id: UUID
        planned_start: datetime
        planned_end: datetime
        actor: str

    class Performed(Aggregate.Event):
        """Staff reported the visit done: its real period and the activities (sorted)."""

        performed_start: datetime
        performed_end: datetime
        activities: list[str]
        actor: str

    class Corrected(Performed):
        """R6: the visit corrected at the source; it is attested and confirmed again."""

    class Declined(Aggregate.Event):
        """R15: the customer declined the planned visit; `planned_*` copied for readers."""

        declined_at: datetime
        declined_by: str
        reason: str | None
        planned_start: datetime
        planned_end: datetime
        actor: str

    class DeclineCorrected(Declined):
        """R6, R15: a visit corrected to declined (or its decline's details changed)."""

    class Attested(Aggregate.Event):
        """R1: the visit was checked and may now be confirmed."""

        actor: str

    class Confirmed(Aggregate.Event):
        """AssignmentConfirmed (D1): the visit is released for reporting (R2)."""

        actor: str

    @event(Planned)
    def __init__(
        self,
        customer_id: UUID,
        order_id: UUID,
        staff_id: UUID,
        planned_start: datetime,
        planned_end: datetime,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.customer_id = customer_id
        self.order_id = order_id
        self.staff_id = staff_id
        self.planned_start = planned_start
        self.planned_end = planned_end
        self.performed_start: datetime | None = None
        self.performed_end: datetime | None = None
        self.activities: tuple[str, ...] = ()
        self.status = AssignmentStatus.PLANNED
        self.confirmations = 0
        self.declined_at: datetime | None = None
        self.declined_by: str | None = None
        self.decline_reason: str | None = None

    @property
    def outcome(self) -> str:
        """R15: `declined` when the customer declined the visit, else `performed`."""
        return "declined" if self.declined_at is not None else "performed"

    @classmethod
    def plan(
        cls,
        *,
        customer_id: UUID,
        order_id: UUID,
        staff_id: UUID,
        planned_start: datetime,
        planned_end: datetime,
        actor: str,
        at: datetime,
    ) -> Assignment:
        if planned_end is None:
            raise InvalidInputError("Planned visit: end must be a date and time, got None.")
        planned_start, planned_end_or_none = require_period(
            planned_start, planned_end, "Planned visit"
        )
        assert planned_end_or_none is not None
        planned_end = within_a_day(planned_start, planned_end_or_none, "Planned visit")
        return cls(
            customer_id=require_id(customer_id, "customer_id"),
            order_id=require_id(order_id, "order_id"),
            staff_id=require_id(staff_id, "staff_id"),
            planned_start=planned_start,
            planned_end=planned_end,
            **stamp(actor, at),
        )

    def record_performance(
        self, *, start: datetime, end: datetime, activities: Iterable[str], actor: str, at: datetime
    ) -> None:
        """Staff report what was done. Done once; later changes are corrections."""
        if self.status is not AssignmentStatus.PLANNED:
            raise InvalidInputError(
                f"Assignment {self.id} is already {self.status}: use a correction instead."
            )
        start, end, reported, at = checked_performance(start, end, activities, actor, at)
        self._performed(start, end, reported, actor, at)

    def correct(
        self, *, start: datetime, end: datetime, activities: Iterable[str], actor: str, at: datetime
    ) -> None:
        """R6: fix the visit at the source; it must be attested and confirmed again."""
        if self.status is AssignmentStatus.PLANNED:
            raise AssignmentNotPerformedError(
                f"Assignment {self.id} has not been performed yet: nothing to correct."
            )
        start, end, reported, at = checked_performance(start, end, activities, actor, at)
        self._corrected(start, end, reported, actor, at)

    def decline(
        self,
        *,
        declined_at: datetime,
        declined_by: str,
        reason: str | None = None,
        actor: str,
        at: datetime,
    ) -> None:
        """R15: the customer declined the visit: when, taken by whom, an optional reason.

        On a planned visit this records the outcome; on one already performed or
        declined it is a correction (R6): attest and confirm it again.
        """
        declined_at, declined_by, reason = checked_decline(declined_at, declined_by, reason, at)
        record = (
            self._declined if self.status is AssignmentStatus.PLANNED else self._decline_corrected
        )
        record(
            declined_at=declined_at,
            declined_by=declined_by,
            reason=reason,
            planned_start=self.planned_start,
            planned_end=self.planned_end,
            **stamp(actor, at),
        )

    def attest(self, *, actor: str, at: datetime) -> None:
        if self.status is AssignmentStatus.PLANNED:
            raise AssignmentNotPerformedError(
                f"Assignment {self.id} has no performed time (nor a decline) to attest."
            )
        if self.status is AssignmentStatus.CONFIRMED:
            raise AssignmentAlreadyConfirmedError(f"Assignment {self.id} is already confirmed.")
        self._attested(**stamp(actor, at))

    def check_can_confirm(self) -> None:
        """R1: only an attested visit can be confirmed, and only once."""
        if self.status is AssignmentStatus.CONFIRMED:
            raise AssignmentAlreadyConfirmedError(f"Assignment {self.id} is already confirmed.")
        if self.status is not AssignmentStatus.ATTESTED:
            raise AssignmentNotAttestedError(
                f"Assignment {self.id} is {self.status}, not attested: attest it before confirming."
            )

    def confirm(self, *, actor: str, at: datetime) -> None:
        self.check_can_confirm()
        self._confirmed(**stamp(actor, at))

    @property
    def reported_period(self) -> tuple[datetime, datetime] | None:
        """The time the city is told about: performed, or planned for a declined visit (R15).

        R7's pause check applies to it: a visit inside a pause is not confirmed.
        """
        if self.declined_at is not None:
            return self.planned_start, self.planned_end
        return self.performed_period

    @property
    def performed_period(self) -> tuple[datetime, datetime] | None:
        if self.performed_start is None or self.performed_end is None:
            return None
        return self.performed_start, self.performed_end

    def _set_performed(
        self,
        performed_start: datetime,
        performed_end: datetime,
        activities: list[str],
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.performed_start = performed_start
        self.performed_end = performed_end
        self.activities = tuple(activities)
        self.status = AssignmentStatus.PERFORMED
        self.declined_at = self.declined_by = self.decline_reason = None

    # A correction (R6) leaves the visit as a first report does, under its own event.
    _performed = event(Performed)(_set_performed)
    _corrected = event(Corrected)(_set_performed)

    def _set_declined(
        self,
        declined_at: datetime,
        declined_by: str,
        reason: str | None,
        planned_start: datetime,
        planned_end: datetime,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.declined_at = declined_at
        self.declined_by = declined_by
        self.decline_reason = reason
        self.performed_start = None
        self.performed_end = None
        self.activities = ()
        self.status = AssignmentStatus.DECLINED

    # Correcting to declined (R6, R15) leaves the visit as a first decline does.
    _declined = event(Declined)(_set_declined)
    _decline_corrected = event(DeclineCorrected)(_set_declined)

    @event(Attested)
    def _attested(self, actor: str, timestamp: datetime) -> None:
        self.status = AssignmentStatus.ATTESTED

    @event(Confirmed)
    def _confirmed(self, actor: str, timestamp: datetime) -> None:
        self.status = AssignmentStatus.CONFIRMED
        self.confirmations += 1


AssignmentConfirmed = Assignment.Confirmed
