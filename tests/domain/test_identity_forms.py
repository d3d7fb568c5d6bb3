"""Identity numbers exactly as Skatteverket issues them (issue 11, item 5; D8).

ASCII digits only; a 10-digit number's `+` means 100 or older in the current
calendar year; samordningsnummer with an unknown birth month or day are valid
with a partial birth date; every entry point computes "today" the same way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from personnummer import personnummer as reference

from homecare.domain import PersonalIdentityNumber
from homecare.domain.common import STOCKHOLM, stockholm_day
from homecare.errors import InvalidPersonalIdentityNumberError
from tests.domain.pnr import VALID, with_check_digit

FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x0660 + d) for d in range(10)))


@pytest.mark.parametrize(
    "text",
    [
        # the example: the birth date in fullwidth digits
        "\uff11\uff19\uff11\uff12\uff11\uff12\uff11\uff12-1212",
        VALID.translate(FULLWIDTH),
        VALID.translate(ARABIC_INDIC),
        VALID[:11] + "\uff12",
        "121212-1212".translate(FULLWIDTH),
    ],
)
def test_D8_only_ascii_digits_are_accepted(text: str) -> None:
    with pytest.raises(InvalidPersonalIdentityNumberError) as caught:
        PersonalIdentityNumber.parse(text, today=date(2026, 3, 2))
    assert caught.value.code == "invalid_personnummer"


def test_D8_the_value_object_itself_refuses_non_ascii_digits() -> None:
    with pytest.raises(InvalidPersonalIdentityNumberError):
        PersonalIdentityNumber(VALID.translate(FULLWIDTH))


def test_D8_plus_means_100_or_older_in_the_current_calendar_year() -> None:
    """Born 1926-12-31: turns 100 in 2026, so in March 2026 the number already has a `+`."""
    parsed = PersonalIdentityNumber.parse("261231+1239", today=date(2026, 3, 2))
    assert parsed.value == "192612311239"


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("261231+1239", date(2026, 12, 31), "192612311239"),
        ("261231+1239", date(2027, 1, 1), "192612311239"),
        ("270101+1239", date(2026, 3, 2), "182701011239"),  # 1927 turns 100 only in 2027
        ("270101+1239", date(2027, 1, 1), "192701011239"),
    ],
)
def test_D8_plus_follows_the_calendar_year_not_the_birthday(
    text: str, today: date, expected: str
) -> None:
    ten = text.replace("+", "")
    number = with_check_digit(expected[:8], ten[6:9])
    text = f"{ten[:6]}+{number[8:]}"
    assert PersonalIdentityNumber.parse(text, today=today).value == number


def test_D8_samordningsnummer_with_unknown_birth_month_is_valid_with_a_partial_date() -> None:
    """Skatteverket's own test number: month 00 (unknown), day 12 + 60."""
    number = PersonalIdentityNumber.parse("19150072-2390")
    assert number.value == "191500722390"
    assert number.is_coordination_number
    assert (number.birth_year, number.birth_month, number.birth_day) == (1915, None, 12)
    assert number.birth_date is None
    assert str(number) == "19150072-****"


def test_D8_samordningsnummer_with_unknown_birth_day_is_valid() -> None:
    number = PersonalIdentityNumber(with_check_digit("19700360", "239"))
    assert (number.birth_month, number.birth_day, number.birth_date) == (3, None, None)


@pytest.mark.parametrize(
    ("yyyymmdd", "why"),
    [
        ("19150012", "month 00 without +60 (not a samordningsnummer)"),
        ("19150300", "day 00 without +60"),
        ("19151360", "month 13 with an unknown day"),
        ("19150092", "unknown month, day 32"),
    ],
)
def test_D8_only_samordningsnummer_may_leave_month_or_day_unknown(yyyymmdd: str, why: str) -> None:
    with pytest.raises(InvalidPersonalIdentityNumberError):
        PersonalIdentityNumber(with_check_digit(yyyymmdd, "239"))


def test_D8_serial_000_is_refused_as_the_reference_package_does() -> None:
    with pytest.raises(InvalidPersonalIdentityNumberError):
        PersonalIdentityNumber(with_check_digit("19121212", "000"))


@given(
    day=st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
    check=st.integers(min_value=0, max_value=9),
    coordination=st.booleans(),
)
def test_D8_full_date_numbers_agree_with_the_personnummer_package(
    day: date, serial: int, check: int, coordination: bool
) -> None:
    """Our validation is the package's, for every number whose birth date is whole."""
    dd = day.day + (60 if coordination else 0)
    text = f"{day.year:04d}{day.month:02d}{dd:02d}{serial:03d}{check}"
    try:
        reference.Personnummer(text)
        expected = True
    except reference.PersonnummerException:
        expected = False
    try:
        PersonalIdentityNumber(text)
        ours = True
    except InvalidPersonalIdentityNumberError:
        ours = False
    assert ours == expected


def test_D8_today_is_the_stockholm_day_of_the_command() -> None:
    """23:30 UTC on New Year's Eve is already the new year in Stockholm."""
    at = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert stockholm_day(at) == date(2027, 1, 1)
    assert stockholm_day(at.astimezone(STOCKHOLM)) == date(2027, 1, 1)
