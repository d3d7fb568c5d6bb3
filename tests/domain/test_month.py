"""Issue 11, item 6: month arithmetic at the calendar's edges is input, never an overflow."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from homecare.domain.common import require_aware
from homecare.domain.month import FIRST_MONTH, LAST_MONTH, Month, months_pattern
from homecare.errors import InvalidInputError


def test_december_9999_has_a_last_day_and_no_next_month() -> None:
    december = Month.parse("9999-12")
    assert (december.first_day, december.last_day) == (date(9999, 12, 1), date.max)
    assert december == LAST_MONTH
    assert not december.has_next
    assert december.previous() == Month(9999, 11)
    with pytest.raises(InvalidInputError, match="calendar ends"):
        december.next()


def test_january_0001_has_no_previous_month() -> None:
    assert Month.parse("0001-01") == FIRST_MONTH
    assert not FIRST_MONTH.has_previous
    with pytest.raises(InvalidInputError):
        FIRST_MONTH.previous()


@pytest.mark.parametrize(
    "text",
    [
        "0000-01",
        "2026-13",
        "2026-00",
        "2026-3",
        "26-03",
        "١٩٩٩-٠٣",
        "\uff12\uff10\uff12\uff16-\uff10\uff13",
        "",
    ],
)
def test_malformed_months_are_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInputError, match="Malformed month"):
        Month.parse(text)


def test_stepping_and_bounds() -> None:
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 1).step(-13) == Month(2024, 12)
    assert Month(2024, 2).last_day == date(2024, 2, 29)
    assert str(Month(7, 3)) == "0007-03"
    for year, month in ((0, 1), (10000, 1), (2026, 0), (2026, 13)):
        with pytest.raises(InvalidInputError):
            Month(year, month)


@pytest.mark.parametrize(
    "instant",
    [
        datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
        datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-1))),
    ],
)
def test_instants_beyond_the_utc_calendar_are_invalid_input(instant: datetime) -> None:
    with pytest.raises(InvalidInputError, match="outside the calendar"):
        require_aware(instant, "at")


def test_the_first_and_last_utc_instants_are_instants() -> None:
    assert require_aware(datetime.min.replace(tzinfo=UTC), "at").year == 1
    assert require_aware(datetime.max.replace(tzinfo=UTC), "at").year == 9999


def test_month_days_and_the_month_before_a_day() -> None:
    assert Month(2024, 2).days == (date(2024, 2, 1), date(2024, 2, 29))
    assert Month.before(date(2026, 1, 1)) == Month(2025, 12)
    with pytest.raises(InvalidInputError, match="no month before"):
        Month.before(date(1, 1, 31))
    with pytest.raises(InvalidInputError, match="calendar date"):
        Month.before(datetime(2026, 3, 1, tzinfo=UTC))


def test_month_instants_come_from_stockholm_midnights() -> None:
    # March 2024 ends on the Sunday summer time starts: the month is 743 hours long.
    start, end = Month(2024, 3).instants()
    assert start == datetime(2024, 2, 29, 23, tzinfo=UTC)
    assert end == datetime(2024, 3, 31, 22, tzinfo=UTC)
    assert LAST_MONTH.instants()[1] == datetime(9999, 12, 31, 23, tzinfo=UTC)
    assert FIRST_MONTH.instants()[0] == datetime.min.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("first", "last"),
    [("1952-12", "2100-11"), ("0001-01", "9999-12"), ("1900-01", "9998-12"),
     ("2026-03", "2026-03"), ("2026-03", "2027-02"), ("0999-10", "1000-01"),
     ("1999-12", "2000-01"), ("0450-07", "8123-05")],
)  # fmt: skip
def test_a_months_pattern_matches_exactly_the_months_from_first_to_last(
    first: str, last: str
) -> None:
    """The HTTP API's contract (R14's months paid): a pattern that accepts a month the
    library then refuses, or refuses one it takes, is a broken OpenAPI document."""
    pattern = re.compile(months_pattern(Month.parse(first), Month.parse(last)))
    low, high = Month.parse(first), Month.parse(last)
    for year in range(1, 10000):
        for number in range(1, 13):
            month = Month(year, number)
            assert bool(pattern.fullmatch(str(month))) is (low <= month <= high), month
    for text in ("2026-3", "02026-03", "2026-00", "2026-13", "", "2026-03\n", " 2026-03"):
        assert pattern.fullmatch(text) is None
