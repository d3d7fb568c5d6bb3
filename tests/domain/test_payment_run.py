"""R14: the payment run for every month of 2026 and 2027, and the month due next."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from holidays.countries.sweden import Sweden

from homecare.domain.citydays import STOCKHOLM
from homecare.domain.month import Month
from homecare.domain.payment_run import (
    CALENDAR_YEARS,
    FIRST_PAID_MONTH,
    LAST_PAID_MONTH,
    month_due_next,
    payment_run,
)
from homecare.errors import InvalidInputError

# month paid -> (day of the run, hour, why); weekdays checked by hand against a calendar.
RUNS = {
    "2026-01": ("2026-02-06", 18, "Friday"),
    "2026-02": ("2026-03-06", 18, "Friday"),
    "2026-03": ("2026-04-06", 10, "Easter Monday"),
    "2026-04": ("2026-05-06", 18, "Wednesday"),
    "2026-05": ("2026-06-06", 10, "Saturday and National Day"),
    "2026-06": ("2026-07-06", 18, "Monday"),
    "2026-07": ("2026-08-06", 18, "Thursday"),
    "2026-08": ("2026-09-06", 10, "Sunday"),
    "2026-09": ("2026-10-06", 18, "Tuesday"),
    "2026-10": ("2026-11-06", 18, "Friday (All Saints' Day was 31 October)"),
    "2026-11": ("2026-12-06", 10, "Sunday"),
    "2026-12": ("2027-01-06", 10, "Wednesday, Epiphany"),
    "2027-01": ("2027-02-06", 10, "Saturday"),
    "2027-02": ("2027-03-06", 10, "Saturday"),
    "2027-03": ("2027-04-06", 18, "Tuesday (Easter Monday was 29 March)"),
    "2027-04": ("2027-05-06", 10, "Thursday, Ascension Day"),
    "2027-05": ("2027-06-06", 10, "Sunday and National Day"),
    "2027-06": ("2027-07-06", 18, "Tuesday"),
    "2027-07": ("2027-08-06", 18, "Friday"),
    "2027-08": ("2027-09-06", 18, "Monday"),
    "2027-09": ("2027-10-06", 18, "Wednesday"),
    "2027-10": ("2027-11-06", 10, "Saturday, All Saints' Day"),
    "2027-11": ("2027-12-06", 18, "Monday"),
    "2027-12": ("2028-01-06", 10, "Thursday, Epiphany"),
}


@pytest.mark.parametrize(("month", "expected"), sorted(RUNS.items()))
def test_r14_the_run_of_every_month_of_2026_and_2027(
    month: str, expected: tuple[str, int, str]
) -> None:
    day, hour, _why = expected
    year, number = (int(part) for part in month.split("-"))
    run = payment_run(year, number)
    assert run.at == datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=STOCKHOLM)
    assert run.holiday is (hour == 10)
    assert run.label == month


def test_r14_the_table_covers_every_month_of_both_years() -> None:
    assert sorted(RUNS) == [f"{y}-{m:02d}" for y in (2026, 2027) for m in range(1, 13)]


def test_r14_the_reason_names_the_holidays_in_swedish_and_english() -> None:
    assert payment_run(2026, 3).why == "Annandag påsk (Easter Monday)"
    assert payment_run(2026, 5).why.startswith("lördag (Saturday); ")
    assert "(National Day" in payment_run(2026, 5).why  # "of Sweden" in some releases
    assert payment_run(2026, 8).why == "söndag (Sunday)"  # no "Söndag" holiday entry twice
    assert payment_run(2026, 1).why == "weekday (vardag)"


def test_r14_a_saturday_is_a_weekday_when_the_setting_says_so() -> None:
    assert payment_run(2027, 1, saturday_is_holiday=False).at.hour == 18
    assert payment_run(2027, 2, saturday_is_holiday=False).at.hour == 18
    # a Saturday that is also a public holiday stays a holiday
    assert payment_run(2026, 5, saturday_is_holiday=False).at.hour == 10
    assert payment_run(2027, 10, saturday_is_holiday=False).at.hour == 10
    assert payment_run(2026, 8, saturday_is_holiday=False).at.hour == 10  # Sunday


def test_r14_the_run_is_stockholm_time_in_summer_and_winter() -> None:
    assert payment_run(2026, 1).at.astimezone(UTC).hour == 17  # CET
    assert payment_run(2026, 4).at.astimezone(UTC).hour == 16  # CEST


@pytest.mark.parametrize(
    ("now", "due"),
    [
        ("2026-04-03T12:00+02:00", (2026, 3)),
        ("2026-04-06T09:59+02:00", (2026, 3)),
        ("2026-04-06T10:00+02:00", (2026, 4)),  # Easter Monday: the run was at 10:00
        ("2026-05-06T17:59+02:00", (2026, 4)),
        ("2026-05-06T18:00+02:00", (2026, 5)),
        ("2026-12-31T23:00+00:00", (2026, 12)),  # already 1 January in Stockholm
        ("2027-01-01T00:30+01:00", (2026, 12)),
        ("2027-01-06T10:00+01:00", (2027, 1)),
    ],
)
def test_r14_the_month_due_next_is_the_one_whose_run_has_not_passed(
    now: str, due: tuple[int, int]
) -> None:
    assert month_due_next(datetime.fromisoformat(now)) == due


@pytest.mark.parametrize(("year", "month"), [(2026, 0), (2026, 13), (1899, 12), (True, 1)])
def test_r14_not_a_month_is_a_clear_error(year: int, month: int) -> None:
    with pytest.raises(InvalidInputError, match="Not a month"):
        payment_run(year, month)


def test_r14_the_years_with_a_run_are_those_the_holidays_package_knows() -> None:
    """Outside its years the package's Sweden returns no holidays at all (6 January 2101
    was a "weekday", 18:00); the range is read from the package, not assumed."""
    first, last = CALENDAR_YEARS
    assert (first, last) == (Sweden.start_year, Sweden.end_year)
    for year in (first, last):
        assert date(year, 1, 6) in Sweden(years=year)  # Trettondedag jul
    for year in (first - 1, last + 1):
        assert len(Sweden(years=year)) == 0  # nothing known, not "no holidays"
    assert (Month(first - 1, 12), Month(last, 11)) == (FIRST_PAID_MONTH, LAST_PAID_MONTH)


def test_r14_every_epiphany_run_of_the_known_years_is_at_ten() -> None:
    first, last = CALENDAR_YEARS
    for year in range(first, last + 1):
        run = payment_run(year - 1, 12)
        assert (run.at.date(), run.at.hour) == (date(year, 1, 6), 10), year
        assert "Trettondedag jul" in run.why


@pytest.mark.parametrize(
    ("year", "month", "falls_on"),
    [(2100, 12, "2101-01-06"), (2101, 5, "2101-06-06"), (9998, 12, "9999-01-06"),
     (1952, 11, "1952-12-06"), (1900, 1, "1900-02-06")],
)  # fmt: skip
def test_r14_a_run_in_a_year_the_calendar_does_not_know_is_refused(
    year: int, month: int, falls_on: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        payment_run(year, month)
    message = raised.value.message
    assert f"falls on {falls_on}" in message
    assert f"{CALENDAR_YEARS[0]}-{CALENDAR_YEARS[1]}" in message
    assert f"Months {FIRST_PAID_MONTH} to {LAST_PAID_MONTH} have a run" in message


def test_r14_the_first_and_last_months_with_a_run() -> None:
    assert payment_run(FIRST_PAID_MONTH.year, 12).why == "Trettondedag jul (Epiphany)"
    assert payment_run(LAST_PAID_MONTH.year, 11).at.date().year == LAST_PAID_MONTH.year
    with pytest.raises(InvalidInputError, match="No payment run"):
        month_due_next(datetime(CALENDAR_YEARS[1] + 1, 2, 1, tzinfo=UTC))
