"""Planning the city's pause messages: what the city holds, moved to what the pauses imply.

Each pause event re-plans its customer's whole-day periods at the city (R10,
R11, D5): from the periods the city holds (`city_periods`, as the messages
already sent leave them) to the whole-day union of the customer's effective
pause periods, adding one buffer item per message that moves the city there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEventProtocol
from sqlalchemy import BindParameter, Connection, bindparam, select

from homecare._sql.rows import Row, RowCache, insert_rows
from homecare.domain.citydays import (
    CityPauseMessage,
    HeldPeriod,
    apply_city_messages,
    city_periods,
    plan_city_messages,
)
from homecare.domain.pause import effective_period
from homecare.outbox import tables as t
from homecare.outbox.items import PageItems
from homecare.outbox.messages import MessageKind

__all__ = ["PageCity", "pause_message_facts"]


class PageCity:
    """One page's pauses and city periods per customer; new messages go to `items`."""

    def __init__(self, conn: Connection, items: PageItems, *, lean: bool = True) -> None:
        self.conn = conn
        self.items = items
        self.lean = lean
        self.pauses = RowCache(conn, t.pauses, "pause_id", lean=lean)
        self._pauses_of: dict[UUID, set[UUID]] = {}
        self._city: dict[UUID, list[HeldPeriod]] = {}
        self._changed: set[UUID] = set()

    def rebind(self, conn: Connection) -> None:
        """Read and write through `conn` from now on (the next page's transaction)."""
        self.conn = conn
        self.pauses.rebind(conn)

    def new_customer(self, customer_id: UUID) -> None:
        """A customer registered in this page has no pauses yet: skip the lookups."""
        self._pauses_of.setdefault(customer_id, set())
        self._city.setdefault(customer_id, [])

    def pauses_of(self, customer_id: UUID) -> list[Row]:
        if customer_id not in self._pauses_of:
            rows = self.conn.execute(_PAUSES_OF_CUSTOMER, {"customer": customer_id}).mappings()
            loaded = self.pauses.merge(dict(r) for r in rows)
            self._pauses_of.setdefault(customer_id, set()).update(p["pause_id"] for p in loaded)
        return [p for pid in self._pauses_of[customer_id] if (p := self.pauses.get(pid))]

    def add_pause(self, row: Row) -> None:
        self.pauses_of(row["customer_id"])
        self.pauses.add(row)
        self._pauses_of[row["customer_id"]].add(row["pause_id"])

    def city_of(self, customer_id: UUID) -> list[HeldPeriod]:
        """The periods the city holds for the customer, by first day."""
        if customer_id not in self._city:
            rows = self.conn.execute(_CITY_OF_CUSTOMER, {"customer": customer_id}).mappings()
            self._city[customer_id] = sorted(
                (HeldPeriod(r["period_id"], r["first_day"], r["last_day"]) for r in rows),
                key=lambda h: (h.first_day, h.period_id),
            )
        return self._city[customer_id]

    def replan_city(
        self, customer_id: UUID, position: int, event: DomainEventProtocol[Any]
    ) -> None:
        """R10, D5: move the city from what it holds to the whole-day union of effective periods."""
        effective = [
            period
            for p in self.pauses_of(customer_id)
            if (period := effective_period(p["starts_at"], p["ends_at"], p["cancelled_at"]))
        ]
        held = self.city_of(customer_id)
        messages = plan_city_messages(
            held,
            city_periods(effective),
            _period_ids(event.originator_id, event.originator_version),
        )
        if not messages:
            return
        self._city[customer_id] = apply_city_messages(held, messages)
        self._changed.add(customer_id)
        for index, message in enumerate(messages):
            self.items.add(
                event=event,
                index=index,
                position=position,
                kind=MessageKind.CUSTOMER_PAUSE,
                customer_id=customer_id,
                business_date=message.first_day,
                facts=pause_message_facts(message),
                reasons=[],
            )
        self.items.release_in_order(customer_id)

    def flush(self) -> None:
        """Write the held periods of every customer re-planned in this page: one DELETE
        and one INSERT executemany for all of them."""
        if not self._changed:
            return
        changed = sorted(self._changed)
        self._changed.clear()
        self.conn.execute(
            t.city_periods.delete().where(t.city_periods.c.customer_id == _CUSTOMER),
            [{"customer": customer_id} for customer_id in changed],
        )
        rows = [
            {
                "customer_id": customer_id,
                "period_id": h.period_id,
                "first_day": h.first_day,
                "last_day": h.last_day,
            }
            for customer_id in changed
            for h in self._city[customer_id]
        ]
        insert_rows(self.conn, t.city_periods, rows, lean=self.lean)


def pause_message_facts(message: CityPauseMessage) -> dict[str, Any]:
    """A pause message's own fields as its item's `facts` keep them (JSON)."""
    return {
        "action": message.action.value,
        "period_id": message.period_id,
        "first_day": message.first_day.isoformat(),
        "last_day": None if message.last_day is None else message.last_day.isoformat(),
    }


def _period_ids(originator_id: UUID, version: int) -> Callable[[int], str]:
    def new_period_id(index: int) -> str:
        return str(uuid5(NAMESPACE_URL, f"homecare:period:{originator_id}:{version}:{index}"))

    return new_period_id


_CUSTOMER: BindParameter[Any] = bindparam("customer")
_PAUSES_OF_CUSTOMER = select(t.pauses).where(t.pauses.c.customer_id == _CUSTOMER)
_CITY_OF_CUSTOMER = select(t.city_periods).where(t.city_periods.c.customer_id == _CUSTOMER)
