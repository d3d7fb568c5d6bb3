"""D6: every projection rebuilt from the events alone equals the live one, row by row."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy import Table

from homecare._es.error_map import translated
from homecare._es.log import union_of_topics
from homecare._es.sealing import Sealer
from homecare._sql.database import Database
from homecare.audit._common import PAGE_SIZE, scratch_store
from homecare.audit._compare import Tally, compare_table
from homecare.audit._report import VerifyReport
from homecare.bootstrap import Homecare
from homecare.errors import HomecareError
from homecare.outbox import tables as buffer_tables
from homecare.outbox.projection import BufferProjection
from homecare.projections.pause_overview import (
    PauseOverview,
    overview_customers,
    overview_pauses,
)

BUFFER_TABLES: tuple[Table, ...] = (
    buffer_tables.items,
    buffer_tables.assignments,
    buffer_tables.staff,
    buffer_tables.customers,
    buffer_tables.pauses,
    buffer_tables.city_periods,
)
"""The buffer's projection tables; `homecare_buffer_delivery` is fetch state, not projected."""


@dataclass(frozen=True)
class VerifyProgress:
    """Where a rebuild stands: log positions replayed of `total`, and the rate."""

    position: int
    total: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.position / self.seconds if self.seconds > 0 else 0.0


ProgressCallback = Callable[[VerifyProgress], None]


@dataclass(frozen=True)
class _Compared:
    tables: tuple[Table, ...]
    sealer: Sealer | None = None


def _fresh(projection: Any, scratch: Database) -> Any:
    """A new, empty projection of the same class, writing to the scratch store."""
    if isinstance(projection, PauseOverview):
        return type(projection)(scratch)
    if isinstance(projection, BufferProjection):
        return type(projection)(projection.sealer, projection.format)
    raise HomecareError(
        f"audit verify does not know how to rebuild projection {projection.name!r}."
    )


def _compared(projection: Any) -> _Compared:
    if isinstance(projection, PauseOverview):
        return _Compared((overview_customers, overview_pauses))
    if isinstance(projection, BufferProjection):
        return _Compared(BUFFER_TABLES, projection.sealer)
    raise HomecareError(f"audit verify does not know the tables of {projection.name!r}.")


@translated
def verify(
    hc: Homecare, progress: ProgressCallback | None = None, *, page_size: int = PAGE_SIZE
) -> VerifyReport:
    """D6: rebuild every projection from the events into a scratch store and compare.

    The live projections are caught up first; the rebuild replays the log up to
    each one's position. If the live store moves on meanwhile, verification is
    void and says so (run it again when writers are idle).
    """
    hc.catch_up()
    positions = {runner.name: runner.position() for runner in hc.runners}
    with TemporaryDirectory(prefix="homecare-verify-") as folder:
        scratch = scratch_store(Path(folder))
        try:
            rebuilt = [(_fresh(r.projection, scratch), positions[r.name]) for r in hc.runners]
            events = _replay(hc, scratch, rebuilt, page_size, progress)
            live = [runner.projection for runner in hc.runners]
            report = _compare_all(hc.database, scratch, live, events)
        finally:
            scratch.dispose()
    if positions != {runner.name: runner.position() for runner in hc.runners}:
        raise HomecareError(
            "The store changed while it was verified; run audit verify again when writers are idle."
        )
    return report


def _replay(
    hc: Homecare,
    scratch: Database,
    projections: list[tuple[Any, int]],
    page_size: int,
    progress: ProgressCallback | None,
) -> int:
    """Feed each projection the log up to its live position, one page per transaction."""
    stop = max((position for _, position in projections), default=0)
    started = time.perf_counter()
    topics = union_of_topics(getattr(p, "topics", ()) for p, _ in projections)
    for page in hc.log.pages(page_size=page_size, stop=stop, topics=topics):
        events = hc.log.decoded(page)
        with scratch.write_engine.begin() as conn:
            for projection, position in projections:
                mine = [e for e in events if e[0] <= position]
                if mine:
                    projection.process(conn, mine)
        if progress is not None:
            progress(VerifyProgress(page[-1].id, stop, time.perf_counter() - started))
    if progress is not None:
        progress(VerifyProgress(stop, stop, time.perf_counter() - started))
    return stop


def _compare_all(
    live: Database, scratch: Database, projections: list[Any], events: int
) -> VerifyReport:
    tally = Tally()
    names: list[str] = []
    for projection in projections:
        compared = _compared(projection)
        for table in compared.tables:
            names.append(table.name)
            compare_table(live, scratch, table, compared.sealer, tally)
    return VerifyReport(
        identical=tally.total == 0,
        events=events,
        rows=tally.rows,
        tables=names,
        differences=tally.kept,
        differences_total=tally.total,
    )
