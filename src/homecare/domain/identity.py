"""Personal identity numbers (personnummer and samordningsnummer), D8.

Why a value object: the number is validated once, stored in one canonical
12-digit form of ASCII digits, and can never leak through `repr`, `str` or an
error message, which show the birth date only (``19121212-****``).

Why our own validation rather than the `personnummer` package's: that package
accepts non-ASCII digits (`\\d` and `int()` take fullwidth digits, U+FF10-U+FF19), refuses
samordningsnummer with an unknown birth month or day as Skatteverket issues
them (its own test number `19150072-2390`), and takes the century of a
10-digit number from the machine's clock. The rules are short: the Luhn check
digit over `YYMMDDNNN`, a serial other than 000, and a birth date that exists;
a samordningsnummer adds 60 to the day, and may write an unknown month as 00
and an unknown day as 00 (day 60).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from homecare.domain.fields import PERSONNUMMER_TEXT_MAX
from homecare.domain.privacy import CULLED, Culled
from homecare.errors import InvalidInputError, InvalidPersonalIdentityNumberError

__all__ = [
    "PersonalIdentityNumber",
    "holds_identity_number",
    "mask",
    "redacted",
    "require_personnummer",
]

_LONG = re.compile(r"([0-9]{8})[-+]?([0-9]{4})", re.ASCII)
_SHORT = re.compile(r"([0-9]{6})([-+]?)([0-9]{4})", re.ASCII)
_CANONICAL = re.compile(r"[0-9]{12}", re.ASCII)
_COORDINATION_OFFSET = 60
_SHAPE = re.compile(r"(?<!\d)(?:\d{6}|\d{8})[-+]?\d{4}(?!\d)")  # any digits: \d is Unicode


def holds_identity_number(text: str) -> bool:
    """Whether `text` holds a digit run shaped like a personnummer or samordningsnummer:
    6 or 8 digits, an optional `-` or `+`, 4 digits, with whitespace anywhere ignored and
    no digit either side. The shape alone: the date and check digit are not looked at, so
    an invalid number (a typo of a real one) is caught as well (R17, D8)."""
    return _SHAPE.search("".join(text.split())) is not None


def redacted(value: object, limit: int = 40) -> str:
    """A value given in bad input, for an error message (which reaches logs and HTTP
    bodies, D8): quoted and cut at `limit` characters, every run shaped like a
    personnummer replaced by `<personnummer>`; a value still holding one (digits spread
    by whitespace) is not shown at all. For malformed ids, dates, months and cursors
    only: an error about a free-text field names the field, never its text."""
    text = value if isinstance(value, str) else repr(value)
    cut = _SHAPE.sub("<personnummer>", text[:limit])
    if holds_identity_number(cut):
        return "(not shown: it holds a personnummer)"
    return repr(cut + ("..." if len(text) > limit else ""))


def mask(raw: str) -> str:
    """Show at most the first 8 characters' digits (the birth date); never the rest."""
    digits = re.sub(r"[^0-9]", "", raw[: PERSONNUMMER_TEXT_MAX * 4])
    if len(digits) >= 12:
        return f"{digits[:8]}-****"
    if len(digits) >= 10:
        return f"{digits[:6]}-****"
    return "****"


@dataclass(frozen=True, slots=True)
class PersonalIdentityNumber:
    """A validated personnummer or samordningsnummer in canonical 12-digit form (ASCII)."""

    value: str = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not _valid(self.value):
            shown = mask(self.value) if isinstance(self.value, str) else "****"
            raise InvalidPersonalIdentityNumberError(
                f"Invalid personnummer {shown}: bad checksum or date."
            )

    @classmethod
    def parse(cls, raw: str, *, today: date | None = None) -> PersonalIdentityNumber:
        """Accept `YYYYMMDD-NNNN` (or without the dash) and, when `today` is given,
        the 10-digit `YYMMDD-NNNN` form, whose century depends on today's date: a
        `+` means the person is 100 or older in today's calendar year, a `-` (or
        none) younger. Digits are ASCII only; spaces are ignored. Today is passed in
        (the domain reads no clock): the facade passes the Stockholm day of the
        command's time (`homecare.domain.common.stockholm_day`).
        """
        if not isinstance(raw, str):
            raise InvalidPersonalIdentityNumberError(
                f"A personnummer must be given as text, got {type(raw).__name__}."
            )
        text = raw.strip().replace(" ", "")
        if len(text) > PERSONNUMMER_TEXT_MAX:
            raise InvalidPersonalIdentityNumberError(
                "Invalid personnummer: the text is too long (expected YYYYMMDD-NNNN)."
            )
        long_match = _LONG.fullmatch(text)
        if long_match:
            return cls(long_match.group(1) + long_match.group(2))
        short_match = _SHORT.fullmatch(text)
        if short_match and today is not None:
            yymmdd, sep, tail = short_match.groups()
            year = _full_year(yymmdd, centenarian=sep == "+", today=today)
            return cls(f"{year:04d}{yymmdd[2:]}{tail}")
        hint = "" if today is not None or not short_match else " (use the 12-digit form)"
        raise InvalidPersonalIdentityNumberError(
            f"Invalid personnummer {mask(text)}: expected YYYYMMDD-NNNN{hint}."
        )

    @classmethod
    def from_store(cls, value: str) -> PersonalIdentityNumber:
        """Rebuild a number that was validated before it was stored (replays are hot)."""
        trusted = object.__new__(cls)
        object.__setattr__(trusted, "value", value)
        return trusted

    @classmethod
    def culled(cls) -> PersonalIdentityNumber:
        """R16: the number of a culled subject, so replays keep this type. `.value`,
        `.masked()` and `str()` show "culled" (`homecare.domain.privacy.CULLED`); it
        has no birth date (birth_year 0, birth_month/day/date None). Not validated."""
        return cls.from_store(CULLED.text)

    @classmethod
    def opened(cls, value: str | Culled) -> PersonalIdentityNumber:
        """A number read back from a sealed field (`SubjectKeys.open`): `culled()` for
        CULLED, else the stored canonical form (validated before it was sealed)."""
        return cls.culled() if isinstance(value, Culled) else cls.from_store(value)

    @property
    def is_culled(self) -> bool:
        return self.value == CULLED.text

    @property
    def is_coordination_number(self) -> bool:
        """Samordningsnummer: the day of month plus 60 (day 60: the day is unknown)."""
        return not self.is_culled and int(self.value[6:8]) >= _COORDINATION_OFFSET

    @property
    def birth_year(self) -> int:
        """The birth year; 0 for a culled number."""
        return 0 if self.is_culled else int(self.value[:4])

    @property
    def birth_month(self) -> int | None:
        """1-12, or None when a samordningsnummer leaves the month unknown (00)."""
        return None if self.is_culled else int(self.value[4:6]) or None

    @property
    def birth_day(self) -> int | None:
        """1-31, or None when a samordningsnummer leaves the day unknown (60)."""
        if self.is_culled:
            return None
        day = int(self.value[6:8])
        return (day - _COORDINATION_OFFSET if day >= _COORDINATION_OFFSET else day) or None

    @property
    def birth_date(self) -> date | None:
        """The full birth date; None when it is partial (see birth_month, birth_day)."""
        if self.birth_month is None or self.birth_day is None:
            return None
        return date(self.birth_year, self.birth_month, self.birth_day)

    def masked(self) -> str:
        return CULLED.text if self.is_culled else mask(self.value)

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"PersonalIdentityNumber({self.masked()!r})"


def require_personnummer(value: object) -> PersonalIdentityNumber:
    """The domain takes parsed numbers only; text goes through `PersonalIdentityNumber.parse`."""
    if not isinstance(value, PersonalIdentityNumber):
        raise InvalidInputError(
            f"personnummer must be a PersonalIdentityNumber, got {type(value).__name__} "
            "(parse text with PersonalIdentityNumber.parse)."
        )
    return value


def _valid(twelve: str) -> bool:
    if not _CANONICAL.fullmatch(twelve):
        return False
    if twelve[8:11] == "000" or _luhn(twelve[2:11]) != int(twelve[11]):
        return False
    year, month, day = int(twelve[:4]), int(twelve[4:6]), int(twelve[6:8])
    coordination = day >= _COORDINATION_OFFSET
    if coordination:
        day -= _COORDINATION_OFFSET
    if month == 0 or day == 0:
        # Only a samordningsnummer may leave the month or the day unknown.
        return coordination and month <= 12 and day <= 31 and year >= 1
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _luhn(nine: str) -> int:
    """The check digit over YYMMDDNNN, as Skatteverket computes it."""
    total = 0
    for index, char in enumerate(nine):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def _full_year(yymmdd: str, *, centenarian: bool, today: date) -> int:
    """The birth year of a 10-digit number.

    `+`: the person is 100 or older in today's calendar year, so the latest year
    ending in YY that is at most today's year minus 100. `-` (or none): the
    latest year ending in YY up to today's year whose (partial) birth date is not
    after today.
    """
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    day = day - _COORDINATION_OFFSET if day >= _COORDINATION_OFFSET else day
    if centenarian:
        latest = today.year - 100
        return latest - (latest - yy) % 100
    year = today.year - (today.year - yy) % 100
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year
