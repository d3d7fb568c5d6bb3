"""Buffer items: the states they are stored in, what each means to a host, and the release rules.

An item is `pending` until it is released, `released` once it has its buffer
position (D3), or `superseded` when a corrected visit's held report is
replaced by its next confirmation (R6). A host sees a pending item as
`held` (with its reasons, R5), a released one as `queued` until the city's
delivered mark passes its position and `delivered` after (R2, R4). An item of
a culled customer, or a visit report of a culled staff member, that the city
had not fetched is `withdrawn` (R16).

Items of one customer are released strictly in order: from the oldest pending
one until the first that is held, so a held item holds back that customer's
later items and nobody else's (D4). Release assigns the next buffer position;
only the buffer projection assigns positions and it is serialised, so
positions become visible in increasing order (D3).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from sqlalchemy import BindParameter, Connection, bindparam, func, select

from homecare._sql.rows import Row, RowCache, load_in
from homecare.outbox import tables as t
from homecare.outbox.cursor import chain_tag
from homecare.outbox.messages import MessageKind, message_id_for

__all__ = ["ItemState", "PageItems"]


class ItemState(StrEnum):
    """What the `state` column of `homecare_buffer_items` holds."""

    PENDING = "pending"
    """Not released yet: held (R5), or waiting behind a held item of its customer (D4)."""
    RELEASED = "released"
    """Has its buffer position (D3); delivered once the city's cursor passes it."""
    SUPERSEDED = "superseded"
    """R6: a corrected visit's held report, replaced by the visit's next confirmation."""
    WITHDRAWN = "withdrawn"
    """R16: its customer (or a visit report's staff member) was culled before the city
    fetched it: never served by fetch, its payload gone (a released one keeps its
    position, so cursors still chain)."""


class PageItems:
    """The items one page of events touches: each customer's pending ones, in order.

    `payload(item)` renders and seals a released item's message; `culled(customer)`
    and `staff_culled(staff)` say whether the subject was culled (R16: their items
    are withdrawn, never released).
    """

    def __init__(
        self,
        conn: Connection,
        payload: Callable[[Row], str],
        culled: Callable[[UUID], bool] = lambda _customer: False,
        staff_culled: Callable[[UUID], bool] = lambda _staff: False,
        *,
        lean: bool = True,
    ) -> None:
        self.conn = conn
        self.rows = RowCache(conn, t.items, "seq", lean=lean)
        self._payload = payload
        self._culled = culled
        self._staff_culled = staff_culled
        self._pending: dict[UUID, list[Row]] = {}
        self._partial: set[UUID] = set()
        """Customers whose queue holds its first item and this page's new ones only: the
        first is held (R5), so nothing behind it moves until the queue is read whole
        (`pending_of`, `_queue`)."""
        self._touched: set[UUID] = set()
        """Customers whose pending items this page has read or changed (`pending_of`)."""
        self._next_seq: int | None = None
        self._next_position: int | None = None
        self._last_tag: str | None = None

    def new_customer(self, customer_id: UUID) -> None:
        """A customer registered in this page has no items yet: skip the lookup."""
        self._pending.setdefault(customer_id, [])

    def rebind(self, conn: Connection) -> None:
        """Read and write through `conn` from now on (the next page's transaction)."""
        self.conn = conn
        self.rows.rebind(conn)

    def settle(self) -> None:
        """After a flush, for the next page of a carried working set: keep the pending
        items (each customer's queue), forget the others (looked up again if needed)."""
        self.rows.settle(keep=lambda item: item["state"] == ItemState.PENDING)
        self._touched.clear()

    def forget_queues(self) -> None:
        """After a flush: forget every customer's pending items (read again when next
        needed), keeping the next sequence number and position."""
        self.rows.clear()
        self._pending.clear()
        self._partial.clear()
        self._touched.clear()

    def prefetch_pending(self, customer_ids: set[UUID]) -> list[Row]:
        """Load the pending items of many customers in a few queries; returns those loaded
        (customers whose queue is held already are skipped).

        A lean page loads each queue's first item only: where it is held (R5), which is
        how a queue is left after every release (D4), nothing behind it can move until
        something reads the whole queue (`pending_of`), and a queue of a customer with
        no decision grows by a visit report a day (issue 16: at a city's scale such
        queues were read whole, page after page)."""
        wanted = sorted(c for c in customer_ids if c not in self._pending)
        loaded: list[Row] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for customer_id in chunk:
                self._pending[customer_id] = []
            rows = load_in(
                self.conn,
                t.items,
                "customer_id",
                chunk,
                where={"state": ItemState.PENDING.value},
                order_by="seq",
                first_of="seq" if self.rows.lean else None,
                lean=self.rows.lean,
            )
            for item in self.rows.merge(rows):
                self._pending[item["customer_id"]].append(item)
                loaded.append(item)
            if self.rows.lean:
                self._partial.update(c for c in chunk if self._pending[c])
        for head in [i for i in loaded if not i["reasons"] and i["customer_id"] in self._partial]:
            loaded += self.pending_of(head["customer_id"])[1:]  # not held: the rest may move
        return loaded

    def _queue(self, customer_id: UUID) -> list[Row]:
        """The customer's pending items as far as loaded: whole, or (`_partial`) the
        first, which is held, and this page's new ones; enough to add an item and to
        release none."""
        self._touched.add(customer_id)
        pending = self._pending.get(customer_id)
        return self.pending_of(customer_id) if pending is None else pending

    def pending_of(self, customer_id: UUID) -> list[Row]:
        """The customer's unreleased items, oldest first (loaded once per page)."""
        self._touched.add(customer_id)
        pending = self._pending.get(customer_id)
        if pending is None or customer_id in self._partial:
            rows = self.conn.execute(_PENDING_OF_CUSTOMER, {"customer": customer_id}).mappings()
            stored = self.rows.merge(dict(r) for r in rows)
            if pending is not None:
                self._partial.discard(customer_id)
                stored = _in_order(stored, pending)
            pending = self._pending[customer_id] = stored
        return pending

    def pending_of_staff(self, staff_id: UUID) -> list[Row]:
        """The unreleased visit reports of a staff member, by customer, oldest first: the
        customers the store has them for, and those whose queue this page changed (a queue
        held from an earlier page and not touched in this one is as stored)."""
        rows = self.conn.execute(
            select(t.items.c.customer_id)
            .where(t.items.c.staff_id == staff_id, t.items.c.state == ItemState.PENDING)
            .distinct()
        ).scalars()
        customers = set(rows) | {
            c
            for c in self._touched
            if any(i["staff_id"] == staff_id for i in self._pending.get(c, ()))
        }
        return [
            item
            for c in sorted(customers)
            for item in self.pending_of(c)
            if item["staff_id"] == staff_id
        ]

    def add(
        self,
        *,
        event: DomainEventProtocol[Any],
        index: int,
        position: int,
        kind: MessageKind,
        customer_id: UUID,
        business_date: date,
        facts: dict[str, Any],
        reasons: list[str],
        assignment_id: UUID | None = None,
        staff_id: UUID | None = None,
    ) -> Row:
        """A new pending item, the `index`-th message `event` (at log `position`) causes."""
        if self._next_seq is None:
            self._next_seq = (self.conn.execute(select(func.max(t.items.c.seq))).scalar() or 0) + 1
        item = self.rows.add(
            {
                "seq": self._next_seq,
                "message_id": message_id_for(event.originator_id, event.originator_version, index),
                "kind": kind.value,
                "customer_id": customer_id,
                "assignment_id": assignment_id,
                "staff_id": staff_id,
                "business_date": business_date,
                "source_position": position,
                "facts": facts,
                "reasons": reasons,
                "state": ItemState.PENDING.value,
                "position": None,
                "payload": None,
                "history": None,
            }
        )
        self._next_seq += 1
        self._queue(customer_id).append(item)
        return item

    def release_in_order(self, customer_id: UUID) -> None:
        """D4: release from the oldest pending item until the first held one.

        R16: a culled customer's items, and the visit reports of a culled staff member
        (held or not), are withdrawn instead: nothing of theirs goes out again."""
        pending = self._queue(customer_id)
        if customer_id in self._partial and (
            not pending[0]["reasons"]
            or self._culled(customer_id)
            or any(self._of_culled_staff(i) for i in pending)
        ):
            pending = self.pending_of(customer_id)
        if pending and self._culled(customer_id):
            self.withdraw_pending(customer_id)
        for item in [i for i in pending if self._of_culled_staff(i)]:
            pending.remove(item)
            self.withdraw(item)
        while pending and not pending[0]["reasons"]:
            self._release(pending.pop(0))

    def _of_culled_staff(self, item: Row) -> bool:
        return item["staff_id"] is not None and self._staff_culled(item["staff_id"])

    def withdraw_pending(self, customer_id: UUID) -> None:
        """R16: every pending item of the (culled) customer withdrawn."""
        pending = self.pending_of(customer_id)
        for item in pending:
            self.withdraw(item)
        pending.clear()

    def withdraw(self, item: Row) -> None:
        """R16: the item is never served by fetch; its payload, if any, is dropped."""
        item["state"] = ItemState.WITHDRAWN.value
        item["payload"] = None
        self.rows.changed(item)

    def _release(self, item: Row) -> None:
        """D3: the next position, the history tag chained to it (D10), the sealed payload."""
        if self._next_position is None:
            found = self.conn.execute(
                select(t.items.c.position, t.items.c.history)
                .where(t.items.c.position.is_not(None))
                .order_by(t.items.c.position.desc())
                .limit(1)
            ).first()
            self._next_position = (found[0] if found else 0) + 1
            self._last_tag = found[1] if found else None
        item["position"] = self._next_position
        self._next_position += 1
        item["history"] = self._last_tag = chain_tag(self._last_tag, item["message_id"])
        item["state"] = ItemState.RELEASED.value
        item["payload"] = self._payload(item)
        self.rows.changed(item)

    def supersede(self, item: Row) -> None:
        """R6: a corrected visit's held item is replaced by its next confirmation."""
        self.pending_of(item["customer_id"]).remove(item)
        item["state"] = ItemState.SUPERSEDED.value
        self.rows.changed(item)


_CUSTOMER: BindParameter[Any] = bindparam("customer")
_PENDING_OF_CUSTOMER = (
    select(t.items)
    .where(t.items.c.customer_id == _CUSTOMER, t.items.c.state == ItemState.PENDING)
    .order_by(t.items.c.seq)
)


def _in_order(stored: list[Row], held: list[Row]) -> list[Row]:
    """A queue read whole: the stored pending items (as this page holds them: one it has
    released, withdrawn or superseded is pending no more) and the held ones not stored
    yet, by sequence number."""
    pending = {item["seq"]: item for item in stored if item["state"] == ItemState.PENDING}
    pending.update((item["seq"], item) for item in held)
    return [pending[seq] for seq in sorted(pending)]
