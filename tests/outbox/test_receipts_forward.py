"""R14, D11: the city's receipts only move forward in time, within the calendar homecare records.

A receipt dated before the last one made `delivered_at` and `delivered_position_at`
disagree, and the month report counted items delivered after the payment run as
delivered before it (reviewer's t15).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from homecare.bootstrap import Homecare
from homecare.errors import InvalidInputError, TimeWentBackwardsError
from tests.scenario import Scenario

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# March 2026's payment run: 2026-04-06 10:00 Stockholm (Easter Monday, R14)
T1 = datetime(2026, 4, 6, 9, 0, tzinfo=STOCKHOLM)  # before the run
T2 = datetime(2026, 4, 7, 9, 0, tzinfo=STOCKHOLM)  # after it


def _five_visits(hc: Homecare) -> None:
    world = Scenario(hc.app)
    staff = world.staff()
    for day in range(2, 7):
        world.visit(world.customer(), staff, day=datetime(2026, 3, day).date())
    hc.catch_up()


Fetch = Callable[..., Any]


def _fetchers(hc: Homecare) -> dict[str, Fetch]:
    return {
        "fetch": hc.buffer.fetch,
        "fetch_page": hc.buffer.fetch_page,
        "fetch_json": hc.buffer.fetch_json,
    }


def _cursor(result: Any) -> str:
    if isinstance(result, bytes):
        return str(json.loads(result)["cursor"])
    return str(result.cursor)


@pytest.mark.parametrize("how", ["fetch", "fetch_page", "fetch_json"])
def test_d11_a_receipt_dated_before_the_last_is_refused_and_nothing_is_acknowledged(
    hc: Homecare, how: str
) -> None:
    _five_visits(hc)
    fetch = _fetchers(hc)[how]
    first = hc.buffer.fetch(limit=2, at=T1)
    second = hc.buffer.fetch(after=first.cursor, limit=2, at=T2)  # acknowledges 1-2 at T2
    with pytest.raises(TimeWentBackwardsError) as refused:
        fetch(after=second.cursor, limit=2, at=T1 - timedelta(days=30))
    assert refused.value.code == "time_went_backwards"
    assert "the last receipt" in str(refused.value)
    assert hc.buffer.delivered_position() == 2
    assert [hc.buffer.delivered_at(p) for p in (1, 2, 3, 4)] == [T2, T2, None, None]
    assert hc.buffer.delivered_position_at(T1) == 0
    assert hc.buffer.delivered_position_at(T2) == 2
    # what the run's report counts agrees with delivered_at: nothing before the run
    total = hc.month_close.report(2026, 3).total
    assert total.visits_delivered_before_run == 0
    assert total.visits_delivered_after_run == 2
    # the same time as the last receipt, or later, is accepted
    third = fetch(after=second.cursor, limit=2, at=T2)
    assert hc.buffer.delivered_position() == 4
    assert hc.buffer.delivered_at(4) == T2
    fetch(after=_cursor(third), limit=2, at=T2 + timedelta(minutes=5))
    assert hc.buffer.delivered_at(5) == T2 + timedelta(minutes=5)


def test_d11_a_fetch_that_acknowledges_nothing_new_records_no_time(hc: Homecare) -> None:
    _five_visits(hc)
    first = hc.buffer.fetch(limit=2, at=T1)
    hc.buffer.fetch(after=first.cursor, limit=2, at=T2)
    # the same cursor again moves nothing: its time is not a receipt, not checked
    again = hc.buffer.fetch(after=first.cursor, limit=2, at=T1)
    assert len(again.items) == 2
    assert hc.buffer.delivered_at(2) == T2


def test_d11_a_clock_set_back_dates_the_receipt_at_the_last_one(hc: Homecare) -> None:
    """The buffer's own clock (the HTTP fetch's) never fails the city's fetch: behind the
    last receipt, the receipt keeps the last one's time."""
    _five_visits(hc)
    first = hc.buffer.fetch(limit=2, at=T1)
    second = hc.buffer.fetch(after=first.cursor, limit=2, at=T2)
    hc.buffer.clock = lambda: T2 - timedelta(hours=1)
    hc.buffer.fetch(after=second.cursor, limit=2)
    assert hc.buffer.delivered_position() == 4
    assert hc.buffer.delivered_at(4) == T2


@pytest.mark.parametrize(
    "at",
    [
        datetime(1, 1, 2, tzinfo=STOCKHOLM),
        datetime(1899, 12, 31, 22, tzinfo=UTC),  # 23:00 Stockholm, the day before 1900
        datetime(2200, 1, 1, tzinfo=STOCKHOLM),
        datetime(9999, 12, 31, 23, tzinfo=STOCKHOLM),
    ],
)
def test_d10_a_receipt_outside_the_calendar_homecare_records_is_refused(
    hc: Homecare, at: datetime
) -> None:
    _five_visits(hc)
    first = hc.buffer.fetch(limit=2)
    with pytest.raises(InvalidInputError, match="outside the calendar homecare records"):
        hc.buffer.fetch(after=first.cursor, at=at)
    assert hc.buffer.delivered_position() == 0


@pytest.mark.parametrize("at", ["2026-03-03T00:00Z", 1767225600, datetime(2026, 4, 6, 15, 0)])
def test_a_receipt_time_that_is_not_an_aware_datetime_is_invalid_input(
    hc: Homecare, at: object
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        hc.buffer.fetch(at=at)  # type: ignore[arg-type]
    assert type(refused.value) is InvalidInputError
    assert "\n" not in str(refused.value)
