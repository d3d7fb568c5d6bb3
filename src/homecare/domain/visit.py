"""The checks of what is reported about a visit: performed (R6, D10) or declined (R15).

Why apart from the aggregate: the assignment's lifecycle reads as the manual
(`homecare.domain.assignment`); these are the door's rules for the values a
report carries, each raising a HomecareError an operator understands.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from homecare.domain.common import require_actor, require_instant, require_period
from homecare.domain.fields import (
    NAME_MAX,
    REASON_TEXT_MAX,
    require_activities,
    require_optional_text,
    require_text,
)
from homecare.domain.record import check_happened, stockholm_text
from homecare.errors import InvalidInputError, InvalidPeriodError

__all__ = ["VISIT_MAX", "checked_decline", "checked_performance", "within_a_day"]

VISIT_MAX = timedelta(hours=24)
"""The longest a visit, planned or performed, may last (D10)."""


def checked_performance(
    start: datetime,
    end: datetime,
    activities: Iterable[str],
    actor: str,
    at: datetime,
) -> tuple[datetime, datetime, list[str], datetime]:
    """Validate a performance report: the period and `at` in UTC, activities sorted.

    A visit is reported when it has been performed: its end may not lie after
    the time of the report (`at`). InvalidInputError or InvalidPeriodError.
    """
    if end is None:
        raise InvalidInputError("Performed visit: end must be a date and time, got None.")
    start, checked_end = require_period(start, end, "Performed visit")
    assert checked_end is not None
    checked_end = within_a_day(start, checked_end, "Performed visit")
    require_actor(actor)
    at = require_instant(at, "at")
    check_happened(
        checked_end,
        at,
        "Performed visit: it ends at {instant}, after the report is made at {at} "
        "(Stockholm time); report a visit once it is done.",
    )
    reported = require_activities(activities)
    return start, checked_end, reported, at


def checked_decline(
    declined_at: datetime, declined_by: str, reason: str | None, at: datetime
) -> tuple[datetime, str, str | None]:
    """R15: (declined_at in UTC, who took the decline, the reason or None), checked.

    Who took it is required text; the reason may span lines; a decline is
    recorded once it happened, so `declined_at` may not lie after `at`.
    """
    if declined_by is None or (isinstance(declined_by, str) and not declined_by.strip()):
        raise InvalidInputError("A declined visit must say who took the decline (declined_by).")
    declined_by = require_text(declined_by, "declined_by", NAME_MAX)
    reason = require_optional_text(reason, "reason", REASON_TEXT_MAX, multiline=True)
    declined_at = require_instant(declined_at, "declined_at")
    check_happened(
        declined_at,
        require_instant(at, "at"),
        "The visit cannot be recorded as declined at {instant}, after the time it is "
        "recorded ({at}, Stockholm time): a decline is recorded once it happened.",
    )
    return declined_at, declined_by, reason


def within_a_day(start: datetime, end: datetime, what: str) -> datetime:
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
