"""A calendar month, the unit of the operator's checks (R4 buffer month, R9 "previous month").

The one place for month arithmetic: first and last day, previous and next,
the month before a day (R9), and the month's bounds as UTC instants from
Stockholm local midnights (D5, the buffer's deadline view R14).

Why a value object: month arithmetic (`year * 12 + month`, "the first day of
the next month") overflows at the calendar's edges. `date(10000, 1, 1)` does
not exist, so asking for December 9999 used to crash every view that computed
"the day after the month". Here every month from 0001-01 to 9999-12 has a
first and a last day (both included), and stepping past either edge is an
`InvalidInputError`, never an OverflowError or ValueError.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from homecare.domain.citydays.localdays import utc_midnight
from homecare.domain.identity import redacted
from homecare.errors import InvalidInputError

__all__ = ["FIRST_MONTH", "LAST_MONTH", "Month", "months_pattern"]

_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month, 0001-01 to 9999-12; `str()` is `YYYY-MM`."""

    year: int
    month: int

    def __post_init__(self) -> None:
        for name, value in (("year", self.year), ("month", self.month)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInputError(
                    f"A month's {name} must be a whole number, got {redacted(value)}."
                )
            object.__setattr__(self, name, int.__int__(value))  # an IntEnum's plain int (D10)
        if not 1 <= self.month <= 12 or not date.min.year <= self.year <= date.max.year:
            raise InvalidInputError(
                f"No such month: {self.year}-{self.month:02d} (months run from 0001-01 to 9999-12)."
            )

    @classmethod
    def parse(cls, text: str) -> Month:
        """`YYYY-MM` (ASCII digits, e.g. 2026-03) -> Month; anything else is InvalidInputError."""
        if not isinstance(text, str):
            raise InvalidInputError(f"A month must be text YYYY-MM, got {type(text).__name__}.")
        found = _TEXT.fullmatch(text.strip())
        if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1:
            raise InvalidInputError(
                f"Malformed month {redacted(text)}: expected YYYY-MM, e.g. 2026-03."
            )
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        """The month a day lies in."""
        return cls(day.year, day.month)

    @classmethod
    def before(cls, today: date) -> Month:
        """R9's "previous month": the month before `today`'s (a date, not a datetime).

        InvalidInputError for a datetime or other non-date, and for any day of 0001-01.
        """
        if isinstance(today, datetime) or not isinstance(today, date):
            raise InvalidInputError(f"today must be a calendar date, got {redacted(today)}.")
        if not cls.of(today).has_previous:
            raise InvalidInputError("There is no month before January of year 1.")
        return cls.of(today).previous()

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        """The month's last day, included (so December 9999 needs no day after it)."""
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def days(self) -> tuple[date, date]:
        """(first day, last day), both included."""
        return self.first_day, self.last_day

    def instants(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: the month's first Stockholm midnight and the next month's (D5).

        A local day is 23, 24 or 25 hours long, so the bounds come from local
        midnights (`utc_midnight`, which also bounds the calendar's two ends).
        """
        return utc_midnight(self.first_day), utc_midnight(self.last_day, after=True)

    @property
    def has_previous(self) -> bool:
        return self != FIRST_MONTH

    @property
    def has_next(self) -> bool:
        return self != LAST_MONTH

    def step(self, by: int) -> Month:
        """The month `by` months later (earlier when negative); off the calendar: an error."""
        index = self.year * 12 + self.month - 1 + by
        year, month = divmod(index, 12)
        if not date.min.year <= year <= date.max.year:
            raise InvalidInputError(f"No month {by:+d} from {self}: the calendar ends there.")
        return Month(year, month + 1)

    def previous(self) -> Month:
        return self.step(-1)

    def next(self) -> Month:
        return self.step(1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


FIRST_MONTH = Month(date.min.year, 1)
LAST_MONTH = Month(date.max.year, 12)


def months_pattern(first: Month, last: Month) -> str:
    """A regular expression (anchored, for an OpenAPI `pattern`) that matches `YYYY-MM`
    exactly for the months `first` to `last`, both included: a contract that says which
    months are accepted rather than every month and a 422 for some."""
    if last < first:
        raise InvalidInputError(f"No months from {first} to {last}.")
    if first.year == last.year:
        spans = [(first.year, first.year, first.month, last.month)]
    else:
        spans = [(first.year, first.year, first.month, 12), (last.year, last.year, 1, last.month)]
        if last.year - first.year > 1:
            spans.insert(1, (first.year + 1, last.year - 1, 1, 12))
    return "^(?:{})$".format(
        "|".join(
            f"{_group(_between(low, high, 4))}-{_group(_between(start, end, 2))}"
            for low, high, start, end in spans
        )
    )


def _between(low: int, high: int, width: int) -> str:
    """A regular expression for the numbers `low` to `high` written with `width` digits."""
    lo, hi = f"{low:0{width}d}", f"{high:0{width}d}"
    if lo == hi:
        return lo
    if width == 1:
        return _digit(low, high)
    rest = width - 1
    tail = "[0-9]" if rest == 1 else f"[0-9]{{{rest}}}"
    if lo[1:] == "0" * rest and hi[1:] == "9" * rest:
        return _digit(int(lo[0]), int(hi[0])) + tail
    if lo[0] == hi[0]:
        return lo[0] + _group(_between(int(lo[1:]), int(hi[1:]), rest))
    parts = [lo[0] + _group(_between(int(lo[1:]), 10**rest - 1, rest))]
    if int(hi[0]) - int(lo[0]) > 1:
        parts.append(_digit(int(lo[0]) + 1, int(hi[0]) - 1) + tail)
    parts.append(hi[0] + _group(_between(0, int(hi[1:]), rest)))
    return "|".join(parts)


def _digit(low: int, high: int) -> str:
    return str(low) if low == high else f"[{low}-{high}]"


def _group(pattern: str) -> str:
    return f"(?:{pattern})" if "|" in pattern else pattern
