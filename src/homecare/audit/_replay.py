"""The audit's replay: the log read page by page into projections writing a scratch store (D6).

One loop for `verify` (every projection, each up to its live position) and
`as_of` (the buffer, fed the events dated up to an instant). Fast the same way
for both (issue 16): fewer garbage collections, each projection's working set
carried from page to page (nothing else writes the scratch store), the scratch
written by a process of its own (`scratch_writer`), and from PostgreSQL the next
page read while this one is projected (`read_ahead`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack

from homecare._es.gc_pace import fewer_collections
from homecare._es.log import Positioned, Stored, handled_by
from homecare._es.read_ahead import read_ahead
from homecare._es.runner import Projection
from homecare._sql.database import Database
from homecare.audit._common import scratch_writer
from homecare.bootstrap import Homecare

__all__ = ["replay"]


def replay(
    hc: Homecare,
    scratch: Database,
    projections: Sequence[tuple[Projection, int | None]],
    *,
    page_size: int,
    topics: Sequence[str],
    stop: int | None = None,
    keep: Callable[[list[Positioned]], list[Positioned]] | None = None,
    after_page: Callable[[int], None] | None = None,
) -> None:
    """Feed each `(projection, up to)` the log's events of `topics` (all when empty), up to
    `stop` (the whole log when None) and to its own position (inclusive; None: all), one
    page of `page_size` per scratch transaction.

    `keep`: which of a page's decoded events to replay (all when None), in log order.
    `after_page`: called with the page's last position once its transaction is sent.
    """
    with fewer_collections(), ExitStack() as carried:
        writer = carried.enter_context(scratch_writer(scratch))
        for projection, _ in projections:  # nothing else writes the scratch store
            carrying = getattr(projection, "carrying", None)
            if carrying is not None:
                carried.enter_context(carrying())
        pages: Iterable[Sequence[Stored]] = hc.log.pages(
            page_size=page_size, stop=stop, topics=topics
        )
        if not hc.database.is_sqlite:  # where reading waits for a server (read_ahead)
            pages = carried.enter_context(read_ahead(pages))
        for page in pages:
            events = hc.log.decoded(page)
            if keep is not None:
                events = keep(events)
            with writer.begin() as conn:
                for projection, position in projections:
                    handled = getattr(projection, "topics", ())
                    mine = handled_by(events, handled, upto=position)
                    if mine:
                        projection.process(conn, mine)
            if after_page is not None:
                after_page(page[-1].id)
