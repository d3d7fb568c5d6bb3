"""D8: no error raised while registering people shows a personnummer in full.

For every exception that can carry one, through the facade on both stores:
str(), repr() and the whole formatted traceback (what a log would hold) are
checked for the 12-digit and the 10-digit forms, with and without separators.
The numbers are passed in variables so the test's own source lines, which a
traceback prints, cannot contain them.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from functools import partial

import pytest

from homecare.bootstrap import Homecare
from homecare.domain import Customer, Staff
from homecare.errors import HomecareError, InvalidInputError, InvalidPersonalIdentityNumberError
from tests.domain.pnr import VALID, VALID_STAFF, assert_not_shown, bad_checksum, with_check_digit
from tests.scenario import ACTOR, T0, Pair, pair

BAD_CHECKSUM = bad_checksum(VALID)
BAD_DATE = with_check_digit("19121312", "121")


def everything_shown(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])


def dashed(twelve: str) -> str:
    return f"{twelve[:8]}-{twelve[8:]}"


def short(twelve: str, separator: str = "-") -> str:
    return f"{twelve[2:8]}{separator}{twelve[8:]}"


def register_customer(w: Pair, personnummer: str, **overrides: object) -> Callable[[], object]:
    arguments: dict[str, object] = {
        "personnummer": personnummer,
        "name": "Tolvan",
        "organisation": "Team Norr",
        "actor": ACTOR,
        "at": T0,
    } | overrides
    return partial(w.app.register_customer, **arguments)  # type: ignore[arg-type]


def register_staff(w: Pair, personnummer: str, **overrides: object) -> Callable[[], object]:
    arguments: dict[str, object] = {
        "personnummer": personnummer,
        "name": "Anna",
        "sd_number": "SD-2",
        "actor": ACTOR,
        "at": T0,
    } | overrides
    return partial(w.app.register_staff, **arguments)  # type: ignore[arg-type]


CASES: dict[str, tuple[Callable[[Pair], Callable[[], object]], str, type[HomecareError]]] = {
    "customer, bad checksum, 12 digits": (
        lambda w: register_customer(w, BAD_CHECKSUM),
        BAD_CHECKSUM,
        InvalidPersonalIdentityNumberError,
    ),
    "customer, bad checksum, dashed": (
        lambda w: register_customer(w, dashed(BAD_CHECKSUM)),
        BAD_CHECKSUM,
        InvalidPersonalIdentityNumberError,
    ),
    "customer, bad checksum, 10 digits": (
        lambda w: register_customer(w, short(BAD_CHECKSUM)),
        "20" + BAD_CHECKSUM[2:],
        InvalidPersonalIdentityNumberError,
    ),
    "customer, bad checksum, 10 digits with +": (
        lambda w: register_customer(w, short(BAD_CHECKSUM, "+")),
        BAD_CHECKSUM,
        InvalidPersonalIdentityNumberError,
    ),
    "customer, bad date": (
        lambda w: register_customer(w, BAD_DATE),
        BAD_DATE,
        InvalidPersonalIdentityNumberError,
    ),
    "customer, trailing garbage": (
        lambda w: register_customer(w, VALID + "7"),
        VALID,
        InvalidPersonalIdentityNumberError,
    ),
    "customer, valid number, naive time": (
        lambda w: register_customer(w, VALID, at=T0.replace(tzinfo=None)),
        VALID,
        InvalidInputError,
    ),
    "customer, valid 10-digit number, naive time": (
        lambda w: register_customer(w, short(VALID), at=T0.replace(tzinfo=None)),
        VALID,
        InvalidInputError,
    ),
    "customer, valid number, no name": (
        lambda w: register_customer(w, VALID, name=" "),
        VALID,
        InvalidInputError,
    ),
    "customer, valid number, no actor": (
        lambda w: register_customer(w, VALID, actor=""),
        VALID,
        InvalidInputError,
    ),
    "staff, bad checksum": (
        lambda w: register_staff(w, BAD_CHECKSUM),
        BAD_CHECKSUM,
        InvalidPersonalIdentityNumberError,
    ),
    "staff, bad date, dashed": (
        lambda w: register_staff(w, dashed(BAD_DATE)),
        BAD_DATE,
        InvalidPersonalIdentityNumberError,
    ),
    "staff, valid number, no name": (
        lambda w: register_staff(w, VALID_STAFF, name=""),
        VALID_STAFF,
        InvalidInputError,
    ),
    "staff update, bad checksum": (
        lambda w: partial(
            w.app.update_staff, w.staff, personnummer=BAD_CHECKSUM, actor=ACTOR, at=T0
        ),
        BAD_CHECKSUM,
        InvalidPersonalIdentityNumberError,
    ),
    "staff update, same number again": (
        lambda w: partial(
            w.app.update_staff, w.staff, personnummer=VALID_STAFF, actor=ACTOR, at=T0
        ),
        VALID_STAFF,
        InvalidInputError,
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_D8_errors_while_registering_people_never_show_a_personnummer(
    hc: Homecare, case: str
) -> None:
    arrange, number, expected = CASES[case]
    w = pair(hc.app)
    call = arrange(w)
    before = w.log_length()
    with pytest.raises(expected) as caught:
        call()
    assert w.log_length() == before
    assert_not_shown(everything_shown(caught.value), number)
    assert_not_shown(str(caught.value.to_dict()), number)


def test_D8_people_read_from_the_store_never_show_a_personnummer(hc: Homecare) -> None:
    w = pair(hc.app)
    customer = hc.app.get(Customer, w.customer)
    staff = hc.app.get(Staff, w.staff)
    for shown in (repr(customer), str(customer), repr(customer.personnummer)):
        assert_not_shown(shown, VALID)
    for shown in (repr(staff), str(staff), repr(staff.personnummer)):
        assert_not_shown(shown, VALID_STAFF)
    for event in [*hc.app.events.get(w.customer), *hc.app.events.get(w.staff)]:
        assert_not_shown(repr(event), VALID)
        assert_not_shown(repr(event), VALID_STAFF)
