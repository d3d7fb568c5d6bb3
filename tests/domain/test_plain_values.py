"""D10 at the door, in the domain alone: a subclass of a plain type is the plain value.

freezegun's FakeDatetime and FakeDate, pendulum's DateTime (with its own Timezone, a
tzinfo the standard library does not know), an enum.StrEnum given as text, an
enum.IntEnum as a number, a UUID subclass as an id: each is taken as the plain value
it stands for, at the same instant, day, text or number, so the event store (which
encodes plain types only) records what a plain value would have given.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta, tzinfo
from uuid import UUID

import pytest

from homecare.domain.common import STOCKHOLM, require_aware, require_instant
from homecare.domain.fields import require_day, require_id, require_text, require_whole
from homecare.domain.month import Month
from homecare.errors import InvalidInputError
from tests.domain.zones import OwnZone


class NoOffset(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


class Instant(datetime):
    def astimezone(self, tz: tzinfo | None = None) -> Instant:  # as pendulum: its own class
        found = super().astimezone(tz)
        return Instant.combine(found.date(), found.timetz(), found.tzinfo, fold=found.fold)


class Day(date):
    pass


class Name(enum.StrEnum):
    ANNA = "  Anna  "


class Count(enum.IntEnum):
    SEVEN = 7


class Id(UUID):
    __slots__ = ()


def _own(*fields: int, fold: int = 0) -> datetime:
    return Instant(*fields, fold=fold, tzinfo=OwnZone())


def _utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (_own(2026, 3, 3, 9), _utc(2026, 3, 3, 8)),
        (_own(2026, 7, 1, 9, 30, 5, 123456), _utc(2026, 7, 1, 7, 30, 5, 123456)),
        # the repeated hour when summer time ends: the fold says which pass
        (_own(2026, 10, 25, 2, 30), _utc(2026, 10, 25, 0, 30)),
        (_own(2026, 10, 25, 2, 30, fold=1), _utc(2026, 10, 25, 1, 30)),
        (Instant(2026, 3, 3, 9, tzinfo=STOCKHOLM), _utc(2026, 3, 3, 8)),
        (Instant(2026, 3, 3, 9, tzinfo=UTC), _utc(2026, 3, 3, 9)),
    ],
)
def test_D10_a_datetime_subclass_is_the_plain_instant_in_utc(
    value: datetime, expected: datetime
) -> None:
    for check in (require_aware, require_instant):
        found = check(value, "at")
        assert type(found) is datetime
        assert found.tzinfo is UTC
        assert found == expected
        assert found.timestamp() == value.timestamp()  # the same instant, fold kept


@pytest.mark.parametrize(
    "value", [Instant(2026, 3, 3, 9), Instant(2026, 3, 3, 9, tzinfo=NoOffset())]
)
def test_D10_a_naive_datetime_subclass_is_refused_as_a_naive_datetime(value: datetime) -> None:
    with pytest.raises(InvalidInputError, match="must carry a time zone"):
        require_aware(value, "at")


def test_D10_a_date_subclass_is_the_plain_day_and_a_datetime_still_is_not_a_day() -> None:
    found = require_day(Day(2026, 3, 3), "valid_from")
    assert type(found) is date
    assert found == date(2026, 3, 3)
    with pytest.raises(InvalidInputError, match="must be a date"):
        require_day(Instant(2026, 3, 3, tzinfo=UTC), "valid_from")


def test_D10_text_numbers_and_ids_of_subclasses_are_plain() -> None:
    name = require_text(Name.ANNA, "name", 200)
    assert (type(name), name) == (str, "Anna")
    count = require_whole(Count.SEVEN, "fetched_up_to")
    assert (type(count), count) == (int, 7)
    given = Id("6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5")
    found = require_id(given, "customer_id")
    assert type(found) is UUID
    assert found == given
    month = Month(Count.SEVEN + 2019, Count.SEVEN)
    assert (type(month.year), type(month.month)) == (int, int)


@pytest.mark.parametrize("value", [True, False, 1.0, "7", None])
def test_D10_a_bool_or_other_non_int_is_no_whole_number(value: object) -> None:
    with pytest.raises(InvalidInputError, match="whole number"):
        require_whole(value, "fetched_up_to")
    with pytest.raises(InvalidInputError, match="at least 0"):
        require_whole(-1, "fetched_up_to")
