"""An order under a contract: one ordered service, delivered as visits (R7)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from homecare.domain.common import stamp
from homecare.domain.fields import require_activities, require_id
from homecare.domain.pausable import Pausable

__all__ = ["Order"]


class Order(Pausable):
    """One ordered service under a contract: the activities its visits may deliver (R5, R7)."""

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
        activities: Iterable[str],
        actor: str,
        at: datetime,
    ) -> Order:
        delivered = require_activities(activities)
        return cls(
            contract_id=require_id(contract_id, "contract_id"),
            customer_id=require_id(customer_id, "customer_id"),
            activities=delivered,
            **stamp(actor, at),
        )
