"""D8: personnummer are validated, canonical (12 digits) and never shown in full.

Domain only: `PersonalIdentityNumber` and the aggregates that hold one, no store.
"""

from __future__ import annotations

import traceback
from datetime import UTC, date, datetime

import pytest

from homecare.domain import Customer, PersonalIdentityNumber, Staff
from homecare.errors import InvalidInputError, InvalidPersonalIdentityNumberError
from tests.domain.pnr import (
    COORDINATION,
    VALID,
    VALID_STAFF,
    assert_not_shown,
    bad_checksum,
    with_check_digit,
)

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TODAY = AT.date()


def everything_shown(error: BaseException) -> str:
    """What a log could show of an error: str, repr and the formatted traceback."""
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])


# -- validation (D8) ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [VALID, f"{VALID[:8]}-{VALID[8:]}", f" {VALID[:8]}-{VALID[8:]} ", f"{VALID[:8]} {VALID[8:]}"],
)
def test_D8_twelve_digit_forms_are_stored_canonically(text: str) -> None:
    assert PersonalIdentityNumber.parse(text).value == VALID


def test_D8_bad_checksum_is_rejected() -> None:
    with pytest.raises(InvalidPersonalIdentityNumberError) as caught:
        PersonalIdentityNumber.parse(bad_checksum(VALID))
    assert caught.value.code == "invalid_personnummer"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("yyyymmdd", "why"),
    [
        ("19121312", "month 13"),
        ("19120230", "30 February"),
        ("19010229", "29 February in a common year"),
        ("19701092", "samordningsnummer with day 32 (+60)"),
    ],
)
def test_D8_impossible_date_is_rejected_even_with_a_right_checksum(yyyymmdd: str, why: str) -> None:
    number = with_check_digit(yyyymmdd, "121")
    with pytest.raises(InvalidPersonalIdentityNumberError):
        PersonalIdentityNumber.parse(number)


def test_D8_leap_day_with_a_right_checksum_is_accepted() -> None:
    number = with_check_digit("20000229", "121")
    assert PersonalIdentityNumber.parse(number).birth_date == date(2000, 2, 29)


def test_D8_samordningsnummer_is_accepted() -> None:
    number = PersonalIdentityNumber.parse(f"{COORDINATION[:8]}-{COORDINATION[8:]}")
    assert number.value == COORDINATION
    assert number.is_coordination_number
    assert number.birth_date == date(1970, 10, 3)
    assert not PersonalIdentityNumber(VALID).is_coordination_number


@pytest.mark.parametrize("text", ["", "abc", "1912121212", "19121212-121", "1912121212123"])
def test_D8_malformed_text_is_rejected(text: str) -> None:
    with pytest.raises(InvalidPersonalIdentityNumberError):
        PersonalIdentityNumber.parse(text)


def test_D8_the_value_object_itself_only_holds_a_valid_canonical_number() -> None:
    with pytest.raises(InvalidPersonalIdentityNumberError):
        PersonalIdentityNumber("19121212-1212")  # not canonical: the dash
    with pytest.raises(InvalidPersonalIdentityNumberError):
        PersonalIdentityNumber(bad_checksum(VALID))


# -- the 10-digit form: the century comes from `today`, passed in ----------


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("121212-1212", date(2026, 3, 2), "201212121212"),
        ("1212121212", date(2026, 3, 2), "201212121212"),
        ("121212+1212", date(2026, 3, 2), "191212121212"),  # + : 100 years or older
        ("121212-1212", date(2011, 6, 1), "191212121212"),  # before 2012 it was 1912
        ("121212+1212", date(2011, 6, 1), "181212121212"),
    ],
)
def test_D8_ten_digit_form_takes_its_century_from_today(
    text: str, today: date, expected: str
) -> None:
    assert PersonalIdentityNumber.parse(text, today=today).value == expected


def test_D8_ten_digit_form_without_today_is_rejected_with_a_hint() -> None:
    """The domain reads no clock, so without `today` the century is unknown."""
    with pytest.raises(InvalidPersonalIdentityNumberError, match="12-digit form"):
        PersonalIdentityNumber.parse("121212-1212")


def test_D8_ten_digit_form_with_bad_checksum_is_rejected() -> None:
    with pytest.raises(InvalidPersonalIdentityNumberError):
        PersonalIdentityNumber.parse("121212-1213", today=TODAY)


def test_D8_ten_digit_form_never_gives_a_birth_date_after_today() -> None:
    number = with_check_digit("20261231", "121")[2:]
    try:
        parsed = PersonalIdentityNumber.parse(f"{number[:6]}-{number[6:]}", today=TODAY)
    except InvalidPersonalIdentityNumberError:
        return
    assert parsed.birth_date <= TODAY


# -- never shown in full (D8) ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "full"),
    [
        (bad_checksum(VALID), bad_checksum(VALID)),
        (f"{bad_checksum(VALID)[:8]}-{bad_checksum(VALID)[8:]}", bad_checksum(VALID)),
        (with_check_digit("19121312", "121"), with_check_digit("19121312", "121")),
        (f"{VALID}9", VALID),  # a valid number with a stray digit
        (f"pnr {VALID[:8]}-{VALID[8:]}!", VALID),
    ],
)
def test_D8_parse_errors_never_show_the_number(text: str, full: str) -> None:
    with pytest.raises(InvalidPersonalIdentityNumberError) as caught:
        PersonalIdentityNumber.parse(text)
    assert_not_shown(everything_shown(caught.value), full)
    assert full[:8] in str(caught.value)  # the birth date is shown, to find the record


def test_D8_ten_digit_parse_errors_never_show_the_number() -> None:
    ten = bad_checksum(VALID)[2:]
    for text in (ten, f"{ten[:6]}-{ten[6:]}"):
        for today in (TODAY, None):
            with pytest.raises(InvalidPersonalIdentityNumberError) as caught:
                PersonalIdentityNumber.parse(text, today=today)
            assert_not_shown(everything_shown(caught.value), "19" + ten)


def test_D8_constructor_errors_never_show_the_number() -> None:
    bad = bad_checksum(VALID)
    with pytest.raises(InvalidPersonalIdentityNumberError) as caught:
        PersonalIdentityNumber(bad)
    assert_not_shown(everything_shown(caught.value), bad)


def test_D8_value_object_repr_and_str_mask_all_but_the_birth_date() -> None:
    number = PersonalIdentityNumber(VALID)
    for shown in (repr(number), str(number), f"{number}", number.masked(), repr([number])):
        assert_not_shown(shown, VALID)
        assert "19121212" in shown
    assert number.value == VALID  # the full value stays available to code that needs it


def test_D8_customer_and_its_event_never_show_the_number() -> None:
    customer = Customer.register(
        personnummer=PersonalIdentityNumber(VALID),
        name="Tolvan Tolvansson",
        organisation="Team Norr",
        actor="anna",
        at=AT,
    )
    (registered,) = customer.collect_events()
    for shown in (repr(customer), str(customer), repr(registered), str(registered)):
        assert_not_shown(shown, VALID)


def test_D8_staff_and_its_events_never_show_the_number() -> None:
    staff = Staff.register(
        name="Anna", personnummer=PersonalIdentityNumber(VALID), sd_number=None, actor="a", at=AT
    )
    staff.update(personnummer=PersonalIdentityNumber(VALID_STAFF), actor="a", at=AT)
    registered, updated = staff.collect_events()
    for shown in (repr(staff), str(staff), repr(registered), str(registered)):
        assert_not_shown(shown, VALID_STAFF)
        assert_not_shown(shown, VALID)
    for shown in (repr(updated), str(updated)):
        assert_not_shown(shown, VALID_STAFF)


def test_D8_errors_while_registering_with_a_valid_number_do_not_show_it() -> None:
    number = PersonalIdentityNumber(VALID)
    with pytest.raises(InvalidInputError) as blank_name:
        Customer.register(personnummer=number, name=" ", organisation="O", actor="a", at=AT)
    with pytest.raises(InvalidInputError) as naive_time:
        Customer.register(
            personnummer=number, name="T", organisation="O", actor="a", at=AT.replace(tzinfo=None)
        )
    with pytest.raises(InvalidInputError) as no_actor:
        Staff.register(name="Anna", personnummer=number, sd_number="SD1", actor="", at=AT)
    for caught in (blank_name, naive_time, no_actor):
        assert_not_shown(everything_shown(caught.value), VALID)
