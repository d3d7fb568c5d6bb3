"""Simulated time for the demo: Stockholm wall-clock times and a clock that only moves on.

The library reads no clock; the demo hands every command its `at` from here,
so the same seed gives the same log order and summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypedDict

from homecare.domain.wall_clock import stockholm_wall_time

__all__ = ["START", "Clock", "Stamp", "local", "stamp"]

START = date(2026, 3, 25)
"""The first simulated day: a default week spans the spring DST switch of 2026-03-29 (D5)."""


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time as a UTC instant (UTC: comparisons are right over DST);
    one in the hour a DST switch skips or repeats is InvalidInputError (a scenario that
    names one must give the instant it means), never moved an hour."""
    return stockholm_wall_time(datetime.combine(day, time(hour, minute)), "demo time")


class Stamp(TypedDict):
    """Who and when, the two keywords every facade command takes (`**stamp(...)`)."""

    actor: str
    at: datetime


def stamp(actor: str, at: datetime) -> Stamp:
    """`actor` acting at `at` (aware), as keywords for a facade command."""
    return Stamp(actor=actor, at=at)


@dataclass
class Clock:
    """Simulated time: strictly increasing, so the log's timestamps follow its order."""

    now: datetime

    def at(self, when: datetime | None = None) -> datetime:
        """One second after the last instant handed out, or `when` if that is later."""
        step = self.now + timedelta(seconds=1)
        self.now = when if when is not None and when > step else step
        return self.now

    def by(self, actor: str, when: datetime | None = None) -> Stamp:
        """`actor` acting at the next instant (`at(when)`)."""
        return stamp(actor, self.at(when))
