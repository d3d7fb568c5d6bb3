"""The supervisor's evening in the demo (R1): attest each work shift, then confirm it
whole (with corrections), visit by visit, or a selection; visits inside a pause (R7)
are refused by the facade and left out."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from homecare.application import VisitReport
from homecare.bootstrap import Homecare
from homecare.demo.clock import Clock, local
from homecare.demo.data import SUPERVISOR, Visit
from homecare.errors import AssignmentInPauseError, ConfirmationRejectedError

__all__ = ["ShiftCounts", "Supervisor"]


@dataclass
class ShiftCounts:
    """Visits confirmed (R1), refused for lying in a pause (R7), corrected in the shift."""

    confirmed: int = 0
    skipped_in_pause: int = 0
    corrected_in_shift: int = 0


@dataclass
class Supervisor:
    """Closes the provider's days; counts what was confirmed and what was skipped."""

    hc: Homecare
    rng: random.Random
    clock: Clock
    counts: ShiftCounts = field(default_factory=ShiftCounts)

    def close(self, day: date, staff: list[UUID], visits: list[Visit]) -> None:
        """R1: the supervisor attests each shift, then confirms it whole or visit by visit."""
        shifts: dict[UUID, list[Visit]] = {}
        for visit in visits:
            shifts.setdefault(visit.staff, []).append(visit)
        for member in staff:
            shift = shifts.get(member)
            if not shift:
                continue
            ids = [v.id for v in shift]
            self.hc.app.attest_assignments(ids, **self.clock.by(SUPERVISOR, local(day, 20, 30)))
            mode = self.rng.random()
            if mode < 0.45:
                self._confirm_shift(member, day, shift)
            elif mode < 0.9:
                self._confirm_selected(ids)
            else:
                self.counts.confirmed += sum(self.confirm_one(visit_id) for visit_id in ids)

    def confirm_one(self, visit_id: UUID) -> bool:
        """Confirm one visit; False (and counted as skipped) if it lies in a pause (R7)."""
        try:
            self.hc.app.confirm_assignment(visit_id, **self.clock.by(SUPERVISOR))
        except AssignmentInPauseError:
            self.counts.skipped_in_pause += 1
            return False
        return True

    def _confirm_shift(self, staff: UUID, day: date, shift: list[Visit]) -> None:
        corrections = {
            v.id: VisitReport(
                v.start, v.end, tuple(a for a in v.activities if a in v.customer.granted)
            )
            for v in shift
            if not v.declined
            and not set(v.activities) <= v.customer.granted
            and self.rng.random() < 0.5
        }
        try:
            confirmed = self.hc.app.confirm_shift(
                staff, day, corrections=corrections, **self.clock.by(SUPERVISOR)
            )
        except ConfirmationRejectedError as error:
            if not isinstance(error.cause, AssignmentInPauseError):
                raise
            self.counts.skipped_in_pause += 1  # the shift cannot go whole: confirm the rest
            self._confirm_selected([v.id for v in shift if v.id != error.assignment_id])
            return
        self.counts.confirmed += len(confirmed)
        self.counts.corrected_in_shift += len(corrections)

    def _confirm_selected(self, ids: list[UUID]) -> None:
        remaining = list(ids)
        while remaining:
            try:
                self.hc.app.confirm_assignments(remaining, **self.clock.by(SUPERVISOR))
            except ConfirmationRejectedError as error:
                if not isinstance(error.cause, AssignmentInPauseError):
                    raise
                self.counts.skipped_in_pause += 1
                remaining.remove(error.assignment_id)  # type: ignore[arg-type]
                continue
            self.counts.confirmed += len(remaining)
            return
