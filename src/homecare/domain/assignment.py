"""A visit (uppdrag, kundbesök) and its path to the city (R1, R2, R6, R15).

planned -> performed -> attested -> confirmed, or planned -> declined ->
attested -> confirmed when the customer declined the visit (avböjt besök,
R15): recorded with when, by whom and an optional reason, and reported to
the city with outcome `declined`, no activities and the planned time. A correction (R6: "correct the
visit in the assignment report") is allowed at any point after performance;
it withdraws the attestation, and on a confirmed visit it reopens it, so the
corrected visit must be attested and confirmed again before it is reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from homecare.domain.common import require_actor, require_instant, require_period, stamp
from homecare.domain.fields import (
    NAME_MAX,
    REASON_TEXT_MAX,
    require_activities,
    require_id,
    require_optional_text,
    require_text,
)
from homecare.domain.record import Record, stockholm_text
from homecare.errors import (
    AssignmentAlreadyConfirmedError,
    AssignmentNotAttestedError,
    AssignmentNotPerformedError,
    InvalidInputError,
    InvalidPeriodError,
)

__all__ = ["Assignment", "AssignmentStatus"]


class AssignmentStatus(StrEnum):
    PLANNED = "planned"
    PERFORMED = "performed"
    DECLINED = "declined"
    ATTESTED = "attested"
    CONFIRMED = "confirmed"


class Assignment(Record):
    class Planned(Aggregate.Created):
        customer_id: UUID
        order_id: UUID
        staff_id: UUID
        planned_start: datetime
        planned_end: datetime
        actor: str

    class Performed(Aggregate.Event):
        performed_start: datetime
        performed_end: datetime
        activities: list[str]
        actor: str

    class Corrected(Performed):
        pass

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
        planned_start, planned_end_or_none = require_period(
            planned_start, planned_end, "Planned visit"
        )
        assert planned_end_or_none is not None
        planned_end = _within_a_day(planned_start, planned_end_or_none, "Planned visit")
        return cls(
            customer_id=require_id(customer_id, "customer_id"),
            order_id=require_id(order_id, "order_id"),
            staff_id=require_id(staff_id, "staff_id"),
            planned_start=planned_start,
            planned_end=planned_end,
            **stamp(actor, at),
        )

    def record_performance(
        self,
        *,
        start: datetime,
        end: datetime,
        activities: Iterable[str],
        actor: str,
        at: datetime,
    ) -> None:
        """Staff report what was done. Done once; later changes are corrections."""
        if self.status is not AssignmentStatus.PLANNED:
            raise InvalidInputError(
                f"Assignment {self.id} is already {self.status}: use a correction instead."
            )
        start, end, reported, at = _checked(start, end, activities, actor, at)
        self._performed(start, end, reported, actor, at)

    def correct(
        self,
        *,
        start: datetime,
        end: datetime,
        activities: Iterable[str],
        actor: str,
        at: datetime,
    ) -> None:
        """R6: fix the visit at the source; it must be attested and confirmed again."""
        if self.status is AssignmentStatus.PLANNED:
            raise AssignmentNotPerformedError(
                f"Assignment {self.id} has not been performed yet: nothing to correct."
            )
        start, end, reported, at = _checked(start, end, activities, actor, at)
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
        if declined_by is None or (isinstance(declined_by, str) and not declined_by.strip()):
            raise InvalidInputError("A declined visit must say who took the decline (declined_by).")
        declined_by = require_text(declined_by, "declined_by", NAME_MAX)
        reason = require_optional_text(reason, "reason", REASON_TEXT_MAX, multiline=True)
        declined_at = require_instant(declined_at, "declined_at")
        checked_at = require_instant(at, "at")
        if declined_at > checked_at:
            raise InvalidInputError(
                f"The visit cannot be recorded as declined at {stockholm_text(declined_at)}, "
                f"after the time it is recorded ({stockholm_text(checked_at)}, Stockholm "
                "time): a decline is recorded once it happened."
            )
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

    @event(Performed)
    def _performed(
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

    @event(Corrected)
    def _corrected(
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

    @event(Declined)
    def _declined(
        self,
        declined_at: datetime,
        declined_by: str,
        reason: str | None,
        planned_start: datetime,
        planned_end: datetime,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self._set_declined(declined_at, declined_by, reason)

    @event(DeclineCorrected)
    def _decline_corrected(
        self,
        declined_at: datetime,
        declined_by: str,
        reason: str | None,
        planned_start: datetime,
        planned_end: datetime,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self._set_declined(declined_at, declined_by, reason)

    def _set_declined(self, declined_at: datetime, declined_by: str, reason: str | None) -> None:
        self.declined_at = declined_at
        self.declined_by = declined_by
        self.decline_reason = reason
        self.performed_start = None
        self.performed_end = None
        self.activities = ()
        self.status = AssignmentStatus.DECLINED

    @event(Attested)
    def _attested(self, actor: str, timestamp: datetime) -> None:
        self.status = AssignmentStatus.ATTESTED

    @event(Confirmed)
    def _confirmed(self, actor: str, timestamp: datetime) -> None:
        self.status = AssignmentStatus.CONFIRMED
        self.confirmations += 1


AssignmentConfirmed = Assignment.Confirmed


def _checked(
    start: datetime,
    end: datetime,
    activities: Iterable[str],
    actor: str,
    at: datetime,
) -> tuple[datetime, datetime, list[str], datetime]:
    """Validate a performance report: the period and `at` in UTC, activities sorted.

    A visit is reported when it has been performed: its end may not lie after
    the time of the report (`at`).
    """
    if end is None:
        raise InvalidInputError("Performed visit: end must be a date and time, got None.")
    start, checked_end = require_period(start, end, "Performed visit")
    assert checked_end is not None
    checked_end = _within_a_day(start, checked_end, "Performed visit")
    require_actor(actor)
    at = require_instant(at, "at")
    if checked_end > at:
        raise InvalidInputError(
            f"Performed visit: it ends at {stockholm_text(checked_end)}, after the report "
            f"is made at {stockholm_text(at)} (Stockholm time); report a visit once it is done."
        )
    reported = require_activities(activities)
    return start, checked_end, reported, at


VISIT_MAX = timedelta(hours=24)


def _within_a_day(start: datetime, end: datetime, what: str) -> datetime:
    """A visit lasts at most VISIT_MAX (24 h): a longer one is a typo (D10).

    Raises InvalidPeriodError; without it a visit reported from 1900 was
    accepted and its item sat, held, in a month nobody looks at.
    """
    if end - start > VISIT_MAX:
        raise InvalidPeriodError(
            f"{what}: from {stockholm_text(start)} to {stockholm_text(end)} (Stockholm time) "
            "is longer than 24 hours; a visit lasts at most a day."
        )
    return end
