"""Writing the pause overview (R9, R12): events to rows, one page at a time (D6).

`process` gets one page of events inside the runner's transaction, loads the
rows that page touches in one SELECT, applies the events in memory (one
handler per event type, looked up in a dict: the runner hands it only the
types it handles, `topics`), and writes with one bulk INSERT and one bulk
UPDATE per table. Nothing is ever deleted (R13). The effective period (D5) comes from
`homecare.domain.pause.effective_period`, the function the aggregate uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from sqlalchemy import Connection, select

from homecare._es.sealing import Sealer
from homecare._es.topics import topic_of
from homecare._sql.database import Database
from homecare._sql.rows import RowCache
from homecare.domain.culling import Culling
from homecare.domain.customer import Customer
from homecare.domain.pause import Pause, PauseLevel, PauseReason, PauseStatus, effective_period
from homecare.domain.privacy import CULLED, SubjectKind
from homecare.projections.pause_overview.queries import PauseQueries
from homecare.projections.pause_overview.tables import overview_customers, overview_pauses

__all__ = ["PauseOverview"]


class _Page:
    """One page's working set (`homecare._sql.rows.RowCache`): rows loaded once, written
    back with one executemany per table at the end of the page (D2)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pauses = RowCache(conn, overview_pauses, "pause_id")
        self.customers = RowCache(conn, overview_customers, "customer_id")

    def flush(self) -> None:
        self.customers.flush()
        self.pauses.flush()


class PauseOverview(PauseQueries):
    """The overview read model: `process` is run by the ProjectionRunner, `list` queries it."""

    name = "pause_overview"
    version = 2  # 2: reason texts and actors sealed with the store's cipher (D8)
    tables = (overview_customers, overview_pauses)

    def __init__(
        self,
        database: Database,
        sealer: Sealer,
        *,
        require_customer: Callable[[UUID], object] | None = None,
    ) -> None:
        """`require_customer(id)`: NotFoundError unless `id` names a customer, culled or
        not; `list(customer_id=...)` asks it first (None: not asked)."""
        self.database = database
        self.sealer = sealer
        self.require_customer = require_customer

    def _sealed(self, text: str | None) -> str | None:
        return None if text is None else self.sealer.seal(text)

    def process(
        self, conn: Connection, events: Sequence[tuple[int, DomainEventProtocol[Any]]]
    ) -> None:
        """Apply one page of events in log order; the runner commits it with the position."""
        page = _Page(conn)
        page.pauses.prefetch(
            e.originator_id for _, e in events if type(e) in (Pause.Changed, Pause.Cancelled)
        )
        handlers = _HANDLERS
        for _, event in events:
            handler = handlers.get(type(event))
            if handler is not None:  # every other event: nothing to show
                handler(self, event, page)
        page.flush()

    def _registered(self, event: Customer.Registered, page: _Page) -> None:
        page.customers.add({"customer_id": event.originator_id, "organisation": event.organisation})

    def _culled(self, event: Culling.Recorded, page: _Page) -> None:
        """R16: a culled customer's reason texts become the culled marker. Their
        organisation is the provider's unit, not theirs: kept (docs/privacy.md)."""
        if event.subject_kind != SubjectKind.CUSTOMER:
            return
        query = select(overview_pauses.c.pause_id).where(
            overview_pauses.c.customer_id == event.subject_id
        )
        page.pauses.prefetch(page.conn.execute(query).scalars())
        for row in page.pauses.held():
            if row["customer_id"] == event.subject_id and row["reason_text"] is not None:
                row["reason_text"] = self._sealed(CULLED.text)
                page.pauses.changed(row)

    def _created(self, event: Pause.Created, page: _Page) -> None:
        row: dict[str, Any] = {
            "pause_id": event.originator_id,
            "customer_id": event.customer_id,
            "level": PauseLevel(event.level).value,
            "target_id": event.target_id,
            "status": PauseStatus.NEW.value,
            "reason": PauseReason(event.reason).value,
            "reason_text": self._sealed(event.reason_text),
            "notified_at": event.notified_at,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "cancelled_at": None,
            "created_by": self._sealed(event.actor),
            "changed_by": self._sealed(event.actor),
            "version": event.originator_version,
        }
        _set_effective(row)
        page.pauses.add(row)

    def _changed(self, event: Pause.Changed, page: _Page) -> None:
        row = page.pauses.get(event.originator_id)
        if row is None:  # only if the overview's rows were removed by hand; nothing to update
            return
        row |= {
            "status": PauseStatus.CHANGED.value,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "reason": PauseReason(event.reason).value,
            "reason_text": self._sealed(event.reason_text),
            "changed_by": self._sealed(event.actor),
            "version": event.originator_version,
        }
        _set_effective(row)
        page.pauses.changed(row)

    def _cancelled(self, event: Pause.Cancelled, page: _Page) -> None:
        row = page.pauses.get(event.originator_id)
        if row is None:
            return
        row |= {
            "status": PauseStatus.CANCELLED.value,
            "cancelled_at": event.timestamp,
            "changed_by": self._sealed(event.actor),
            "version": event.originator_version,
        }
        _set_effective(row)
        page.pauses.changed(row)

    topics: tuple[str, ...] = ()  # set below, from the handlers


_Handler = Callable[[PauseOverview, Any, _Page], None]
_HANDLERS: dict[type, _Handler] = {
    Customer.Registered: PauseOverview._registered,
    Culling.Recorded: PauseOverview._culled,
    Pause.Created: PauseOverview._created,
    Pause.Changed: PauseOverview._changed,
    Pause.Cancelled: PauseOverview._cancelled,
}
PauseOverview.topics = tuple(sorted(topic_of(kind) for kind in _HANDLERS))
"""The event topics handled above: the runner reads only these from the log."""


def _set_effective(row: dict[str, Any]) -> None:
    """D5 through the domain's own function, so the overview and the aggregate agree."""
    period = effective_period(row["starts_at"], row["ends_at"], row["cancelled_at"])
    row["effective_start"], row["effective_end"] = period if period else (None, None)
