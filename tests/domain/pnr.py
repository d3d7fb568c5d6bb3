"""Personnummer test data, with the Luhn check digit computed rather than copied.

Why computed: a test of "bad date" needs a number whose checksum is right, so
that only the date can be what makes it invalid.
"""

from __future__ import annotations

VALID = "191212121212"  # Skatteverket's published test number (Tolvan Tolvansson)
VALID_STAFF = "198112189876"
COORDINATION = "197010632391"  # samordningsnummer: day 03 + 60


def check_digit(nine: str) -> str:
    """The Luhn digit over YYMMDDNNN, as Skatteverket computes it."""
    total = 0
    for index, char in enumerate(nine):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def with_check_digit(yyyymmdd: str, serial: str) -> str:
    """A 12-digit number with a correct checksum, whatever its date."""
    return f"{yyyymmdd}{serial}{check_digit(yyyymmdd[2:] + serial)}"


def bad_checksum(twelve: str) -> str:
    return twelve[:-1] + str((int(twelve[-1]) + 1) % 10)


def forms(twelve: str) -> list[str]:
    """Every way the full number can be written (D8: none may appear in output)."""
    ten = twelve[2:]
    return [
        twelve,
        ten,
        f"{twelve[:8]}-{twelve[8:]}",
        f"{ten[:6]}-{ten[6:]}",
        f"{ten[:6]}+{ten[6:]}",
    ]


def assert_not_shown(text: str, twelve: str) -> None:
    for form in forms(twelve):
        assert form not in text, f"personnummer shown in full ({form!r}) in: {text!r}"
