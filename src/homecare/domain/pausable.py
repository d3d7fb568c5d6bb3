"""What customers, contracts and orders share: they can carry pauses (R7).

Why on the target itself: the cascade question "is this order paused at t"
walks order -> contract -> customer, and each answers from its own history
which pauses were set on it, with no read model that might lag behind.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from homecare.domain.common import stamp
from homecare.domain.fields import require_id
from homecare.domain.record import Record

__all__ = ["Pausable"]


class Pausable(Record):
    """A record pauses can be set on; it remembers their ids in order (R7)."""

    class PauseAttached(Aggregate.Event):
        pause_id: UUID
        actor: str

    @property
    def pause_ids(self) -> tuple[UUID, ...]:
        return tuple(getattr(self, "_pause_ids", ()))

    def attach_pause(self, *, pause_id: UUID, actor: str, at: datetime) -> None:
        self._pause_attached(
            pause_id=require_id(pause_id, "pause_id"),
            **stamp(actor, at),
        )

    @event(PauseAttached)
    def _pause_attached(self, pause_id: UUID, actor: str, timestamp: datetime) -> None:
        self._pause_ids = (*self.pause_ids, pause_id)
