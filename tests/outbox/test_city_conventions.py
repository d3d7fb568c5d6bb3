"""The city's day conventions (docs/integration.md), each pinned by its message sequence.

Each test drives the real facade and buffer on both stores and compares the
exact `customer_pause` messages the city fetches: action, period, days.
Periods are named A, B, ... in the order they first appear.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from homecare.bootstrap import Homecare
from homecare.outbox.messages import CustomerPauseMessage
from tests.conftest import ACTOR
from tests.scenario import Scenario

STOCKHOLM = ZoneInfo("Europe/Stockholm")
Sent = tuple[str, str, str, str | None]


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=STOCKHOLM)


class City:
    """The customer's pause messages the city has fetched so far, period ids named A, B, ..."""

    def __init__(self, hc: Homecare) -> None:
        self.hc = hc
        self.world = Scenario(hc.app)
        self.customer = self.world.customer()
        self.cursor: str | None = None
        self.names: dict[str, str] = {}

    def pause(self, starts: datetime, ends: datetime | None) -> UUID:
        return self.world.pause("customer", self.customer.id, starts, ends)

    def cancel(self, pause: UUID, *, when: datetime | None = None) -> None:
        if when is not None:
            self.world.at = when
        self.hc.app.cancel_pause(pause, actor=ACTOR, at=self.world.tick())

    def fetch(self) -> list[Sent]:
        self.hc.catch_up()
        result = self.hc.buffer.fetch(after=self.cursor, limit=500)
        self.cursor = result.cursor
        sent = []
        for m in result.items:
            assert isinstance(m, CustomerPauseMessage)
            name = self.names.setdefault(m.period_id, "ABCDEFGH"[len(self.names)])
            last = None if m.last_day is None else m.last_day.isoformat()
            sent.append((m.action, name, m.first_day.isoformat(), last))
        return sent


@pytest.fixture
def city(hc: Homecare) -> City:
    return City(hc)


def test_a_period_ending_at_midnight_excludes_that_day_one_starting_at_midnight_includes_it(
    city: City,
) -> None:
    city.pause(at(10), at(12))  # 10 March 00:00 to 12 March 00:00
    assert city.fetch() == [("new", "A", "2026-03-10", "2026-03-11")]


def test_any_day_a_pause_touches_counts_rounding_outward(city: City) -> None:
    city.pause(at(10, 22, 30), at(11, 2, 30))  # four hours over midnight: two days
    assert city.fetch() == [("new", "A", "2026-03-10", "2026-03-11")]
    city.pause(at(20, 10), at(20, 11))  # one hour: one day
    assert city.fetch() == [("new", "B", "2026-03-20", "2026-03-20")]


def test_side_by_side_periods_are_merged(city: City) -> None:
    city.pause(at(10, 9), at(12))  # days 10-11
    assert city.fetch() == [("new", "A", "2026-03-10", "2026-03-11")]
    city.pause(at(12, 8), at(14, 12))  # days 12-14: touches day 11, so one period
    assert city.fetch() == [("changed", "A", "2026-03-10", "2026-03-14")]


def test_cancelled_while_ongoing_is_changed_and_cancelled_drops_the_period_with_its_days(
    city: City,
) -> None:
    ongoing = city.pause(at(10, 9), None)
    assert city.fetch() == [("new", "A", "2026-03-10", None)]
    city.cancel(ongoing, when=at(12, 14))  # ends at the cancel time: days 10-12 stay paid
    assert city.fetch() == [("changed", "A", "2026-03-10", "2026-03-12")]
    upcoming = city.pause(at(20, 9), at(22, 9))
    assert city.fetch() == [("new", "B", "2026-03-20", "2026-03-22")]
    city.cancel(upcoming)  # before it started: the period is dropped, its days repeated
    assert city.fetch() == [("cancelled", "B", "2026-03-20", "2026-03-22")]


def test_a_pause_whose_days_another_pause_covers_sends_nothing(city: City) -> None:
    city.pause(at(10, 9), at(20, 9))
    assert city.fetch() == [("new", "A", "2026-03-10", "2026-03-20")]
    inner = city.pause(at(12, 9), at(14, 9))  # an order pause inside, say: no new days
    assert city.fetch() == []
    city.cancel(inner)
    assert city.fetch() == []


def test_a_period_id_never_comes_back_after_cancelled(city: City) -> None:
    first = city.pause(at(20, 9), at(22, 9))
    city.cancel(first)
    city.pause(at(20, 9), at(22, 9))  # the same days again: a new period
    assert city.fetch() == [
        ("new", "A", "2026-03-20", "2026-03-22"),
        ("cancelled", "A", "2026-03-20", "2026-03-22"),
        ("new", "B", "2026-03-20", "2026-03-22"),
    ]


def test_an_open_end_is_null_also_before_the_pause_starts(city: City) -> None:
    assert city.world.at.date() < date(2026, 3, 20)
    city.pause(at(20, 9), None)
    assert city.fetch() == [("new", "A", "2026-03-20", None)]
