"""What a command accepts (D10): the one source of every field's limits.

Why one module: every command checks its fields here before it records an
event, and the read models and the buffer size their columns from the same
constants, so nothing the domain accepts can be refused by a column later
(on PostgreSQL a `varchar(200)` refuses the 201st character, SQLite does not;
PostgreSQL refuses NUL in text; lone surrogates cannot be encoded as UTF-8).

Text rules, for every text field:
- it must be a `str` (not None, bytes, a number);
- surrounding whitespace is removed; empty or whitespace-only is refused
  (an optional field given as whitespace-only means "none");
- no control characters (Unicode category Cc: NUL, ESC, DEL, C1 ...), no
  surrogates (category Cs), no bidirectional overrides, embeddings or isolates
  (U+202A-U+202E, U+2066-U+2069: they reorder what is shown, so a name could
  display as another) and no line or paragraph separators (U+2028, U+2029);
  free text (`reason_text`) may hold line breaks and tabs;
- text with nothing visible (only whitespace and invisible format characters
  such as U+200B ZERO WIDTH SPACE) counts as empty;
- at most the field's length in characters (code points), after stripping.

Plain values (D10): a subclass of str, int, date, datetime or UUID (an enum.StrEnum
given as a name, an enum.IntEnum as a number, freezegun's or pendulum's dates and
times) is taken as the plain value it stands for, so an event holds exactly what a
plain value would have given: the event store cannot encode other types, and a replay
gives back plain values (D6). A bool is not a whole number.

Lists of activities: a list, tuple, set or other collection of texts (a bare
string is refused, it is not a list of its letters), each an activity name,
at most `MAX_ACTIVITIES` distinct names.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Final
from uuid import UUID

from homecare.errors import InvalidInputError

__all__ = [
    "ACTIVITY_MAX",
    "ACTOR_MAX",
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_ACTIVITIES",
    "NAME_MAX",
    "ORGANISATION_MAX",
    "PERSONNUMMER_TEXT_MAX",
    "REASON_TEXT_MAX",
    "SD_NUMBER_MAX",
    "is_blank",
    "plain_datetime",
    "refused_character",
    "require_activities",
    "require_day",
    "require_id",
    "require_ids",
    "require_optional_text",
    "require_text",
    "require_whole",
]

NAME_MAX: Final = 200
"""A customer's or staff member's name, in characters."""
ORGANISATION_MAX: Final = 200
"""A customer's organisation (unit or team); the pause overview stores it (R9)."""
ACTOR_MAX: Final = 200
"""Who made a change (D1); the pause overview stores it."""
SD_NUMBER_MAX: Final = 64
"""The staff member's SD number; the buffer stores it and sends it to the city (R5)."""
ACTIVITY_MAX: Final = 100
"""One activity (insats) name."""
MAX_ACTIVITIES: Final = 50
"""Distinct activities in one decision, order or visit report."""
REASON_TEXT_MAX: Final = 2000
"""A pause's free-text reason; may span lines."""
PERSONNUMMER_TEXT_MAX: Final = 32
"""The text a personnummer is parsed from (13 characters with a dash, some room for spaces)."""

FIRST_DAY: Final = date(1900, 1, 1)
"""The earliest date or instant (Stockholm day) a command accepts."""
LAST_DAY: Final = date(2199, 12, 31)
"""The latest date or instant (Stockholm day) a command accepts; an open end is None."""

_MULTILINE_ALLOWED = frozenset("\n\r\t")
_REORDERING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional embeddings, overrides and isolates: they change the order text shows in."""
_INVISIBLE = frozenset({"Cf", "Zs", "Zl", "Zp", "Cc", "Mn", "Me"})
"""Categories of characters that show nothing on their own (format, spaces, marks)."""


def refused_character(value: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The first character a text field may not hold, as (index, why), or None: a control
    character (Cc; line breaks and tabs allowed if `multiline`), a lone surrogate (Cs), a
    bidirectional override, embedding or isolate, a line or paragraph separator."""
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        if category == "Cs":
            return index, f"a lone surrogate (U+{ord(char):04X}): it is not valid Unicode text"
        if category == "Cc" and not (multiline and char in _MULTILINE_ALLOWED):
            return index, f"a control character (U+{ord(char):04X})"
        if char in _REORDERING:
            return index, f"a bidirectional control (U+{ord(char):04X}) that reorders the text"
        if category in ("Zl", "Zp"):
            return index, f"a line or paragraph separator (U+{ord(char):04X})"
    return None


def is_blank(value: str) -> bool:
    """Whether `value` shows nothing: only whitespace and invisible characters."""
    return all(unicodedata.category(char) in _INVISIBLE for char in value)


def require_text(value: object, name: str, max_length: int, *, multiline: bool = False) -> str:
    """The text stripped of surrounding whitespace; refused if empty, too long or unstorable."""
    checked = _text(value, name, max_length, multiline=multiline)
    if not checked:
        raise InvalidInputError(f"{name} must not be empty.")
    return checked


def require_optional_text(
    value: object, name: str, max_length: int, *, multiline: bool = False
) -> str | None:
    """None, or the text as `require_text` checks it; whitespace-only means None."""
    if value is None:
        return None
    return _text(value, name, max_length, multiline=multiline) or None


def _text(value: object, name: str, max_length: int, *, multiline: bool) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be text, got {type(value).__name__}.")
    value = str.__str__(value)  # a subclass's (an enum.StrEnum's) plain text, checked as such
    refused = refused_character(value, multiline=multiline)
    if refused is not None:
        index, why = refused
        raise InvalidInputError(f"{name} holds {why} at character {index}.")
    stripped = value.strip()
    if len(stripped) > max_length:
        raise InvalidInputError(
            f"{name} is {len(stripped)} characters long; at most {max_length} are accepted."
        )
    return "" if is_blank(stripped) else stripped


def require_activities(value: object, name: str = "activities") -> list[str]:
    """Distinct activity names, sorted; at least one (R5 compares them with the decision)."""
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise InvalidInputError(
            f"{name} must be a list of activity names, got {type(value).__name__}."
        )
    names = sorted({require_text(item, "activity", ACTIVITY_MAX) for item in value})
    if not names:
        raise InvalidInputError(f"{name} must name at least one activity.")
    if len(names) > MAX_ACTIVITIES:
        raise InvalidInputError(
            f"{name} names {len(names)} activities; at most {MAX_ACTIVITIES} are accepted."
        )
    return names


def require_day(value: object, name: str) -> date:
    """A calendar date (not a datetime, whose day would depend on a time zone) in range;
    a subclass of date is taken as the plain date of the same day (see the module doc)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInputError(f"{name} must be a date, got {type(value).__name__}.")
    if type(value) is not date:  # a subclass (freezegun's FakeDate, pendulum's Date)
        value = date(value.year, value.month, value.day)
    if not FIRST_DAY <= value <= LAST_DAY:
        raise InvalidInputError(
            f"{name} {value.isoformat()} is outside the accepted range "
            f"{FIRST_DAY.isoformat()}..{LAST_DAY.isoformat()}."
        )
    return value


def require_id(value: object, name: str) -> UUID:
    """A UUID; a subclass of UUID is taken as the plain UUID of the same value."""
    if not isinstance(value, UUID):
        raise InvalidInputError(f"{name} must be a UUID, got {type(value).__name__}.")
    return value if type(value) is UUID else UUID(int=value.int)


def require_whole(value: object, name: str, *, minimum: int = 0) -> int:
    """A whole number (an int, not a bool) from `minimum`; a subclass of int (an
    enum.IntEnum) is taken as the plain int of the same value."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{name} must be a whole number.")
    if value < minimum:
        raise InvalidInputError(f"{name} must be at least {minimum}.")
    return int.__int__(value)


def plain_datetime(value: datetime, offset: timedelta) -> datetime:
    """The plain datetime of an aware `value` of a datetime subclass, at the same instant
    and wall clock: its tzinfo (pendulum's Timezone, any tzinfo of its own) replaced by a
    fixed `timezone` of its UTC `offset` (`value.utcoffset()`)."""
    return datetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        tzinfo=timezone(offset),
    )


def require_ids(value: object, name: str) -> list[UUID]:
    """A non-empty collection of UUIDs (a bare string is not a list of ids)."""
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise InvalidInputError(f"{name} must be a list of ids, got {type(value).__name__}.")
    ids = [require_id(item, f"{name} item") for item in value]
    if not ids:
        raise InvalidInputError(f"{name} must name at least one id.")
    return ids
