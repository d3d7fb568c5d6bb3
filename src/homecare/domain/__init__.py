"""The home-care domain: aggregates, events and rules. Pure: no I/O, no clock.

Every command takes `actor` (who) and `at` (when, timezone-aware); the
domain never reads the time itself, so replays and tests are deterministic.
"""

from homecare.domain.assignment import Assignment, AssignmentConfirmed, AssignmentStatus
from homecare.domain.contract import Contract
from homecare.domain.customer import Customer, Decision
from homecare.domain.identity import PersonalIdentityNumber
from homecare.domain.order import Order
from homecare.domain.pause import (
    Pause,
    PauseCancelled,
    PauseChanged,
    PauseCreated,
    PauseLevel,
    PauseReason,
    PauseStatus,
)
from homecare.domain.shift import WorkShift
from homecare.domain.staff import Staff

__all__ = [
    "Assignment",
    "AssignmentConfirmed",
    "AssignmentStatus",
    "Contract",
    "Customer",
    "Decision",
    "Order",
    "Pause",
    "PauseCancelled",
    "PauseChanged",
    "PauseCreated",
    "PauseLevel",
    "PauseReason",
    "PauseStatus",
    "PersonalIdentityNumber",
    "Staff",
    "WorkShift",
]
