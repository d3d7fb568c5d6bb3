"""R5: why a visit cannot be reported yet, in codes a machine reads and words an operator does.

Pure functions over facts the buffer projection keeps; each reason comes
with a one-line hint saying where it is fixed at the source (R6).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum

from homecare.domain.customer import Decision, decision_on

__all__ = ["REASONS", "Reason", "check_visit"]


class Reason(StrEnum):
    STAFF_MISSING_PERSONNUMMER = "staff_missing_personnummer"
    STAFF_MISSING_SD_NUMBER = "staff_missing_sd_number"
    NO_VALID_DECISION = "no_valid_decision"
    ACTIVITY_NOT_GRANTED = "activity_not_granted"
    WAITING_FOR_EARLIER_ITEM = "waiting_for_earlier_item"


REASONS: dict[Reason, tuple[str, str]] = {
    Reason.STAFF_MISSING_PERSONNUMMER: (
        "staff has no personnummer",
        "Edit the staff account and set the personnummer (app.update_staff).",
    ),
    Reason.STAFF_MISSING_SD_NUMBER: (
        "staff has no SD number",
        "Edit the staff account and set the SD number (app.update_staff).",
    ),
    Reason.NO_VALID_DECISION: (
        "customer has no decision valid on the visit date",
        "Register the customer's decision for this date (app.register_decision).",
    ),
    Reason.ACTIVITY_NOT_GRANTED: (
        "reported activities are not granted by the decision",
        "Correct the visit in the assignment report, then attest and confirm it again "
        "(app.correct_assignment), or register a decision that grants the activity.",
    ),
    Reason.WAITING_FOR_EARLIER_ITEM: (
        "waiting for an earlier held item of the same customer",
        "Fix the customer's earlier held item; this one follows it in order (D4).",
    ),
}


def check_visit(
    *,
    staff_personnummer: str | None,
    staff_sd_number: str | None,
    decisions: Sequence[Decision],
    day: date,
    activities: Iterable[str],
) -> list[Reason]:
    """Every reason the visit cannot go to the city; empty when it can."""
    reasons: list[Reason] = []
    if not staff_personnummer:
        reasons.append(Reason.STAFF_MISSING_PERSONNUMMER)
    if not staff_sd_number:
        reasons.append(Reason.STAFF_MISSING_SD_NUMBER)
    decision = decision_on(decisions, day)
    if decision is None:
        reasons.append(Reason.NO_VALID_DECISION)
    elif not set(activities) <= decision.activities:
        reasons.append(Reason.ACTIVITY_NOT_GRANTED)
    return reasons
