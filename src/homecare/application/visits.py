"""Visits: plan, perform, correct, decline, attest and confirm them (R1, R6, R7, R15)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from uuid import UUID

from homecare._es.application import EventStore
from homecare._es.error_map import boundary
from homecare._es.loads import CommandLoads
from homecare.domain import confirmation
from homecare.domain.assignment import Assignment
from homecare.domain.confirmation import VisitReport
from homecare.domain.fields import require_day, require_id, require_ids
from homecare.domain.order import Order
from homecare.domain.record import check_created_before
from homecare.domain.shift import WorkShift, check_shift_day
from homecare.domain.staff import Staff
from homecare.errors import ConcurrentUpdateError, InvalidInputError, NotFoundError

__all__ = ["VisitCommands"]

_SHIFT_RETRIES = 5


@boundary
class VisitCommands(EventStore):
    """A visit's life: planned into a shift, performed or declined, attested, confirmed."""

    def plan_assignment(
        self,
        *,
        order_id: UUID,
        staff_id: UUID,
        planned_start: datetime,
        planned_end: datetime,
        shift_day: date,
        actor: str,
        at: datetime,
    ) -> UUID:
        """Plan a visit into the staff member's work shift for `shift_day`.

        The shift's day is the Stockholm day of the planned start, or the day
        before or after it (a night shift); any other day is refused.
        """
        order = self._load(Order, order_id)
        for parent in (order, self._load(Staff, staff_id)):
            check_created_before(parent, at)
        check_shift_day(shift_day, planned_start)
        # The shift is an index shared by every visit of that staff member and day;
        # concurrent planners may collide on it, which is not the host's concern.
        for attempt in range(_SHIFT_RETRIES):
            assignment = Assignment.plan(
                customer_id=order.customer_id,
                order_id=order_id,
                staff_id=staff_id,
                planned_start=planned_start,
                planned_end=planned_end,
                actor=actor,
                at=at,
            )
            shift = self._shift(staff_id, shift_day, actor, at)
            shift.add(assignment_id=assignment.id, actor=actor, at=at)
            try:
                self.save(assignment, shift)
            except ConcurrentUpdateError:
                if attempt == _SHIFT_RETRIES - 1:
                    raise
                continue
            return assignment.id
        raise AssertionError("unreachable")  # pragma: no cover

    def _shift(self, staff_id: UUID, day: date, actor: str, at: datetime) -> WorkShift:
        try:
            return self._load(WorkShift, WorkShift.id_for(staff_id, day))
        except NotFoundError:
            return WorkShift.open(staff_id=staff_id, day=day, actor=actor, at=at)

    def record_performance(
        self,
        assignment_id: UUID,
        *,
        start: datetime,
        end: datetime,
        activities: Sequence[str],
        actor: str,
        at: datetime,
    ) -> None:
        """R1: what was done on the visit, when; attest and confirm it next."""
        self._change(
            Assignment,
            assignment_id,
            lambda a: a.record_performance(
                start=start, end=end, activities=activities, actor=actor, at=at
            ),
        )

    def correct_assignment(
        self,
        assignment_id: UUID,
        *,
        start: datetime,
        end: datetime,
        activities: Sequence[str],
        actor: str,
        at: datetime,
    ) -> None:
        """R6: correct the visit in the assignment report; attest and confirm it again."""
        self._change(
            Assignment,
            assignment_id,
            lambda a: a.correct(start=start, end=end, activities=activities, actor=actor, at=at),
        )

    def record_declined_visit(
        self,
        assignment_id: UUID,
        *,
        declined_at: datetime,
        declined_by: str,
        reason: str | None = None,
        actor: str,
        at: datetime,
    ) -> None:
        """R15: the customer declined the planned visit (avböjt besök): when, taken by
        whom, an optional reason. Attest and confirm it like a performed visit; it is
        reported with outcome `declined`, no activities and the planned time. On a
        visit already performed or declined this is a correction (R6)."""
        self._change(
            Assignment,
            assignment_id,
            lambda a: a.decline(
                declined_at=declined_at, declined_by=declined_by, reason=reason, actor=actor, at=at
            ),
        )

    def attest_assignments(
        self, assignment_ids: Sequence[UUID], *, actor: str, at: datetime
    ) -> None:
        """R1: the staff member's signature on their reports, all or nothing."""
        assignments = [self._load(Assignment, i) for i in _distinct(assignment_ids)]
        for assignment in assignments:
            assignment.attest(actor=actor, at=at)
        self.save(*assignments)

    def confirm_assignment(self, assignment_id: UUID, *, actor: str, at: datetime) -> None:
        """R1, R2: confirm one attested visit; it is placed in the integration buffer."""
        loads = self._loads()
        loads.prefetch([assignment_id])
        assignment = loads.load(Assignment, assignment_id)
        loads.prefetch_pause_check([assignment])
        confirmation.confirm_visit(assignment, loads, actor=actor, at=at)
        self.save(assignment)

    def confirm_assignments(
        self, assignment_ids: Sequence[UUID], *, actor: str, at: datetime
    ) -> None:
        """R1: confirm many selected visits (the explicit yes), all or nothing."""
        assignment_ids = _distinct(assignment_ids)
        loads = self._visit_loads(assignment_ids)
        confirmed = confirmation.confirm_selected(assignment_ids, loads, actor=actor, at=at)
        self.save(*confirmed)

    def confirm_shift(
        self,
        staff_id: UUID,
        day: date,
        *,
        corrections: Mapping[UUID, VisitReport] | None = None,
        actor: str,
        at: datetime,
    ) -> list[UUID]:
        """R1: confirm a staff member's whole work shift, corrections applied first.

        A corrected visit is attested by the confirming person in the same command
        (the shift follow-up is where its data is checked). Visits confirmed
        earlier are left as they are. All or nothing; returns the confirmed ids.
        """
        require_id(staff_id, "staff_id")
        require_day(day, "day")
        checked = confirmation.check_corrections(corrections)
        shift_id = WorkShift.id_for(staff_id, day)
        loads = self._loads()
        loads.prefetch([staff_id, shift_id])
        loads.load(Staff, staff_id)
        shift = loads.load(WorkShift, shift_id)
        self._visit_loads(shift.assignment_ids, loads)
        confirmed = confirmation.confirm_shift(shift, checked, loads, actor=actor, at=at)
        self.save(*confirmed)
        return [a.id for a in confirmed]

    def pause_covering(self, assignment_id: UUID) -> UUID | None:
        """R7: the id of a pause (of the visit's order, through any level) that the
        visit's reported time lies in, or None; such a visit cannot be confirmed.

        Raises NotFoundError for an unknown visit."""
        loads = self._loads()
        pause = confirmation.pause_over(loads.load(Assignment, assignment_id), loads)
        return None if pause is None else pause.id

    def _visit_loads(
        self, assignment_ids: Sequence[UUID], loads: CommandLoads | None = None
    ) -> CommandLoads:
        """A loader with these visits and what their pause check needs read ahead."""
        loads = loads or self._loads()
        loads.prefetch(assignment_ids)
        loads.prefetch_pause_check(loads.peek(Assignment, i) for i in assignment_ids)
        return loads


def _distinct(assignment_ids: Sequence[UUID]) -> list[UUID]:
    """The ids as a list; the same visit named twice is InvalidInputError."""
    ids = require_ids(assignment_ids, "assignment_ids")
    if len(set(ids)) != len(ids):
        raise InvalidInputError("The same assignment is listed twice.")
    return ids
