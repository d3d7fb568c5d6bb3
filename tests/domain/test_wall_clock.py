"""D5: a Stockholm wall-clock time is one instant, or refused; never moved an hour.

`replace(tzinfo=STOCKHOLM)` took 02:30 on 2026-03-29 (the hour skipped when summer
time began) as 03:30+02:00, and 02:30 on 2026-10-25 (shown twice when it ended) as
the first pass, silently.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from homecare.domain.wall_clock import stockholm_wall_time
from homecare.errors import InvalidInputError


@pytest.mark.parametrize(
    ("wall", "utc"),
    [
        ("2026-03-29T01:59", "2026-03-29T00:59"),
        ("2026-03-29T03:00", "2026-03-29T01:00"),
        ("2026-10-25T01:59", "2026-10-24T23:59"),
        ("2026-10-25T03:00", "2026-10-25T02:00"),
        ("2026-07-01T12:00", "2026-07-01T10:00"),
        ("2026-01-01T00:00", "2025-12-31T23:00"),
    ],
)
def test_a_time_the_clocks_showed_once_is_its_instant(wall: str, utc: str) -> None:
    found = stockholm_wall_time(datetime.fromisoformat(wall), "at")
    assert found == datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert found.tzinfo is UTC


@pytest.mark.parametrize("wall", ["2026-03-29T02:00", "2026-03-29T02:30", "2026-03-29T02:59:59"])
def test_a_time_in_the_spring_gap_is_refused_naming_the_gap(wall: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        stockholm_wall_time(datetime.fromisoformat(wall), "--now time")
    message = raised.value.message
    assert "does not exist in Stockholm" in message
    assert "from 02:00 to 03:00" in message
    assert "on 2026-03-29" in message
    for offset in ("+01:00", "+02:00"):  # the explicit offsets that name an instant
        assert datetime.fromisoformat(wall + offset).isoformat() in message


@pytest.mark.parametrize("wall", ["2026-10-25T02:00", "2026-10-25T02:30", "2026-10-25T02:59:59"])
def test_a_time_of_the_autumn_repeat_is_refused_asking_for_the_offset(wall: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        stockholm_wall_time(datetime.fromisoformat(wall), "--when time")
    message = raised.value.message
    assert "happens twice in Stockholm" in message
    assert "from 03:00 to 02:00" in message
    first = datetime.fromisoformat(f"{wall}+02:00")
    second = datetime.fromisoformat(f"{wall}+01:00")
    assert f"{first.isoformat()} (the first)" in message
    assert f"{second.isoformat()} (the second)" in message
    assert second - first == timedelta(hours=1)


def test_outside_the_calendar_and_an_aware_time_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="outside the calendar"):
        stockholm_wall_time(datetime(1, 1, 1, 0, 30), "at")
    with pytest.raises(InvalidInputError, match="not a wall-clock time"):
        stockholm_wall_time(datetime(2026, 3, 1, tzinfo=UTC), "at")


def test_every_switch_of_2026_to_2030_is_found() -> None:
    """The gap and the repeat of each year, wherever the rule puts them (last Sundays)."""
    for year in range(2026, 2031):
        refused = []
        for day in range(1, 32):
            for month in (3, 10):
                wall = datetime(year, month, day, 2, 30)
                try:
                    stockholm_wall_time(wall, "at")
                except InvalidInputError:
                    refused.append(wall.date())
        assert len(refused) == 2, refused
        assert all(d.weekday() == 6 and d.day > 24 for d in refused)
