"""Personal identity numbers (personnummer and samordningsnummer), D8.

Why a value object: the number is validated once (checksum and date, through
the well-kept `personnummer` package), stored in one canonical 12-digit form,
and can never leak through `repr`, `str` or an error message, which show the
birth date only (``19121212-****``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from personnummer import personnummer as _pnr

from homecare.errors import InvalidPersonalIdentityNumberError

__all__ = ["PersonalIdentityNumber", "mask"]

_LONG = re.compile(r"^(\d{8})[-+]?(\d{4})$")
_SHORT = re.compile(r"^(\d{6})([-+]?)(\d{4})$")


def mask(raw: str) -> str:
    """Show at most the first 8 characters' digits (the birth date); never the rest."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) >= 12:
        return f"{digits[:8]}-****"
    if len(digits) >= 10:
        return f"{digits[:6]}-****"
    return "****"


@dataclass(frozen=True, slots=True)
class PersonalIdentityNumber:
    """A validated personnummer or samordningsnummer in canonical 12-digit form."""

    value: str = field(repr=False)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{12}", self.value) or not _valid(self.value):
            raise InvalidPersonalIdentityNumberError(
                f"Invalid personnummer {mask(self.value)}: bad checksum or date."
            )

    @classmethod
    def parse(cls, raw: str, *, today: date | None = None) -> PersonalIdentityNumber:
        """Accept `YYYYMMDD-NNNN` (or without the dash) and, when `today` is given,
        the 10-digit `YYMMDD-NNNN` form, whose century depends on today's date
        (a `+` means 100 years or older). Today is passed in: the domain reads no clock.
        """
        text = raw.strip().replace(" ", "")
        long_match = _LONG.match(text)
        if long_match:
            return cls(long_match.group(1) + long_match.group(2))
        short_match = _SHORT.match(text)
        if short_match and today is not None:
            yymmdd, sep, tail = short_match.groups()
            century = _century(yymmdd, centenarian=sep == "+", today=today)
            return cls(f"{century:02d}{yymmdd}{tail}")
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

    @property
    def is_coordination_number(self) -> bool:
        """Samordningsnummer: the day of month plus 60."""
        return int(self.value[6:8]) > 60

    @property
    def birth_date(self) -> date:
        day = int(self.value[6:8])
        return date(int(self.value[:4]), int(self.value[4:6]), day - 60 if day > 60 else day)

    def masked(self) -> str:
        return mask(self.value)

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"PersonalIdentityNumber({self.masked()!r})"


def _valid(twelve_digits: str) -> bool:
    try:
        _pnr.Personnummer(twelve_digits)
    except (_pnr.PersonnummerException, ValueError):
        return False
    return True


def _century(yymmdd: str, *, centenarian: bool, today: date) -> int:
    """The century that puts the birth date on or before today (a '+' adds 100 years)."""
    year = (today.year // 100) * 100 + int(yymmdd[:2])
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    if (year, month, day % 60 or day) > (today.year, today.month, today.day):
        year -= 100
    if centenarian:
        year -= 100
    return year // 100
