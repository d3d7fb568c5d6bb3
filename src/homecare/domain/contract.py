"""A customer's contract (kontrakt): the middle level of the pause cascade (R7)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from homecare.domain.common import stamp
from homecare.domain.fields import require_id
from homecare.domain.pausable import Pausable

__all__ = ["Contract"]


class Contract(Pausable):
    """A customer's contract with the provider; its orders hang under it (R7)."""

    class Opened(Aggregate.Created):
        customer_id: UUID
        actor: str

    @event(Opened)
    def __init__(self, customer_id: UUID, actor: str, timestamp: datetime) -> None:
        self.customer_id = customer_id

    @classmethod
    def open(cls, *, customer_id: UUID, actor: str, at: datetime) -> Contract:
        return cls(
            customer_id=require_id(customer_id, "customer_id"),
            **stamp(actor, at),
        )
