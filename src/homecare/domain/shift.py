"""A staff member's work shift (arbetspass) for one Stockholm day.

Why an aggregate: R1 lets a supervisor confirm a whole shift at once, so the
shift must know its visits. Its id is derived from (staff, day), so planning
a visit finds or opens the shift without a query.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from homecare.domain.common import require_actor, require_instant, stamp, stockholm_day
from homecare.domain.fields import require_day, require_id
from homecare.domain.record import Record
from homecare.errors import InvalidInputError

__all__ = ["WorkShift", "check_shift_day"]


def check_shift_day(shift_day: date, planned_start: datetime) -> None:
    """A visit is planned into the shift of its start's Stockholm day, or of the day
    before or after it (a night shift); any other day is InvalidInputError."""
    shift_day = require_day(shift_day, "shift_day")
    start_day = stockholm_day(planned_start, "planned_start")
    if abs((shift_day - start_day).days) > 1:
        raise InvalidInputError(
            f"shift_day {shift_day.isoformat()} is not the day of the planned start "
            f"({start_day.isoformat()}, Stockholm) nor the day before or after it."
        )


class WorkShift(Record):
    """The visits of one staff member on one Stockholm day, confirmed together (R1)."""

    class Opened(Aggregate.Created):
        staff_id: UUID
        day: date
        actor: str

    class AssignmentAdded(Aggregate.Event):
        assignment_id: UUID
        actor: str

    @staticmethod
    def id_for(staff_id: UUID, day: date) -> UUID:
        """The shift's id, derived from (staff, day); a datetime is not a day (D10)."""
        require_id(staff_id, "staff_id")
        require_day(day, "day")
        return uuid5(NAMESPACE_URL, f"homecare:shift:{staff_id}:{day.isoformat()}")

    @classmethod
    def open(cls, *, staff_id: UUID, day: date, actor: str, at: datetime) -> WorkShift:
        staff_id, day = require_id(staff_id, "staff_id"), require_day(day, "day")
        return cls._create(
            cls.Opened,
            id=cls.id_for(staff_id, day),
            staff_id=staff_id,
            day=day,
            **stamp(actor, at),
        )

    @event(Opened)
    def __init__(self, staff_id: UUID, day: date, actor: str, timestamp: datetime) -> None:
        self.staff_id = staff_id
        self.day = day
        self.assignment_ids: tuple[UUID, ...] = ()

    def add(self, *, assignment_id: UUID, actor: str, at: datetime) -> None:
        """Add a planned visit. The shift is an index that planners share, each with
        their own clock, and a planner retries after a concurrent save: the entry is
        dated no earlier than the shift's last one, so the shift's own history still
        only moves forward (D11) while the visit itself keeps the planner's `at`.
        """
        self._added(
            assignment_id=require_id(assignment_id, "assignment_id"),
            actor=require_actor(actor),
            timestamp=max(require_instant(at, "at"), self.modified_on),
        )

    @event(AssignmentAdded)
    def _added(self, assignment_id: UUID, actor: str, timestamp: datetime) -> None:
        self.assignment_ids = (*self.assignment_ids, assignment_id)
