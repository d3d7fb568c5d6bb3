"""Rendering a released item: its message, in the city's format, sealed (D8).

The payload is written once, when the item is released (D3), from the item's
facts and the personal data the buffer keeps sealed (the customer's and the
staff member's personnummer).
"""

from __future__ import annotations

from typing import Any

from homecare._es.sealing import Sealer
from homecare._sql.rows import Row
from homecare.outbox.messages import (
    CustomerPauseMessage,
    MessageFormat,
    MessageKind,
    VisitReportMessage,
)

__all__ = ["message_of", "sealed_payload"]


def sealed_payload(
    item: Row, customer: Row | None, staff: Row | None, sealer: Sealer, fmt: MessageFormat
) -> str:
    """The payload stored for a released `item` (its customer's and staff's rows beside)."""
    return sealer.seal(fmt.render(message_of(item, customer, staff, sealer)))


def message_of(
    item: Row, customer: Row | None, staff: Row | None, sealer: Sealer
) -> VisitReportMessage | CustomerPauseMessage:
    """The message of a released item; `staff` is only read for a visit report."""
    assert customer is not None, "events are ordered: the customer was registered first"
    common: dict[str, Any] = {
        "message_id": item["message_id"],
        "position": item["position"],
        "customer": item["customer_id"],
        "customer_personnummer": sealer.open(customer["personnummer"]),
        "business_date": item["business_date"],
    }
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
