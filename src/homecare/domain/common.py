"""Small pieces every aggregate shares: time guards and the 'not given' marker.

Why: every event records who did it and when (D1), and the domain reads no
clock, so each command receives `actor` and `at`; these guards make a naive
datetime or an inverted period a clear error instead of a silent wrong day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import Enum, StrEnum
from typing import Final, TypedDict, TypeVar
from zoneinfo import ZoneInfo

from homecare.domain.fields import ACTOR_MAX, FIRST_DAY, LAST_DAY, plain_datetime, require_text
from homecare.domain.identity import holds_identity_number
from homecare.errors import InvalidInputError, InvalidPeriodError, PersonalDataInActorError

__all__ = [
    "EARLIEST",
    "LATEST",
    "STOCKHOLM",
    "UNSET",
    "Stamp",
    "Unset",
    "kept_clear",
    "parse_choice",
    "require_actor",
    "require_aware",
    "require_instant",
    "require_period",
    "stamp",
    "stockholm_day",
]

STOCKHOLM: Final = ZoneInfo("Europe/Stockholm")
EARLIEST: Final = datetime.combine(FIRST_DAY, time(), STOCKHOLM).astimezone(UTC)
"""The earliest instant a command accepts: the start of FIRST_DAY in Stockholm."""
LATEST: Final = datetime.combine(LAST_DAY, time.max, STOCKHOLM).astimezone(UTC)
"""The latest instant a command accepts: the end of LAST_DAY in Stockholm."""


class Unset(Enum):
    """Marks an argument that was not given (None already means 'open end')."""

    UNSET = "UNSET"


UNSET: Final = Unset.UNSET


def require_aware(value: datetime, name: str) -> datetime:
    """The same instant in UTC; a naive value, or one outside the calendar, is an error.

    Why UTC: Python compares two datetimes that share a ZoneInfo by wall clock,
    which is wrong in the repeated hour when summer time ends (02:10 of the
    second pass is later than 02:30 of the first). Instants in UTC compare right.
    Queries accept every instant of the calendar; commands use `require_instant`.
    A subclass of datetime (freezegun's, pendulum's, with a tzinfo of its own) is taken
    as the plain datetime of the same instant (`plain_datetime`): the event store
    records plain values only (D10), and a replay must give back what was recorded.
    """
    if not isinstance(value, datetime):
        raise InvalidInputError(f"{name} must be a date and time, got {type(value).__name__}.")
    offset = None if value.tzinfo is None else value.utcoffset()
    if offset is None:
        raise InvalidInputError(f"{name} must carry a time zone (got {value.isoformat()}).")
    if type(value) is not datetime:  # a subclass: freezegun's FakeDatetime, pendulum's DateTime
        value = plain_datetime(value, offset)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00 is before the first UTC instant
        raise InvalidInputError(
            f"{name} {value.isoformat()} lies outside the calendar (years 0001-9999 in UTC)."
        ) from None


def require_instant(value: datetime, name: str) -> datetime:
    """An instant a command may record (D10): aware, in UTC, within EARLIEST..LATEST.

    Why a window: a stored instant is turned into Stockholm days, months and the
    payment run after it (R10, R14); near the calendar's ends that arithmetic
    overflows. No home-care fact lies before 1900 or after 2199.
    """
    instant = require_aware(value, name)
    if not EARLIEST <= instant <= LATEST:
        raise InvalidInputError(
            f"{name} {value.isoformat()} lies outside the calendar homecare records "
            f"({FIRST_DAY.isoformat()}..{LAST_DAY.isoformat()}, Stockholm time)."
        )
    return instant


def stockholm_day(at: datetime, name: str = "at") -> date:
    """The Stockholm calendar day of an instant: "today" for a command dated `at`.

    The one way every entry point turns a command's time into a day (the
    century of a 10-digit personnummer, D8; a shift's day).
    """
    return require_instant(at, name).astimezone(STOCKHOLM).date()


def require_period(
    start: datetime, end: datetime | None, what: str
) -> tuple[datetime, datetime | None]:
    """Both ends in UTC (see require_aware); the end, if any, after the start."""
    start = require_instant(start, f"{what} start")
    if end is not None:
        end = require_instant(end, f"{what} end")
        if end <= start:
            raise InvalidPeriodError(
                f"{what}: the end {end.isoformat()} must be after the start {start.isoformat()}."
            )
    return start, end


def require_actor(actor: object) -> str:
    """Who made the change (D1): text, at most ACTOR_MAX characters, stripped.

    The actor is stored in the clear in every event, so one shaped like a
    personnummer or samordningsnummer is PersonalDataInActorError (D8; the shape
    of `homecare.domain.identity.holds_identity_number`, as the access log's R17).
    Every command's actor passes here (through `stamp`), whatever the entry point.
    """
    if actor is None or (isinstance(actor, str) and not actor.strip()):
        raise InvalidInputError("Every change must name who made it (actor).")
    text = require_text(actor, "actor", ACTOR_MAX)
    if holds_identity_number(text):
        raise PersonalDataInActorError(
            "The actor holds a number shaped like a personnummer, which every event would "
            "keep in the clear (D8): name who made the change by a user name or initials."
        )
    return text


_Text = TypeVar("_Text", bound=str | None)


def kept_clear(text: _Text, name: str) -> _Text:
    """A field stored in the clear and kept after a cull (R16: a customer's organisation,
    a staff member's SD number; docs/privacy.md): one holding a number shaped like a
    personnummer is InvalidInputError, as an actor is (D8), and the text is not repeated."""
    if text is not None and holds_identity_number(text):
        raise InvalidInputError(
            f"The {name} holds a number shaped like a personnummer, which would be kept in "
            f"the clear, also after a cull (R16, D8): give the {_KEPT_CLEAR.get(name, name)}."
        )
    return text


_KEPT_CLEAR = {"organisation": "unit's or team's name", "sd_number": "SD number itself"}


class Stamp(TypedDict):
    """Who recorded an event and when (D1): the two fields every event carries."""

    actor: str
    timestamp: datetime


def stamp(actor: object, at: datetime) -> Stamp:
    """D1, D10: a command's `actor` and `at` checked, as an event's `actor` and `timestamp`.

    Pass it on with `**stamp(actor, at)`; raises InvalidInputError as
    `require_actor` and `require_instant` do (the actor is checked first).
    """
    return {"actor": require_actor(actor), "timestamp": require_instant(at, "at")}


E = TypeVar("E", bound=StrEnum)


def parse_choice(kind: type[E], value: E | str, name: str) -> E:
    """One of a closed set of values, or a clear error listing the allowed ones. The value
    given is not repeated: a free text put in a code's place (a reason's "Karolinska ...")
    is personal data, and error messages reach logs and HTTP bodies (D8)."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidInputError(
            f"Unknown {name} (the value given is not repeated): expected one of {allowed}."
        ) from None
