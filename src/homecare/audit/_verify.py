"""D6: every projection rebuilt from the events alone equals the live one, row by row."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homecare._es.error_map import translated
from homecare._es.log import check_page_size, union_of_topics
from homecare._es.runner import Projection
from homecare._sql.database import Database
from homecare.audit._common import PAGE_SIZE, scratch_parts
from homecare.audit._compare import Tally, compare_table
from homecare.audit._replay import replay
from homecare.audit._report import VerifyReport
from homecare.bootstrap import Homecare
from homecare.errors import HomecareError, InvalidInputError
from homecare.registry import Parts, ProjectionSpec


@dataclass(frozen=True)
class VerifyProgress:
    """Where a rebuild stands: log positions replayed of `total`, and the rate."""

    position: int
    total: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        """The replay's rate so far (0.0 before any time has passed)."""
        return self.position / self.seconds if self.seconds > 0 else 0.0


ProgressCallback = Callable[[VerifyProgress], None]


@translated
def verify(
    hc: Homecare, progress: ProgressCallback | None = None, *, page_size: int = PAGE_SIZE
) -> VerifyReport:
    """D6: rebuild every projection from the events into a scratch store and compare.

    The live projections are caught up first; the rebuild replays the log up to
    each one's position. If the live store moves on meanwhile, verification is
    void and says so (run it again when writers are idle).

    `progress`: called with a `VerifyProgress` after each page and once at the end
    (what it raises ends the verify). `page_size`: events read per page and written
    per transaction, a whole number from 1. Either one malformed: InvalidInputError,
    before anything is read.
    """
    check_page_size(page_size)
    if progress is not None and not callable(progress):
        raise InvalidInputError(
            "progress must be a function taking a VerifyProgress, or None; got "
            f"{type(progress).__name__}."
        )
    hc.catch_up()
    positions = {runner.name: runner.position() for runner in hc.runners}
    specs = [_spec(hc, runner.name) for runner in hc.runners]
    with scratch_parts(hc.parts, "verify") as parts:
        rebuilt = [(spec.build(parts), positions[spec.name]) for spec in specs]
        topics = union_of_topics(spec.topics for spec in specs)
        events = _replay(hc, parts.database, rebuilt, topics, page_size, progress)
        report = _compare_all(hc, parts, specs, events)
    if positions != {runner.name: runner.position() for runner in hc.runners}:
        raise HomecareError(
            "The store changed while it was verified; run audit verify again when writers are idle."
        )
    return report


def _spec(hc: Homecare, name: str) -> ProjectionSpec[Any]:
    """How to rebuild the projection `name`: its spec in the store's registry."""
    spec = hc.registry.get(name)
    if spec is None:
        raise HomecareError(f"audit verify does not know how to rebuild projection {name!r}.")
    return spec


def _replay(
    hc: Homecare,
    scratch: Database,
    projections: list[tuple[Projection, int]],
    topics: tuple[str, ...],
    page_size: int,
    progress: ProgressCallback | None,
) -> int:
    """Feed each projection the log up to its live position, one page per transaction."""
    stop = max((position for _, position in projections), default=0)
    started = time.perf_counter()

    def reached(position: int) -> None:
        if progress is not None:
            progress(VerifyProgress(position, stop, time.perf_counter() - started))

    replay(
        hc,
        scratch,
        projections,
        page_size=page_size,
        topics=topics,
        stop=stop,
        after_page=reached,
    )
    reached(stop)
    return stop


def _compare_all(
    hc: Homecare, scratch: Parts, specs: list[ProjectionSpec[Any]], events: int
) -> VerifyReport:
    """Every table of every projection, live against rebuilt, into one report."""
    tally = Tally()
    names: list[str] = []
    for spec in specs:
        for table in spec.tables:
            names.append(table.name)
            compare_table(
                (hc.database, hc.parts.sealer),
                (scratch.database, scratch.sealer),
                table,
                spec.sealed,
                tally,
            )
    return VerifyReport(
        identical=tally.total == 0,
        events=events,
        rows=tally.rows,
        tables=names,
        differences=tally.kept,
        differences_total=tally.total,
    )
