"""An order under a contract: one ordered service, delivered as visits (R7)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from homecare.domain.common import require_actor, require_aware
from homecare.domain.pausable import Pausable
from homecare.errors import InvalidInputError

__all__ = ["Order"]


class Order(Pausable):
    class Placed(Aggregate.Created):
        contract_id: UUID
        customer_id: UUID
        activities: list[str]
        actor: str

    @event(Placed)
    def __init__(
        self,
        contract_id: UUID,
        customer_id: UUID,
        activities: list[str],
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.contract_id = contract_id
        self.customer_id = customer_id
        self.activities = frozenset(activities)

    @classmethod
    def place(
        cls,
        *,
        contract_id: UUID,
        customer_id: UUID,
        activities: list[str] | tuple[str, ...] | set[str] | frozenset[str],
        actor: str,
        at: datetime,
    ) -> Order:
        delivered = sorted({a.strip() for a in activities if a.strip()})
        if not delivered:
            raise InvalidInputError("An order must deliver at least one activity.")
        return cls(
            contract_id=contract_id,
            customer_id=customer_id,
            activities=delivered,
            actor=require_actor(actor),
            timestamp=require_aware(at, "at"),
        )
