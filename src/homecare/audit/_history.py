"""A customer's history: every event that touched it, in log order, with who and when (D1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from pydantic import BaseModel, ConfigDict

from homecare._es.error_map import translated
from homecare._es.log import check_page_size
from homecare.application.reads import DEFAULT_READER, Reading
from homecare.audit._common import PAGE_SIZE, timestamp
from homecare.audit._members import Members
from homecare.bootstrap import Homecare
from homecare.domain.customer import Customer
from homecare.errors import InvalidInputError
from homecare.privacy import Channel


class HistoryEntry(BaseModel):
    """One event in a customer's history (D1: who did what, and when)."""

    model_config = ConfigDict(frozen=True)

    position: int
    timestamp: datetime
    aggregate: str
    aggregate_id: UUID
    version: int
    event: str
    actor: str | None


@translated
def history(
    hc: Homecare,
    customer_id: UUID,
    *,
    page_size: int = PAGE_SIZE,
    reader: str = DEFAULT_READER,
    purpose: str = "audit: history",
    channel: Channel = Channel.AUDIT,
    within: Reading | None = None,
) -> list[HistoryEntry]:
    """Every event that touched the customer and its contracts, orders, pauses and visits.

    In log order. Event names are the aggregate's and the event's class names
    (PauseCreated, AssignmentConfirmed). Unknown customer: NotFoundError.
    R17: records `reader`'s read of the customer (what `history`) in the access log;
    `within`: a caller's reading this read is part of (reader, purpose and channel its own).
    `page_size` (events per page) not a whole number from 1, or `within` not a
    `Reading`: InvalidInputError, before anything is read or recorded.
    """
    check_page_size(page_size)
    if within is not None and not isinstance(within, Reading):
        raise InvalidInputError(
            f"within must be a Reading (Homecare.app.reading), got {type(within).__name__}."
        )
    with within or hc.app.reading(
        reader=reader, purpose=purpose, what="history", channel=channel
    ) as read:
        read.get(Customer, customer_id)
        members = Members(customer_id)
        entries: list[HistoryEntry] = []
        for page in hc.log.pages(page_size=page_size):
            for stored in page:
                if not members.may_concern(stored):
                    continue
                event = hc.log.decode(stored)
                kind = members.admit(event)
                if kind is not None:
                    entries.append(_entry(stored.id, kind, event))
    return entries


def _entry(position: int, kind: str, event: DomainEventProtocol[Any]) -> HistoryEntry:
    return HistoryEntry(
        position=position,
        timestamp=timestamp(event),
        aggregate=kind,
        aggregate_id=event.originator_id,
        version=event.originator_version,
        event=kind + type(event).__qualname__.split(".")[-1],
        actor=getattr(event, "actor", None),
    )
