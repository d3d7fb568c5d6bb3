"""R14: the city's payment run (ersättningskörning) for a month, the deadline of its items.

For a month M the run is on the 6th of M+1, at 18:00 Stockholm time when the
6th is a weekday that is not a public holiday, otherwise at 10:00. What has
not reached the city by then is not paid with that run.

Public holidays (allmänna helgdagar) come from the `holidays` package's
Sweden calendar, asked without its optional "every Sunday" entries (some
releases include them by default): a Sunday is never a weekday here anyway,
and asking for them would only change the names shown. Whether a *Saturday*
counts as a holiday is our reading of the city's rule, a setting
(`saturday_is_holiday`, default yes, as Swedish law on time limits treats a
Saturday, lag 1930:173).

Only the years that calendar covers (`CALENDAR_YEARS`, read from the package:
1953, when Act 1952:48 set today's holidays, to 2100 with holidays 0.109)
have a run: outside them the package returns no holidays at all, so Trettondedag
jul on 6 January 2101 would be a "weekday" at 18:00. A month whose run falls in
another year (before 1952-12, after 2100-11) is InvalidInputError, never a guess.

Pure: no clock; the caller passes `now` where one is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import Final

from holidays import HolidayBase
from holidays.countries.sweden import Sweden

from homecare.domain.common import STOCKHOLM, require_aware
from homecare.domain.month import Month
from homecare.errors import InvalidInputError

__all__ = [
    "CALENDAR_YEARS",
    "FIRST_PAID_MONTH",
    "HOLIDAY_HOUR",
    "LAST_PAID_MONTH",
    "PAYMENT_DAY",
    "WEEKDAY_HOUR",
    "PaymentRun",
    "check_month",
    "has_payment_run",
    "month_due_next",
    "payment_run",
]

PAYMENT_DAY = 6
WEEKDAY_HOUR = 18
HOLIDAY_HOUR = 10
FIRST_YEAR, LAST_YEAR = 1900, 9998
"""The months homecare names (the buffer's, the console's): 1900-01 to 9998-12."""
CALENDAR_YEARS: Final = (int(Sweden.start_year), int(Sweden.end_year))
"""The years whose public holidays the `holidays` package's Sweden knows, both included."""
FIRST_PAID_MONTH: Final = Month(CALENDAR_YEARS[0] - 1, 12)
"""The first month with a payment run: its run is on 6 January of the first year known."""
LAST_PAID_MONTH: Final = Month(CALENDAR_YEARS[1], 11)
"""The last month with a payment run: its run is on 6 December of the last year known."""


@dataclass(frozen=True)
class PaymentRun:
    """The run that pays month `year`-`month`: when (`at`, Stockholm time) and why then.

    `holiday` is True for a 10:00 run; `why` names the day: "weekday", or the
    holidays that make it one, Swedish beside English ("Annandag påsk (Easter
    Monday)", "lördag (Saturday)").
    """

    year: int
    month: int
    at: datetime
    holiday: bool
    why: str

    @property
    def label(self) -> str:
        """The paid month as YYYY-MM."""
        return str(Month(self.year, self.month))


def payment_run(year: int, month: int, *, saturday_is_holiday: bool = True) -> PaymentRun:
    """R14: the payment run for month `year`-`month` (1-12); InvalidInputError otherwise."""
    check_month(year, month)
    day = Month(year, month).next().first_day.replace(day=PAYMENT_DAY)
    if not CALENDAR_YEARS[0] <= day.year <= CALENDAR_YEARS[1]:
        first, last = CALENDAR_YEARS
        raise InvalidInputError(
            f"No payment run can be given for {Month(year, month)}: it falls on {day}, and "
            f"Sweden's public holidays are known for the years {first}-{last} only (the "
            "holidays package's calendar), so whether it is at 18:00 or at 10:00 cannot be "
            f"told (R14). Months {FIRST_PAID_MONTH} to {LAST_PAID_MONTH} have a run."
        )
    reasons = _holiday_names(day, saturday_is_holiday=saturday_is_holiday)
    hour = HOLIDAY_HOUR if reasons else WEEKDAY_HOUR
    return PaymentRun(
        year=year,
        month=month,
        at=datetime.combine(day, time(hour), tzinfo=STOCKHOLM),
        holiday=bool(reasons),
        why="; ".join(reasons) or "weekday (vardag)",
    )


def has_payment_run(year: int, month: int) -> bool:
    """Whether the month paid is one `payment_run` can tell (FIRST_PAID_MONTH to
    LAST_PAID_MONTH: its run lies in CALENDAR_YEARS); InvalidInputError for no month."""
    check_month(year, month)
    return FIRST_PAID_MONTH <= Month(year, month) <= LAST_PAID_MONTH


def month_due_next(now: datetime, *, saturday_is_holiday: bool = True) -> tuple[int, int]:
    """The month whose payment run is the next one at or after `now` (timezone-aware).

    Before the run on the 6th that month's previous month is due, from the run on
    the current month: on 2026-04-03 it is 2026-03, on 2026-04-07 it is 2026-04.
    """
    local = require_aware(now, "now").astimezone(STOCKHOLM)
    first = Month.of(local.date())
    previous = first.previous()  # InvalidInputError before 0001-02, not an OverflowError
    run = payment_run(previous.year, previous.month, saturday_is_holiday=saturday_is_holiday)
    if local < run.at:
        return previous.year, previous.month
    return first.year, first.month


def check_month(year: int, month: int) -> None:
    """A month homecare names (FIRST_YEAR-01 to LAST_YEAR-12), else InvalidInputError
    "Not a month"; whether it has a payment run is `payment_run`'s question."""
    if (
        isinstance(year, bool)
        or isinstance(month, bool)
        or not isinstance(year, int)
        or not isinstance(month, int)
        or not FIRST_YEAR <= year <= LAST_YEAR
        or not 1 <= month <= 12
    ):
        shown = (
            f"{year:04d}-{month:02d}"
            if type(year) is int and type(month) is int and year >= 0 and month >= 0
            else f"{year!r}-{month!r}"
        )
        raise InvalidInputError(
            f"Not a month: {shown}; expected a year {FIRST_YEAR}-{LAST_YEAR} and a month 1-12."
        )


def _holiday_names(day: date, *, saturday_is_holiday: bool) -> list[str]:
    """Why `day` is not a plain weekday: its holidays' names; empty for a weekday."""
    names: list[str] = []
    if day.weekday() == 5 and saturday_is_holiday:
        names.append("lördag (Saturday)")
    if day.weekday() == 6:
        names.append("söndag (Sunday)")
    swedish, english = _calendar(day.year, "sv"), _calendar(day.year, "en_US")
    for sv, en in zip(swedish.get_list(day), english.get_list(day), strict=True):
        names.append(f"{sv} ({en})")
    return names


@cache
def _calendar(year: int, language: str) -> HolidayBase:
    # The class itself: older `country_holidays` do not pass `include_sundays` on.
    return Sweden(years=year, language=language, include_sundays=False)
