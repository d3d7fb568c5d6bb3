"""The working set of one page of events: the rows it touches, loaded once, written once.

One page is one transaction (see `homecare._es.runner`): the handlers
(`homecare.outbox.dispatch`) change rows in memory, and `flush` writes every
new and changed row at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from sqlalchemy import Connection

from homecare._es.sealing import Sealer
from homecare._sql.rows import Row
from homecare.domain.assignment import Assignment
from homecare.domain.customer import Customer
from homecare.domain.pause import Pause
from homecare.domain.privacy import CULLED
from homecare.domain.staff import Staff
from homecare.outbox.city import PageCity
from homecare.outbox.facts import PageFacts
from homecare.outbox.items import PageItems
from homecare.outbox.messages import MessageFormat, MessageKind
from homecare.outbox.render import Sealing, sealed_payload

__all__ = ["Page"]

CARRIED_ROWS = 20_000
"""At most this many rows carried from one page into the next (`Page.settle`): about
30 MB (a row with its values is 1-1.7 KB). Visits not confirmed yet and pending items,
a quarter of it each. At 60,000 a 5M-event replay's peak RSS rose from 177 MB to 286
(SQLite) and 300 (PostgreSQL) for no gain there (docs/benchmarks.md)."""

_VISIT_EVENTS = (
    Assignment.Planned,
    Assignment.Corrected,
    Assignment.DeclineCorrected,
    Assignment.Confirmed,
)
"""The events whose handlers read their visit's row."""
_FIRST_REPORTS = (Assignment.Performed, Assignment.Declined)
"""What is not a correction of them only sets the row's report columns (`dispatch`)."""


class Page:
    """The facts (R5), the items (D3, D4) and the city's periods (R10) of one page."""

    def __init__(
        self, conn: Connection, sealer: Sealer, message_format: MessageFormat, *, lean: bool = True
    ) -> None:
        self.sealer: Sealing = _OpenedOnce(sealer) if lean else sealer
        self.open_payload = sealer.open
        """A stored payload opened (R16's overwrite), not remembered: only personnummer
        are kept opened (`_OpenedOnce`), and a carried page lives for many pages."""
        self.format = message_format
        self.lean = lean
        self.culled_staff: dict[UUID, bool] = {}
        """Whether each staff member looked up in this page is culled (R16, `staff_culled`)."""
        self.facts = PageFacts(conn, lean=lean)
        self.items = PageItems(conn, self._payload, self.culled, self.staff_culled, lean=lean)
        self.city = PageCity(conn, self.items, lean=lean)

    def prefetch(self, events: Sequence[DomainEventProtocol[Any]]) -> None:
        """Load every row this page will touch in a few queries instead of one per event;
        rows the page itself creates (registrations, planned visits, new pauses) are not
        looked for. Two steps, because a visit's staff and customer are known only from
        its row."""
        touched = _Touched.of(events)
        for customer_id in touched.created_customers:
            self.new_customer(customer_id)
        # a first report sets columns without reading its visit (`RowCache.patch`)
        visits = touched.visits if self.lean else touched.visits | touched.reported
        assignments = self.facts.assignments
        assignments.prefetch(visits - touched.planned)
        for visit_id in touched.planned:
            assignments.known_absent(visit_id)
        # loaded now or carried from an earlier page: their customers' queues are needed
        rows = [row for v in visits if (row := assignments.peek(v)) is not None]
        for staff_id in touched.created_staff:
            self.facts.staff.known_absent(staff_id)
        self.facts.staff.prefetch({r["staff_id"] for r in rows} | touched.staff)
        customer_ids = ({r["customer_id"] for r in rows} | touched.customers) - (
            touched.created_customers
        )
        self.facts.customers.prefetch(customer_ids)
        loaded = self.items.prefetch_pending(customer_ids)
        # R16: releasing asks whether each pending report's staff member was culled
        self.facts.staff.prefetch(i["staff_id"] for i in loaded)
        for pause_id in touched.created_pauses:
            self.city.pauses.known_absent(pause_id)
        self.city.pauses.prefetch(touched.pauses)

    def rebind(self, conn: Connection) -> None:
        """Go on with the next page in `conn`'s transaction, keeping what is held."""
        for cache in self.facts.caches():
            cache.rebind(conn)
        self.items.rebind(conn)
        self.city.rebind(conn)

    def settle(self, limit: int = CARRIED_ROWS) -> bool:
        """After `flush`, to carry the working set into the next page: keep the rows later
        pages are likely to touch (staff, customers, pauses, visits not confirmed yet,
        pending items), forget the rest. Memory stays flat: over a quarter of `limit`,
        the customers' queues of pending items (they grow where a held item holds back a
        customer's later ones, D4) are forgotten; the visits not confirmed fill what is
        left of `limit`, a quarter at most, the first that came in kept (the first
        planned are the first confirmed; issue 16: forgetting them all read most back at
        their confirmations); the rest still over, False: start the next page afresh.
        What is kept per customer or staff member besides rows (pause ids, the
        city's periods, opened numbers, culled flags) is bounded through their rows, which
        count, and goes with them; the process-wide memos of parsed decisions and UUIDs
        (`outbox.facts._PARSED`, `_sql.lean_read._UUIDS`) have bounds of their own."""
        self.facts.assignments.settle(keep=lambda visit: not visit["confirmed"])
        for cache in (self.facts.staff, self.facts.customers, self.city.pauses):
            cache.settle()
        self.items.settle()
        if len(self.items.rows) > limit // 4:
            self.items.forget_queues()
        facts = self.facts
        others = (facts.staff, facts.customers, self.city.pauses, self.items.rows)
        room = limit - sum(len(cache) for cache in others)
        # visits planned and not confirmed yet: the first planned are confirmed first
        facts.assignments.trim(min(limit // 4, max(room, 0)))
        return room >= 0

    def new_customer(self, customer_id: UUID) -> None:
        """A customer registered in this page has nothing stored yet: skip the lookups."""
        self.items.new_customer(customer_id)
        self.city.new_customer(customer_id)

    def recheck(self, items: Sequence[Row]) -> None:
        """R6: check the given pending items again against the facts as they are now."""
        for item in items:
            if item["kind"] == MessageKind.VISIT_REPORT:
                self.facts.recheck(item)
                self.items.rows.changed(item)

    def flush(self) -> None:
        """Write every new and changed row of the page."""
        for cache in (
            self.facts.assignments,
            self.facts.staff,
            self.facts.customers,
            self.city.pauses,
            self.items.rows,
        ):
            cache.flush()
        self.city.flush()

    def close(self) -> None:
        """Break the page's reference cycle (its items hold its bound methods), so its
        rows are freed when the page ends, not at the collector's next full pass."""
        del self.items, self.city

    def culled(self, customer_id: UUID) -> bool:
        """R16: whether the customer was culled (their personnummer is the marker)."""
        customer = self.facts.customers.get(customer_id)
        return customer is not None and self.sealer.open(customer["personnummer"]) == CULLED.text

    def staff_culled(self, staff_id: UUID) -> bool:
        """R16: whether the staff member was culled (their personnummer is the marker).

        Cached for the page: only the culling record makes it true (`outbox.culled`,
        which sets the cache), and nothing makes it false again."""
        if staff_id not in self.culled_staff:
            staff = self.facts.staff.get(staff_id)
            number = None if staff is None else staff["personnummer"]
            self.culled_staff[staff_id] = (
                number is not None and self.sealer.open(number) == CULLED.text
            )
        return self.culled_staff[staff_id]

    def _payload(self, item: Row) -> str:
        customer = self.facts.customers.get(item["customer_id"])
        staff = (
            None
            if item["kind"] == MessageKind.CUSTOMER_PAUSE
            else self.facts.staff.get(item["staff_id"])
        )
        return sealed_payload(item, customer, staff, self.sealer, self.format, lean=self.lean)


class _OpenedOnce:
    """The store's sealer (D8), remembering what it opened in this page: the same
    customer's and staff member's personnummer are opened for every item released."""

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer
        self._opened: dict[str, str] = {}

    def seal(self, text: str) -> str:
        return self._sealer.seal(text)

    def open(self, sealed: str) -> str:
        opened = self._opened.get(sealed)
        if opened is None:
            opened = self._opened[sealed] = self._sealer.open(sealed)
        return opened


@dataclass
class _Touched:
    """The ids a page's events name, by what the page needs of them (one pass)."""

    created_customers: set[UUID] = field(default_factory=set)
    created_staff: set[UUID] = field(default_factory=set)
    created_pauses: set[UUID] = field(default_factory=set)
    visits: set[UUID] = field(default_factory=set)
    reported: set[UUID] = field(default_factory=set)
    planned: set[UUID] = field(default_factory=set)
    staff: set[UUID] = field(default_factory=set)
    customers: set[UUID] = field(default_factory=set)
    pauses: set[UUID] = field(default_factory=set)

    @classmethod
    def of(cls, events: Sequence[DomainEventProtocol[Any]]) -> _Touched:
        touched = cls()
        for e in events:
            if isinstance(e, Assignment.Planned):
                touched.planned.add(e.originator_id)
                touched.staff.add(e.staff_id)
                touched.customers.add(e.customer_id)
            if isinstance(e, _VISIT_EVENTS):
                touched.visits.add(e.originator_id)
            elif isinstance(e, _FIRST_REPORTS):
                touched.reported.add(e.originator_id)
            elif isinstance(e, Customer.Registered):
                touched.created_customers.add(e.originator_id)
            elif isinstance(e, Customer.DecisionRegistered):
                touched.customers.add(e.originator_id)
            elif isinstance(e, Staff.Registered):
                touched.created_staff.add(e.originator_id)
            elif isinstance(e, Staff.Updated):
                touched.staff.add(e.originator_id)
            elif isinstance(e, Pause.Created):
                touched.customers.add(e.customer_id)
                touched.created_pauses.add(e.originator_id)
            elif isinstance(e, Pause.Changed | Pause.Cancelled):
                touched.pauses.add(e.originator_id)
        touched.staff -= touched.created_staff
        touched.pauses -= touched.created_pauses
        return touched
