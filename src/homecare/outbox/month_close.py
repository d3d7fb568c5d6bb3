"""The month close (R14, R12): the payment run as a deadline, the month report, reconciliation.

One object per store (`hc.month_close`), holding the one setting the rule
needs (`saturday_is_holiday`) and the clock that says "now" when the caller
does not. Every query returns a frozen pydantic model.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from homecare._es.error_map import boundary
from homecare.domain.common import require_aware
from homecare.domain.month import Month
from homecare.domain.payment_run import PaymentRun, check_month, month_due_next, payment_run
from homecare.errors import InvalidInputError
from homecare.outbox.deadline import (
    DeadlineReport,
    MetricSample,
    deadline_metrics,
    deadline_report,
)
from homecare.outbox.month_report import MonthReport, month_report
from homecare.outbox.reconcile import Reconciliation, reconcile_pauses
from homecare.outbox.store import Buffer, utc_now

__all__ = ["MonthClose"]


@boundary
class MonthClose:
    def __init__(
        self,
        buffer: Buffer,
        *,
        saturday_is_holiday: bool = True,
        clock: Callable[[], datetime] = utc_now,
        pause_covering: Callable[[UUID], UUID | None] | None = None,
    ) -> None:
        """`pause_covering(assignment_id)`: the pause a visit lies in, or None (R7;
        the facade's `HomecareApplication.pause_covering`); without it every
        unconfirmed visit of a month counts as at risk."""
        self.buffer = buffer
        self.pause_covering = pause_covering
        self.saturday_is_holiday = saturday_is_holiday
        self.clock = clock

    def payment_run(self, year: int, month: int) -> PaymentRun:
        """R14: when the run that pays `year`-`month` is (InvalidInputError for no month)."""
        return payment_run(year, month, saturday_is_holiday=self.saturday_is_holiday)

    def month_due(self, now: datetime | None = None) -> tuple[int, int]:
        """The month whose run is the next at or after `now` (default: the clock)."""
        return month_due_next(self._now(now), saturday_is_holiday=self.saturday_is_holiday)

    def deadline(
        self, year: int | None = None, month: int | None = None, *, now: datetime | None = None
    ) -> DeadlineReport:
        """R14: the run of `year`-`month` (default, both left out: the month due next), the
        time left at `now` (default: the clock), and the month's items not delivered, by
        reason. One of `year` and `month` without the other is InvalidInputError."""
        asked = _month_asked(year, month)
        at = self._now(now)
        year, month = asked if asked is not None else self.month_due(at)
        return deadline_report(self.buffer, self.payment_run(year, month), at, self.pause_covering)

    def metrics(self, now: datetime | None = None) -> list[MetricSample]:
        """R14 gauges for the month due next (see `deadline_metrics`), for /metrics."""
        return deadline_metrics(self.deadline(now=now))

    def report(self, year: int, month: int) -> MonthReport:
        """R14: per organisation, what of the month reached the city before its run."""
        return month_report(self.buffer, self.payment_run(year, month))

    def reconcile_pauses(
        self,
        *,
        customer_id: UUID | None = None,
        year: int | None = None,
        month: int | None = None,
        now: datetime | None = None,
    ) -> Reconciliation:
        """R12: per customer, the whole days the city holds (from the pause messages it
        has fetched) beside the days the pauses imply, each difference with its cause;
        the inactivated pauses with the messages sent for each. `customer_id` limits it
        to one customer (InvalidInputError for a non-UUID, NotFoundError for an id that
        names no customer, culled or not); `year`/`month` (both or neither, else
        InvalidInputError) to one month; `now` (default: the clock) decides which pauses
        have ended."""
        asked = _month_asked(year, month)
        if asked is not None:
            check_month(*asked)  # no payment run needed (R12): any month named
        at = self._now(now)
        self.buffer.check_customer(customer_id)
        window = None if asked is None else Month(*asked)
        return reconcile_pauses(self.buffer, at, customer_id=customer_id, month=window)

    def _now(self, now: datetime | None) -> datetime:
        return require_aware(now if now is not None else self.clock(), "now")


def _month_asked(year: int | None, month: int | None) -> tuple[int, int] | None:
    """The month named by `year` and `month`, or None when both are left out; one
    without the other is InvalidInputError (never half-read as "the default month")."""
    if year is None and month is None:
        return None
    if year is None or month is None:
        raise InvalidInputError("Give both year and month, or neither.")
    return year, month
