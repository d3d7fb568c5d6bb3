"""The messages the city receives, as pydantic models (the schema of docs/integration.md).

Why behind one small interface (`MessageFormat`): the city's system is due to
be replaced; a second format is a second implementation of `render` and
`parse_many`, chosen when the buffer is wired, with the buffer's guarantees
unchanged.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from hashlib import sha1
from typing import Annotated, Literal, Protocol
from uuid import NAMESPACE_URL, UUID, SafeUUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

__all__ = [
    "BufferMessage",
    "CustomerPauseMessage",
    "FetchResult",
    "MessageFormat",
    "MessageKind",
    "ParagoFormat",
    "VisitReportMessage",
    "fetch_document",
    "message_id_for",
]


class MessageKind(StrEnum):
    VISIT_REPORT = "visit_report"
    CUSTOMER_PAUSE = "customer_pause"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    message_id: UUID = Field(description="The city's idempotency key: stable across replays.")
    position: int = Field(description="The item's place in the buffer; cursors are positions.")
    customer: UUID = Field(description="The customer's id in the provider's system.")
    customer_personnummer: str = Field(description="12 digits, YYYYMMDDNNNN.")
    business_date: date = Field(description="The visit's day, or the pause period's first day.")


class VisitReportMessage(_Message):
    """A performed (or declined, R15), attested and confirmed visit (R1, R2)."""

    kind: Literal["visit_report"] = "visit_report"
    assignment_id: UUID
    revision: int = Field(description="1 for the first confirmation; higher after a correction.")
    staff_personnummer: str
    staff_sd_number: str
    performed_start: datetime = Field(description="For a declined visit: the planned start.")
    performed_end: datetime = Field(description="For a declined visit: the planned end.")
    activities: list[str] = Field(description="Sorted; empty for a declined visit.")
    outcome: Literal["performed", "declined"] = Field(
        "performed",
        description="R15: `declined` when the customer declined the visit (avböjt besök); "
        "absent from a performed visit's payload, which keeps its original shape.",
    )


class CustomerPauseMessage(_Message):
    """A whole-day pause period of the customer, as the city holds it (R10, R11, D5)."""

    kind: Literal["customer_pause"] = "customer_pause"
    action: Literal["new", "changed", "cancelled"]
    period_id: str = Field(description="Identifies the period across new/changed/cancelled.")
    first_day: date
    last_day: date | None = Field(description="Inclusive; null while the pause is ongoing.")


BufferMessage = Annotated[VisitReportMessage | CustomerPauseMessage, Field(discriminator="kind")]

_batch_adapter: TypeAdapter[list[VisitReportMessage | CustomerPauseMessage]] = TypeAdapter(
    list[BufferMessage]
)


class FetchResult(BaseModel):
    """What one poll returns: up to `limit` items after the cursor, and the cursor to send next."""

    model_config = ConfigDict(frozen=True)

    items: list[BufferMessage]
    cursor: str | None = Field(description="Send as `after` next time; it acknowledges.")


class MessageFormat(Protocol):
    """Turns a message into the bytes-to-be of one city system."""

    name: str

    def render(self, message: VisitReportMessage | CustomerPauseMessage) -> str: ...

    def parse_many(self, payloads: list[str]) -> list[VisitReportMessage | CustomerPauseMessage]:
        """Parse a whole batch at once (the fetch hot path)."""
        ...

    def items_json(self, payloads: list[str]) -> str:
        """The batch as the city receives it, a JSON array, from the stored payloads alone:
        equal to the JSON of `parse_many(payloads)`, without parsing them."""
        ...


class ParagoFormat:
    """The current city system (Paragå): the models' own JSON."""

    name = "parago-json-v1"

    def render(self, message: VisitReportMessage | CustomerPauseMessage) -> str:
        if isinstance(message, VisitReportMessage) and message.outcome == "performed":
            # A performed visit's payload is exactly what it was before R15.
            return message.model_dump_json(exclude={"outcome"})
        return message.model_dump_json()

    def parse_many(self, payloads: list[str]) -> list[VisitReportMessage | CustomerPauseMessage]:
        # One call into pydantic-core for the whole batch: the payloads are JSON objects
        # we rendered ourselves, so joining them makes a valid JSON array.
        return _batch_adapter.validate_json("[" + ",".join(payloads) + "]")

    def items_json(self, payloads: list[str]) -> str:
        # A performed visit's stored payload leaves out `outcome` (see render); the
        # city has always received it with the model's default, as the last field.
        return "[" + ",".join(map(_with_outcome, payloads)) + "]"


_VISIT_KIND = '"kind":"visit_report"'
_OUTCOME = '"outcome":'
_PERFORMED = ',"outcome":"performed"}'


def _with_outcome(payload: str) -> str:
    """A stored payload as served: a visit report without an outcome gets "performed".

    Both markers are matched as JSON text outside strings: inside a string a quote
    is escaped (`\\"`), so neither can be found there.
    """
    if _OUTCOME in payload or _VISIT_KIND not in payload:
        return payload
    return payload[:-1] + _PERFORMED


def fetch_document(items_json: str, cursor: str | None) -> bytes:
    """`FetchResult`'s JSON, byte for byte, from its items' JSON array and the cursor."""
    tail = "null" if cursor is None else f'"{cursor}"'
    return f'{{"items":{items_json},"cursor":{tail}}}'.encode()


def message_id_for(originator_id: UUID, version: int, index: int = 0) -> UUID:
    """Derived from the event that caused the item, so a replay gives the same id:
    `uuid5(NAMESPACE_URL, "homecare:message:{originator_id}:{version}:{index}")`,
    computed as `uuid5` does with the namespace's bytes taken once."""
    name = f"homecare:message:{originator_id}:{version}:{index}".encode()
    digest = sha1(_URL_BYTES + name, usedforsecurity=False).digest()
    # what UUID(bytes=..., version=5) sets, without its Python-level checks (issue 16:
    # one id per item, a million in a long replay); tests/storage/test_lean_buffer.py
    message_id = _new_uuid(UUID)
    _set(message_id, "int", int.from_bytes(digest[:16]) & _VARIANT_VERSION_CLEARED | _RFC_4122_V5)
    _set(message_id, "is_safe", SafeUUID.unknown)
    return message_id


_URL_BYTES = NAMESPACE_URL.bytes
_VARIANT_VERSION_CLEARED = ~((0xC000 << 48) | (0xF000 << 64))
_RFC_4122_V5 = (0x8000 << 48) | (5 << 76)
_new_uuid = object.__new__
_set = object.__setattr__
