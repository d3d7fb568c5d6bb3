"""What a read path shows for a culled data subject (R16), and the kinds of subject.

Why one marker: after culling, the subject's data key is destroyed, so every
personal field sealed with it can no longer be opened. Read paths then show
the field as culled, never an error and never ciphertext; aggregates and
projections replaying the subject's events keep their types (a culled
personnummer is `PersonalIdentityNumber.culled()`, a culled text is
`CULLED.text`).

    >>> str(CULLED), CULLED.text, CULLED.swedish
    ('culled', 'culled', 'gallrad')
    >>> shown("Anna"), shown(CULLED), shown(CULLED, language="sv")
    ('Anna', 'culled', 'gallrad')
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal, final

__all__ = ["CULLED", "Culled", "SubjectKind", "is_culled", "shown"]


class SubjectKind(StrEnum):
    """Whose personal data: a care recipient (customer) or an employee (staff)."""

    CUSTOMER = "customer"
    STAFF = "staff"


@final
class Culled:
    """The one value that stands for a culled personal field (use `CULLED`).

    `text` ("culled") is what English views and JSON show, `swedish`
    ("gallrad") what the Swedish console shows. Falsy, so `value or default`
    treats it as absent; equal only to itself.
    """

    __slots__ = ()
    _instance: Culled | None = None

    text: Final = "culled"
    swedish: Final = "gallrad"

    def __new__(cls) -> Culled:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return "CULLED"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "CULLED"  # pickles and copies as the one instance


CULLED: Final = Culled()


def is_culled(value: object) -> bool:
    """Whether `value` is the culled marker (its text alone is not: a name may read so)."""
    return value is CULLED


def shown(value: str | Culled, *, language: Literal["en", "sv"] = "en") -> str:
    """The text a view shows for a personal field: the value, or the marker's text."""
    if isinstance(value, Culled):
        return value.swedish if language == "sv" else value.text
    return value
