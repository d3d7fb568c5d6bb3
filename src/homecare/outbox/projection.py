"""Events in, buffer items out: the integration buffer as a projection (R2-R6, D2-D5).

One page of events is one transaction (see `homecare._es.runner`). For each
event this keeps the facts the city's checks need (staff, decisions, visits,
pauses) and adds the items the event causes; the jobs are split by module:

- `dispatch`: one handler per event type;
- `facts`: the facts kept for R5, and the holds they decide (R6 re-checks);
- `items`: the item states and the release rules (D3, D4);
- `city`: planning the city's pause messages (R10, R11, D5);
- `render`: a released item's payload, sealed (D8);
- `page`: the working set of one page, loaded once and written once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol
from sqlalchemy import Connection

from homecare._es.sealing import Sealer
from homecare._es.topics import topic_of
from homecare.outbox import tables as t
from homecare.outbox.dispatch import HANDLERS
from homecare.outbox.messages import MessageFormat
from homecare.outbox.page import CARRIED_ROWS, Page

__all__ = ["BufferProjection"]


class BufferProjection:
    """The projection the runner drives; `process` handles one page."""

    name = "integration_buffer"
    version = 1
    tables = t.PROJECTED
    """Rebuilt from the log when `version` changes; the city's delivered mark is kept."""
    topics = tuple(sorted(topic_of(kind) for kind in HANDLERS))
    """The event topics it handles: the runner reads only these from the log."""

    lean: ClassVar[bool] = True
    """Pages write with pre-compiled statements and render payloads without a model
    (issue 16); False: SQLAlchemy's statements and pydantic's models, the old path
    the equivalence tests compare against."""

    carry_limit: ClassVar[int] = CARRIED_ROWS
    """Rows a carried working set may hold from one page into the next (`Page.settle`)."""

    def __init__(self, sealer: Sealer, message_format: MessageFormat) -> None:
        self.sealer = sealer
        self.format = message_format
        self._carrying = False
        self._carried: Page | None = None

    @contextmanager
    def carrying(self) -> Iterator[None]:
        """Within: each page goes on from the previous page's working set (its rows as
        written, each customer's pending items, the next positions) instead of reading
        them again; a replay of millions of events otherwise re-reads the same customers'
        queues on every page (issue 16).

        Only while nothing but this projection writes its tables (the audit's scratch
        store): what is held must be what is stored. A page that fails drops what is
        held, and so does leaving the block; a caller whose transaction fails to commit
        after `process` returned must leave the block too (the audit's replay does, by
        raising).
        """
        self._carrying = True
        try:
            yield
        finally:
            self._carrying = False
            self._drop()

    def process(
        self, conn: Connection, events: Sequence[tuple[int, DomainEventProtocol[Any]]]
    ) -> None:
        """Apply one page of `(log position, event)` pairs in order, in `conn`'s transaction."""
        page = self._carried
        if page is None:
            page = Page(conn, self.sealer, self.format, lean=self.lean)
        else:
            page.rebind(conn)
        self._carried = None
        try:
            page.prefetch([event for _, event in events])
            for position, event in events:
                handler = HANDLERS.get(type(event))
                if handler is not None:
                    handler(page, position, event)
            page.flush()
        except BaseException:
            page.close()
            raise
        if self._carrying and page.settle(self.carry_limit):
            self._carried = page
        else:
            page.close()

    def _drop(self) -> None:
        if self._carried is not None:
            self._carried.close()
            self._carried = None
