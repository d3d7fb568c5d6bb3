"""The city's cursor: a buffer position and the history that leads to it (D3, D10).

    cursor = "POSITION.TAG"          e.g. "4.9f3c2a1b0e5d7c68"
    TAG    = 16 hex digits of sha256(previous TAG ":" message_id), "" before position 1

Why a tag: a position alone cannot tell two histories apart. The city drains
to position 4; the provider restores a backup taken at position 2 and confirms
three visits, which get positions 3, 4 and 5; a city sending "after=4" would
never receive two of them. The tag chains every message id up to the
position, so it names the whole history the cursor was given in: the fetch
checks it against the tag stored at that position, and a cursor of another
history is refused (`CursorHistoryError`) with a cursor to resume from
instead of silently skipping items. A restore copies every stored tag with
the rows, so the positions both histories share keep their tags.

A plain number (the format before the tag) is still accepted, unchecked; the
answer's cursor carries the tag from then on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from uuid import UUID

from homecare.domain.identity import redacted
from homecare.errors import InvalidCursorError

__all__ = ["TAG_LENGTH", "Cursor", "chain_tag", "parse_cursor"]

TAG_LENGTH = 16
MAX_POSITION_DIGITS = 18  # below 2**63: every position fits a signed 64-bit column
_CURSOR = re.compile(rf"([0-9]{{1,{MAX_POSITION_DIGITS}}})(?:\.([0-9a-f]{{{TAG_LENGTH}}}))?")
PATTERN = rf"^[0-9]{{1,{MAX_POSITION_DIGITS}}}(\.[0-9a-f]{{{TAG_LENGTH}}})?$"


def chain_tag(previous: str | None, message_id: UUID | str) -> str:
    """The tag of a position: the previous position's tag chained with this item's id."""
    text = f"{previous or ''}:{message_id}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:TAG_LENGTH]


@dataclass(frozen=True)
class Cursor:
    """A parsed cursor; `tag` is None for the start and for a plain-number cursor."""

    position: int
    tag: str | None = None

    def __str__(self) -> str:
        return str(self.position) if self.tag is None else f"{self.position}.{self.tag}"


START = Cursor(0)


def parse_cursor(after: str | int | None) -> Cursor:
    """`None`/`"0"` is the start; `"N.TAG"` as a fetch returned it; a plain `"N"` unchecked.

    Anything else (negative, non-ASCII digits, beyond 18 digits, a malformed tag,
    a tag on position 0) is InvalidCursorError.
    """
    if after is None:
        return START
    text = str(after).strip()
    found = _CURSOR.fullmatch(text) if not isinstance(after, bool) else None
    if found is None or (int(found.group(1)) == 0 and found.group(2) is not None):
        raise InvalidCursorError(
            f"Malformed cursor {redacted(str(after))}: a cursor is what a fetch returned, "
            "e.g. 4.9f3c2a1b0e5d7c68."
        )
    return Cursor(int(found.group(1)), found.group(2))
