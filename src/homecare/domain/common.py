"""Small pieces every aggregate shares: time guards and the 'not given' marker.

Why: every event records who did it and when (D1), and the domain reads no
clock, so each command receives `actor` and `at`; these guards make a naive
datetime or an inverted period a clear error instead of a silent wrong day.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Final, Literal, TypeVar

from homecare.errors import InvalidInputError, InvalidPeriodError

__all__ = [
    "UNSET",
    "Unset",
    "parse_choice",
    "require_actor",
    "require_aware",
    "require_period",
]


class Unset(Enum):
    """Marks an argument that was not given (None already means 'open end')."""

    UNSET = "UNSET"


UNSET: Final = Unset.UNSET
UnsetType = Literal[Unset.UNSET]


def require_aware(value: datetime, name: str) -> datetime:
    """The same instant in UTC; a naive value is an error.

    Why UTC: Python compares two datetimes that share a ZoneInfo by wall clock,
    which is wrong in the repeated hour when summer time ends (02:10 of the
    second pass is later than 02:30 of the first). Instants in UTC compare right.
    """
    if not isinstance(value, datetime):
        raise InvalidInputError(f"{name} must be a date and time, got {type(value).__name__}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(f"{name} must carry a time zone (got {value.isoformat()}).")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00 is before the first UTC instant
        raise InvalidInputError(
            f"{name} {value.isoformat()} lies outside the calendar (years 0001-9999 in UTC)."
        ) from None


def require_period(
    start: datetime, end: datetime | None, what: str
) -> tuple[datetime, datetime | None]:
    """Both ends in UTC (see require_aware); the end, if any, after the start."""
    start = require_aware(start, f"{what} start")
    if end is not None:
        end = require_aware(end, f"{what} end")
        if end <= start:
            raise InvalidPeriodError(
                f"{what}: the end {end.isoformat()} must be after the start {start.isoformat()}."
            )
    return start, end


def require_actor(actor: str) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise InvalidInputError("Every change must name who made it (actor).")
    return actor


E = TypeVar("E", bound=StrEnum)


def parse_choice(kind: type[E], value: E | str, name: str) -> E:
    """One of a closed set of values, or a clear error listing the allowed ones."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidInputError(f"Unknown {name} {value!r}: expected one of {allowed}.") from None
