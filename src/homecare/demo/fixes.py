"""The operator's fixes at the source in the demo (R6): what the city's buffer holds
for a missing SD number or an activity the decision does not grant is fixed where
it came from, and the buffer releases it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from homecare.demo.data import OPERATOR, SUPERVISOR
from homecare.demo.provider import Provider
from homecare.domain.assignment import Assignment
from homecare.domain.customer import Customer

__all__ = ["Operator"]


@dataclass
class Operator:
    """Fixes the provider's data at the source between two of the city's polls; counts
    the staff members given their missing SD number and the held visits corrected."""

    provider: Provider
    staff_fixed: int = 0
    corrected_after_hold: int = 0

    def fix_problems(self, at: datetime) -> None:
        """R6: give the staff member lacking one an SD number, then correct one visit held
        for an activity the decision does not grant."""
        hc, clock = self.provider.hc, self.provider.clock
        for staff in self.provider.without_sd:
            hc.app.update_staff(staff, sd_number="SD7999", **clock.by(OPERATOR, at))
            self.staff_fixed += 1
        hc.catch_up()
        for group in hc.buffer.problems():
            if group.reason == "activity_not_granted" and group.items:
                self._correct_held(group.items[0].assignment_id, group.items[0].business_date)
                return

    def _correct_held(self, visit_id: UUID | None, day: date) -> None:
        """R6: correct the visit in the assignment report, attest and confirm it again."""
        assert visit_id is not None
        app, clock = self.provider.hc.app, self.provider.clock
        with app.reading(reader=OPERATOR, purpose="fixing a held visit (R6)", what="fix") as read:
            visit = read.get(Assignment, visit_id)  # R17: logged as the operator's read
            decision = read.get(Customer, visit.customer_id).decision_on(day)
        kept = [a for a in visit.activities if decision is not None and a in decision.activities]
        if not kept or visit.performed_period is None:
            return
        start, end = visit.performed_period
        app.correct_assignment(
            visit_id, start=start, end=end, activities=kept, **clock.by(OPERATOR)
        )
        app.attest_assignments([visit_id], **clock.by(SUPERVISOR))
        if self.provider.supervisor.confirm_one(visit_id):
            self.corrected_after_hold += 1
