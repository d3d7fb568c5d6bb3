"""Pauses of a customer, contract or order: create, change, cancel, and which apply (R7-R13).

The queries (`PauseQueries`) return Pause aggregates, whose reason texts are their
customer's personal data: each records its read in the access log (R17) as
`get(Pause, id)` does, with the same `reader=` and `purpose=`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from homecare._es.application import EventStore
from homecare._es.error_map import boundary
from homecare.application.reads import DEFAULT_PURPOSE, DEFAULT_READER, Reading, ReadQueries
from homecare.application.reads import subjects_of as _subjects_of
from homecare.domain.common import UNSET, Unset, require_aware
from homecare.domain.contract import Contract
from homecare.domain.customer import Customer
from homecare.domain.order import Order
from homecare.domain.pausable import Pausable
from homecare.domain.pause import Pause, PauseLevel, PauseReason
from homecare.errors import InvalidInputError

__all__ = ["PauseCommands", "PauseQueries"]

_KINDS: dict[PauseLevel, type[Pausable]] = {
    PauseLevel.CUSTOMER: Customer,
    PauseLevel.CONTRACT: Contract,
    PauseLevel.ORDER: Order,
}


@boundary
class PauseCommands(EventStore):
    """A pause is recorded on its target and never deleted; queries say which apply."""

    def create_pause(
        self,
        *,
        level: PauseLevel | str,
        target_id: UUID,
        notified_at: datetime,
        reason: PauseReason | str,
        starts_at: datetime,
        ends_at: datetime | None = None,
        reason_text: str | None = None,
        actor: str,
        at: datetime,
    ) -> UUID:
        """R7, R8: pause a customer, contract or order; status New."""
        target = self._pause_target(level, target_id)
        customer_id = target.id if isinstance(target, Customer) else _customer_of(target)
        pause = Pause.create(
            level=level,
            target_id=target_id,
            customer_id=customer_id,
            notified_at=notified_at,
            reason=reason,
            reason_text=reason_text,
            starts_at=starts_at,
            ends_at=ends_at,
            actor=actor,
            at=at,
        )
        target.attach_pause(pause_id=pause.id, actor=actor, at=at)
        self.save(pause, target)
        return pause.id

    def change_pause(
        self,
        pause_id: UUID,
        *,
        starts_at: datetime | Unset = UNSET,
        ends_at: datetime | Unset | None = UNSET,
        reason: PauseReason | str | Unset = UNSET,
        reason_text: str | Unset | None = UNSET,
        actor: str,
        at: datetime,
    ) -> None:
        """R8, R11, R12: edit start, end or reason (status Changed). One call, one event."""
        self._change(
            Pause,
            pause_id,
            lambda pause: pause.change(
                starts_at=starts_at,
                ends_at=ends_at,
                reason=reason,
                reason_text=reason_text,
                actor=actor,
                at=at,
            ),
        )

    def cancel_pause(self, pause_id: UUID, *, actor: str, at: datetime) -> None:
        """R8, R11, R13: cancel (final); the pause is never deleted."""
        self._change(Pause, pause_id, lambda pause: pause.cancel(actor=actor, at=at))

    def _pause_target(self, level: PauseLevel | str, target_id: UUID) -> Pausable:
        try:
            checked = PauseLevel(level)
        except ValueError:
            raise InvalidInputError(
                "Unknown level (the value given is not repeated): expected customer, contract "
                "or order."
            ) from None
        return self._load(_KINDS[checked], target_id)


@boundary
class PauseQueries(ReadQueries):
    """Which pauses can stop, or stop, an order, contract or customer (R7); R17: recorded."""

    def pauses_of_order(
        self, order_id: UUID, *, reader: str = DEFAULT_READER, purpose: str = DEFAULT_PURPOSE
    ) -> list[Pause]:
        """Every pause that can stop this order: its own, its contract's, its customer's (R7).
        R17: recorded as `get(Pause, ...)` is (`what` = `pause`, the customer's), when any."""
        with self.reading(reader=reader, purpose=purpose, what="pause") as read:
            return _noted(read, self._loads().pauses_of_order(order_id))

    def paused_by(
        self,
        *,
        at: datetime,
        order_id: UUID | None = None,
        contract_id: UUID | None = None,
        customer_id: UUID | None = None,
        reader: str = DEFAULT_READER,
        purpose: str = DEFAULT_PURPOSE,
    ) -> list[Pause]:
        """R7: the pauses that pause this order, contract or customer at `at` (empty: not paused).

        A customer's pause pauses its contracts and orders; a contract's pause its
        orders; never upwards. R17: the pauses returned are recorded as `get(Pause, ...)`
        is (`what` = `pause`: their reason texts are the customer's), none when empty.
        """
        require_aware(at, "at")
        targets = [x for x in (order_id, contract_id, customer_id) if x is not None]
        if len(targets) != 1:
            raise InvalidInputError("Name exactly one of order_id, contract_id, customer_id.")
        with self.reading(reader=reader, purpose=purpose, what="pause") as read:
            loads = self._loads()
            if order_id is not None:
                pauses = loads.pauses_of_order(order_id)
            elif contract_id is not None:
                contract = loads.load(Contract, contract_id)
                pauses = loads.pauses_of(contract, loads.load(Customer, contract.customer_id))
            else:
                assert customer_id is not None
                pauses = loads.pauses_of(loads.load(Customer, customer_id))
            return _noted(read, [p for p in pauses if p.is_active_at(at)])


def _noted(read: Reading, pauses: list[Pause]) -> list[Pause]:
    """`pauses`, their customers noted as read (recorded when the reading ends)."""
    read.note(subject for pause in pauses for subject in _subjects_of(pause))
    return pauses


def _customer_of(target: Pausable) -> UUID:
    return cast("UUID", cast(Any, target).customer_id)
