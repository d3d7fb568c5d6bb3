"""Stockholm local days: instants to the whole days the city counts (R10, D5).

The city's system knows a pause only as whole calendar days of the *customer*,
whatever the pause's level (customer, contract or order) and whatever its
clock times (R10). Our pauses are instants, so this module is the single place
that turns instants into days, and it does so in Europe/Stockholm local time
with DST handled by `zoneinfo` (D5): a day is a local calendar date, which is
23, 24 or 25 hours long.

Pure: standard library only, no clock reads, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from homecare.domain.common import STOCKHOLM

__all__ = [
    "STOCKHOLM",
    "DayPeriod",
    "check_disjoint",
    "check_period",
    "city_periods",
    "day_period",
    "overlap",
    "overlap_or_touch",
    "utc_midnight",
]

_RESOLUTION = timedelta(microseconds=1)
"""`datetime`'s resolution: the last instant before an end is the end minus this."""


@dataclass(frozen=True, order=True)
class DayPeriod:
    """A whole-calendar-day period as the city holds it. last_day None = open-ended (ongoing).

    Both days are included. The city counts whole days only (R10), so this is
    the unit every comparison with the city is made in (D5).
    """

    first_day: date
    last_day: date | None


def _require_aware(value: datetime, name: str) -> None:
    # A naive datetime has no defined instant, so its Stockholm date is a guess;
    # D5 requires the real local date, so refuse rather than guess.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive datetime {value.isoformat()}")


def day_period(start: datetime, end: datetime | None) -> DayPeriod | None:
    """Stockholm calendar days touched with positive duration by the interval [start, end).

    Why: the city counts whole days (R10) in Stockholm local time (D5), so a
    pause from 22:30 to 02:30 pauses two days, and a pause ending exactly at
    local midnight does not pause the day that midnight starts.

    start/end must be timezone-aware (ValueError otherwise). end None -> open
    (last_day None). first_day = local date of start; last_day = local date of
    the last instant before end. Returns None if end is not None and
    end <= start (no positive duration, so no day is touched).

    All arithmetic and comparison is done in UTC: Python compares and subtracts
    two datetimes sharing one tzinfo by wall clock, which is wrong across a DST
    switch (D5).
    """
    _require_aware(start, "start")
    start_utc = start.astimezone(UTC)
    first_day = start_utc.astimezone(STOCKHOLM).date()
    if end is None:
        return DayPeriod(first_day, None)
    _require_aware(end, "end")
    end_utc = end.astimezone(UTC)
    if end_utc <= start_utc:
        return None
    last_day = (end_utc - _RESOLUTION).astimezone(STOCKHOLM).date()
    return DayPeriod(first_day, last_day)


def city_periods(
    effective_periods: Iterable[tuple[datetime, datetime | None]],
) -> tuple[DayPeriod, ...]:
    """The whole-day union of a customer's effective periods: what the city must hold (R10, D5).

    Every pause counts as a pause of the customer whatever its level (R10), so
    the periods of all levels are unioned. Each is mapped with `day_period`
    (periods touching no day are dropped); overlapping periods and periods on
    adjacent days (e.g. ..-05 and 06-..) merge, because for the city two
    adjacent whole-day periods are one unbroken pause; an open-ended period
    absorbs everything from its first day on.

    Result: sorted by first_day, pairwise disjoint and non-adjacent, so it is a
    canonical form: equal day sets give equal results.
    """
    days = [p for start, end in effective_periods if (p := day_period(start, end)) is not None]
    days.sort(key=lambda p: p.first_day)
    merged: list[DayPeriod] = []
    for period in days:
        current = merged[-1] if merged else None
        if current is None or not overlap_or_touch(
            current.first_day, current.last_day, period.first_day, period.last_day
        ):
            merged.append(period)
        elif current.last_day is None or period.last_day is None:
            merged[-1] = DayPeriod(current.first_day, None)
        else:
            merged[-1] = DayPeriod(current.first_day, max(current.last_day, period.last_day))
    return tuple(merged)


def utc_midnight(day: date, *, after: bool = False) -> datetime:
    """Stockholm midnight starting `day` (or the day after it) as a UTC instant (D5).

    A local day is 23, 24 or 25 hours long, so the midnight is found from the
    local date, never by adding hours to an instant. At the calendar's edges
    that midnight lies outside what datetime can hold (0001-01-01 00:00
    Stockholm is still year 0 in UTC; the day after 9999-12-31 does not exist):
    there the bound is the first instant there is, or the last midnight plus a
    day in UTC (no clock change in December), which keeps exactly the same
    instants on each side.
    """
    if after and day == date.max:
        return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC) + timedelta(days=1)
    if after:
        day += timedelta(days=1)
    try:
        return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


# -- comparing day periods (None = open to infinity) --------------------------


def overlap(a_first: date, a_last: date | None, b_first: date, b_last: date | None) -> bool:
    """Whether two day periods share at least one day (None = open to infinity)."""
    return (a_last is None or b_first <= a_last) and (b_last is None or a_first <= b_last)


def overlap_or_touch(
    a_first: date, a_last: date | None, b_first: date, b_last: date | None
) -> bool:
    """Whether two day periods share a day or lie on adjacent days."""
    # Subtraction instead of `last_day + 1 day` so that date.max cannot overflow.
    if a_first <= b_first:
        return a_last is None or (b_first - a_last).days <= 1
    return b_last is None or (a_first - b_last).days <= 1


def check_period(first_day: date, last_day: date | None, what: str) -> None:
    """ValueError if the period ends before it starts."""
    if last_day is not None and last_day < first_day:
        raise ValueError(f"{what} ends ({last_day}) before it starts ({first_day})")


def check_disjoint(periods: Sequence[tuple[date, date | None]], what: str) -> None:
    """ValueError naming the first two periods that share a day."""
    ordered = sorted(periods, key=lambda p: p[0])
    for (a_first, a_last), (b_first, b_last) in pairwise(ordered):
        if overlap(a_first, a_last, b_first, b_last):
            raise ValueError(
                f"{what} overlap: {a_first}..{a_last or 'open'} and {b_first}..{b_last or 'open'}"
            )
