"""Which aggregates belong to a customer: itself, and every one created for it (D1, D6)."""

from __future__ import annotations

from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol

from homecare._es.log import Stored
from homecare._es.topics import resolve, topic_of


@cache
def _creates_for_customer(topic: str) -> bool:
    """Whether events of this topic create an aggregate that belongs to a customer."""
    try:
        kind = resolve(topic)
    except Exception:  # an unknown topic cannot be a creation event we know of
        return False
    return (
        isinstance(kind, type)
        and issubclass(kind, Aggregate.Created)
        and any("customer_id" in getattr(k, "__annotations__", {}) for k in kind.__mro__)
    )


def creation_topics(*kinds: type[Aggregate]) -> tuple[str, ...]:
    """The topics of the events that create aggregates of `kinds` (the `Aggregate.Created`
    classes nested on each), sorted: what a reader of the log needs to find new members."""
    return tuple(
        sorted(
            topic_of(nested)
            for kind in kinds
            for nested in vars(kind).values()
            if isinstance(nested, type) and issubclass(nested, Aggregate.Created)
        )
    )


class Members:
    """A customer and every aggregate created for it: contracts, orders, pauses, visits."""

    def __init__(self, customer_id: UUID) -> None:
        self.customer_id = customer_id
        self.kinds: dict[UUID, str] = {customer_id: "Customer"}

    def may_concern(self, stored: Stored) -> bool:
        """Cheap pre-check on the stored record, so unrelated events are never decoded."""
        return stored.originator_id in self.kinds or _creates_for_customer(stored.topic)

    def admit(self, event: DomainEventProtocol[Any]) -> str | None:
        """The aggregate type if the event concerns the customer (new members are recorded)."""
        kind = self.kinds.get(event.originator_id)
        if (
            kind is None
            and isinstance(event, Aggregate.Created)
            and getattr(event, "customer_id", None) == self.customer_id
        ):
            kind = self.kinds[event.originator_id] = type(event).__qualname__.split(".")[0]
        return kind

    def of_kind(self, kind: str) -> list[UUID]:
        """The members of one aggregate type ("Pause", "Assignment", ...), in log order."""
        return [member for member, k in self.kinds.items() if k == kind]
