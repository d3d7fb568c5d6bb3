"""Rendering a released item: its message, in the city's format, sealed (D8).

The payload is written once, when the item is released (D3), from the item's
facts and the personal data the buffer keeps sealed (the customer's and the
staff member's personnummer).

For the current format (`ParagoFormat`) the lean path (issue 16) writes the
message's JSON with orjson straight from the item's fields, the bytes the
pydantic model's JSON would have (same field order, UUIDs in canonical form,
a UTC instant ending in `Z`), without building and validating a model per
item; tests compare the two. Other formats, and `lean=False`, go through the
model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import orjson

from homecare._sql.rows import Row
from homecare.outbox.messages import (
    CustomerPauseMessage,
    MessageFormat,
    MessageKind,
    ParagoFormat,
    VisitReportMessage,
)

__all__ = ["Sealing", "message_of", "parago_json", "sealed_payload"]


class Sealing(Protocol):
    """What rendering needs of the store's sealer (`homecare._es.sealing.Sealer`, D8)."""

    def seal(self, text: str) -> str: ...

    def open(self, sealed: str) -> str: ...


def sealed_payload(
    item: Row,
    customer: Row | None,
    staff: Row | None,
    sealer: Sealing,
    fmt: MessageFormat,
    *,
    lean: bool = True,
) -> str:
    """The payload stored for a released `item` (its customer's and staff's rows beside)."""
    if lean and isinstance(fmt, ParagoFormat):
        return sealer.seal(parago_json(item, customer, staff, sealer))
    return sealer.seal(fmt.render(message_of(item, customer, staff, sealer)))


def message_of(
    item: Row, customer: Row | None, staff: Row | None, sealer: Sealing
) -> VisitReportMessage | CustomerPauseMessage:
    """The message of a released item; `staff` is only read for a visit report."""
    common = _common(item, customer, sealer)
    facts = item["facts"]
    if item["kind"] == MessageKind.CUSTOMER_PAUSE:
        return CustomerPauseMessage(**common, **facts)
    assert staff is not None
    assert staff["personnummer"]
    assert staff["sd_number"]
    return VisitReportMessage(
        **common,
        **facts,
        staff_personnummer=sealer.open(staff["personnummer"]),
        staff_sd_number=staff["sd_number"],
    )


def parago_json(item: Row, customer: Row | None, staff: Row | None, sealer: Sealing) -> str:
    """`ParagoFormat().render(message_of(...))`, byte for byte, from plain values."""
    fields = _common(item, customer, sealer)  # message_id a UUID: orjson writes it canonically
    facts = item["facts"]
    if item["kind"] == MessageKind.CUSTOMER_PAUSE:
        fields.update(
            kind="customer_pause",
            action=facts["action"],
            period_id=facts["period_id"],
            first_day=facts["first_day"],
            last_day=facts["last_day"],
        )
    else:
        assert staff is not None
        assert staff["personnummer"]
        assert staff["sd_number"]
        fields.update(
            kind="visit_report",
            assignment_id=facts["assignment_id"],
            revision=facts["revision"],
            staff_personnummer=sealer.open(staff["personnummer"]),
            staff_sd_number=staff["sd_number"],
            performed_start=_instant(facts["performed_start"]),
            performed_end=_instant(facts["performed_end"]),
            activities=facts["activities"],
        )
        if facts.get("outcome", "performed") != "performed":
            fields["outcome"] = facts["outcome"]
    return orjson.dumps(fields, option=orjson.OPT_UTC_Z).decode()


def _instant(iso: str) -> datetime:
    """An instant as the facts keep it (`isoformat`), to be written as pydantic does."""
    return datetime.fromisoformat(iso)


def _common(item: Row, customer: Row | None, sealer: Sealing) -> dict[str, Any]:
    """The fields every message has, in the message's order (both renderers)."""
    assert customer is not None, "events are ordered: the customer was registered first"
    return {
        "message_id": item["message_id"],
        "position": item["position"],
        "customer": item["customer_id"],
        "customer_personnummer": sealer.open(customer["personnummer"]),
        "business_date": item["business_date"],
    }
