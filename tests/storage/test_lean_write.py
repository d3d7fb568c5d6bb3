"""The lean writes' fast bind processors store what SQLAlchemy's would (issue 16).

SQLite's instants (`UtcDateTime`: naive UTC as text) and dates are formatted by
`homecare._sql.lean` in one call each; for every value they must give SQLAlchemy's
own processors' text, and refuse what those refuse, with the same error.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import JSON, Column, Date, Integer, Uuid
from sqlalchemy.dialects import sqlite

from homecare._sql import lean
from homecare._sql.database import utc_column

DIALECT = sqlite.dialect()
INSTANT = utc_column("at")
DAY = Column("day", Date)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
ZONES = st.one_of(
    st.sampled_from(
        [
            ZoneInfo("Europe/Stockholm"),
            ZoneInfo("UTC"),
            ZoneInfo("Pacific/Kiritimati"),
            UTC,  # as decoded from the log: `_fast_instant`'s shortcut
        ]
    ),
    st.integers(min_value=-23 * 60, max_value=23 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    ),
)


def _theirs(column: Column[Any]) -> Any:
    return column.type.dialect_impl(DIALECT).bind_processor(DIALECT)


def _outcome(process: Any, value: Any) -> Any:
    try:
        return ("stored", process(value))
    except Exception as error:
        return ("refused", type(error), str(error))


def test_the_fast_processors_are_the_ones_used() -> None:
    assert lean.bind_processor(INSTANT, DIALECT).__qualname__.startswith("_fast_instant")  # type: ignore[union-attr]
    assert lean.bind_processor(DAY, DIALECT).__qualname__.startswith("_fast_date")  # type: ignore[union-attr]
    assert lean.bind_processor(Column("n", Integer), DIALECT) is None
    assert lean.bind_processor(REPEATED_ID, DIALECT).__qualname__.startswith("_fast_hex")  # type: ignore[union-attr]
    unique = lean.bind_processor(Column("k", Uuid, primary_key=True), DIALECT)
    assert unique.__qualname__.startswith("Uuid")  # type: ignore[union-attr]  # SQLAlchemy's


REPEATED_ID = Column("customer_id", Uuid)
LIST = Column("activities", JSON)


@given(values=st.lists(st.one_of(st.uuids(), st.none(), st.text(max_size=3), st.integers())))
def test_a_uuid_is_stored_as_sqlalchemy_stores_it(values: list[Any]) -> None:
    """Each UUID's text built once while kept (`_fast_hex`); anything else as SQLAlchemy
    takes or refuses it."""
    ours, theirs = lean.bind_processor(REPEATED_ID, DIALECT), _theirs(REPEATED_ID)
    for value in [*values, *values]:  # the second time from the memo
        assert _outcome(ours, value) == _outcome(theirs, value)


def test_the_uuid_memo_is_bounded() -> None:
    ours = lean.bind_processor(REPEATED_ID, DIALECT)
    assert ours is not None
    for number in range(lean._HEXES_KEPT + 10):
        assert ours(UUID(int=number)) == f"{number:032x}"
    assert len(lean._HEXES) <= lean._HEXES_KEPT


class Text(str):
    __slots__ = ()


ELEMENTS = st.one_of(
    st.sampled_from(["a", "b", "1", ""]),
    st.sampled_from([1, True, 1.0, None, 0, False]),
    st.sampled_from(["a", "1"]).map(Text),
    st.lists(st.sampled_from(["a", 1]), max_size=2),
    st.dictionaries(st.sampled_from(["a"]), st.sampled_from([1, "a"]), max_size=1),
)


@given(values=st.lists(st.one_of(st.lists(ELEMENTS, max_size=3), ELEMENTS), max_size=12))
def test_a_json_list_is_stored_as_sqlalchemy_stores_it(values: list[Any]) -> None:
    """Lists of text encoded once while kept (`_once_per_list`); a list that equals a kept
    one but is not all text (1 == True == 1.0, unhashable elements) encoded afresh."""
    ours, theirs = lean.bind_processor(LIST, DIALECT), _theirs(LIST)
    for value in [*values, *values]:
        assert _outcome(ours, value) == _outcome(theirs, value)


@given(
    value=st.datetimes(
        min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=ZONES
    )
)
def test_an_instant_is_stored_as_sqlalchemy_stores_it(value: datetime) -> None:
    assert _outcome(lean.bind_processor(INSTANT, DIALECT), value) == _outcome(
        _theirs(INSTANT), value
    )


@given(value=st.one_of(st.datetimes(), st.none(), st.dates(), st.integers(), st.text()))
def test_what_is_not_an_aware_instant_goes_the_same_way(value: Any) -> None:
    """Naive instants refused, None kept, other types as SQLAlchemy takes or refuses them."""
    assert _outcome(lean.bind_processor(INSTANT, DIALECT), value) == _outcome(
        _theirs(INSTANT), value
    )


@given(value=st.one_of(st.dates(), st.datetimes(), st.none(), st.integers(), st.text()))
def test_a_date_is_stored_as_sqlalchemy_stores_it(value: Any) -> None:
    assert _outcome(lean.bind_processor(DAY, DIALECT), value) == _outcome(_theirs(DAY), value)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (
            datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Stockholm")),
            "2026-10-25 01:30:00.000000",
        ),
        (
            datetime(2026, 3, 29, 3, 0, 0, 5, tzinfo=ZoneInfo("Europe/Stockholm")),
            "2026-03-29 01:00:00.000005",
        ),
    ],
)
def test_stockholm_dst_instants_are_stored_in_utc(value: datetime, stored: str) -> None:
    assert lean.bind_processor(INSTANT, DIALECT)(value) == stored  # type: ignore[misc]


def test_a_day_is_its_iso_date() -> None:
    assert lean.bind_processor(DAY, DIALECT)(date(2026, 11, 30)) == "2026-11-30"  # type: ignore[misc]
