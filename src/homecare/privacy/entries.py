"""R17: one entry of the access log as a read path gives it, and its refusal.

An entry names who read (`reader`), whose data (`subject_id`, `subject_kind`),
what (`what`: a short code), why (`purpose`) and through what (`channel`); a
reader or purpose that is blank, holds a control character or a number shaped
like a personnummer is refused (`refusal`: one line, never echoing the text, D8).
The log itself is `homecare.privacy.access_log`, which re-exports these.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from homecare.domain.fields import is_blank, refused_character
from homecare.domain.identity import holds_identity_number
from homecare.domain.privacy import SubjectKind
from homecare.errors import InvalidInputError, PersonalDataInAccessLogError

__all__ = ["STORED", "Access", "Channel", "reads", "refusal"]

STORED = {"stored": True}
"""Validation context of rows read back: the rules added since they were written are
not applied again (a row is shown as it was recorded)."""


class Channel(StrEnum):
    """Where a read came through."""

    FACADE = "facade"
    CLI = "cli"
    HTTP = "http"
    CONSOLE = "console"
    AUDIT = "audit"


class Access(BaseModel):
    """One read of one subject's personal data, as a read path records it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reader: str = Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")
    subject_id: UUID
    subject_kind: SubjectKind
    what: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    purpose: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    channel: Channel
    at: datetime | None = None

    @field_validator("reader", "purpose")
    @classmethod
    def _no_personal_data(cls, value: str, info: ValidationInfo) -> str:
        return value if info.context == STORED else _plain(value)


@lru_cache(maxsize=1024)
def _plain(value: str) -> str:
    """`value` if plain (not blank, no control character or personnummer); cached per text."""
    if is_blank(value) or refused_character(value) is not None:
        raise ValueError("blank, or a control, bidirectional or separator character")
    if holds_identity_number(value):
        raise PydanticCustomError("personal_data", "shaped like a personnummer")
    return value


def refusal(error: ValidationError) -> InvalidInputError:
    """The one-line refusal of a malformed entry (never echoing the text, D8):
    PersonalDataInAccessLogError for a reader or purpose shaped like a personnummer or
    samordningsnummer, else InvalidInputError naming the fields."""
    problems = error.errors()
    personal = sorted({str(e["loc"][0]) for e in problems if e["type"] == "personal_data"})
    if personal:
        return PersonalDataInAccessLogError(
            f"The access log holds no personal data (R17): the {' and '.join(personal)} "
            "holds a number shaped like a personnummer or samordningsnummer; leave it out."
        )
    fields = ", ".join(sorted({str(e["loc"][0]) for e in problems if e["loc"]}))
    return InvalidInputError(
        f"A read must name its {fields} (R17): 1-128 characters for the reader, "
        "1-200 for the purpose, not blank, no control characters."
    )


def reads(
    subjects: Iterable[tuple[UUID, SubjectKind]],
    *,
    reader: str,
    what: str,
    purpose: str,
    channel: Channel,
    at: datetime | None = None,
) -> list[Access]:
    """One entry per subject read by one reader at once (a list view, a fetched page);
    InvalidInputError (`refusal`) for a malformed reader, purpose or code."""
    try:
        return [
            Access(
                reader=reader,
                subject_id=subject_id,
                subject_kind=kind,
                what=what,
                purpose=purpose,
                channel=channel,
                at=at,
            )
            for subject_id, kind in subjects
        ]
    except ValidationError as error:
        raise refusal(error) from None
