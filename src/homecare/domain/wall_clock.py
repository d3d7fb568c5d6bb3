"""Stockholm wall-clock times as instants (D5), never silently moved over a DST switch.

A time written without an offset (`2026-03-29T12:00`, from a person or a script) is
read as Stockholm local time. Twice a year that reading is not one instant: when
summer time begins the clocks go from 02:00 to 03:00, so 02:30 never happens; when
it ends they go from 03:00 back to 02:00, so 02:30 happens twice. Python's
`replace(tzinfo=...)` picks an instant anyway (02:30 in the gap becomes 03:30+02:00,
the repeated one the first pass), which moved a recorded business time by an hour
without a word. Here such a time is InvalidInputError naming the switch and the
offsets that say which instant is meant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from homecare.domain.common import STOCKHOLM
from homecare.errors import InvalidInputError

__all__ = ["stockholm_wall_time"]


def stockholm_wall_time(wall: datetime, name: str) -> datetime:
    """The instant (in UTC) of the Stockholm wall-clock time `wall` (naive).

    InvalidInputError when `wall` carries a time zone (it is not a wall-clock time),
    lies in the hour skipped when summer time begins, happens twice when it ends
    (give the offset: `+02:00` the first pass, `+01:00` the second), or lies outside
    the calendar (years 0001-9999 in UTC).
    """
    if wall.tzinfo is not None:
        raise InvalidInputError(f"{name} {wall.isoformat()} is not a wall-clock time.")
    first, second = (wall.replace(tzinfo=STOCKHOLM, fold=fold) for fold in (0, 1))
    try:
        instants = sorted({first.astimezone(UTC), second.astimezone(UTC)})
    except OverflowError:
        raise InvalidInputError(
            f"{name} {wall.isoformat()} lies outside the calendar (years 0001-9999 in UTC)."
        ) from None
    if len(instants) == 1:
        return instants[0]
    switch, before, after = _switch(instants[0], instants[1])
    day = (switch + before).date()
    shown = f"{name} {wall.isoformat()}"
    offsets = [wall.replace(tzinfo=timezone(offset)).isoformat() for offset in (before, after)]
    if after > before:
        raise InvalidInputError(
            f"{shown} does not exist in Stockholm: on {day} the clocks were put forward from "
            f"{_clock(switch + before)} to {_clock(switch + after)}, so no clock showed it. "
            f"Give a time outside that gap, or the time with its UTC offset "
            f"({offsets[0]} or {offsets[1]})."
        )
    raise InvalidInputError(
        f"{shown} happens twice in Stockholm: on {day} the clocks were put back from "
        f"{_clock(switch + before)} to {_clock(switch + after)}. Say which with its UTC "
        f"offset: {offsets[0]} (the first) or {offsets[1]} (the second)."
    )


def _switch(early: datetime, late: datetime) -> tuple[datetime, timedelta, timedelta]:
    """The DST switch between two UTC instants (the two readings of one wall-clock
    time): its instant, and the Stockholm offsets before and after it."""
    before, after = _offset(early), _offset(late)
    low, high = 0, int((late - early).total_seconds())  # tz switches fall on whole seconds
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(early + timedelta(seconds=middle)) == before:
            low = middle
        else:
            high = middle
    return early + timedelta(seconds=high), before, after


def _offset(instant: datetime) -> timedelta:
    found = instant.astimezone(STOCKHOLM).utcoffset()
    assert found is not None  # a ZoneInfo always has one
    return found


def _clock(wall: datetime) -> str:
    return wall.strftime("%H:%M:%S" if wall.second else "%H:%M")
