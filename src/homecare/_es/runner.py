"""Runs a projection over the event log: pages of events, one transaction each (D2).

Each page is read from the application log (`homecare._es.log`), decoded with
the application's mapper, handed to the projection, and committed together with the new
tracking position. A crash anywhere before the commit leaves neither rows nor
position; a restart resumes at the stored position, so every event is
processed exactly once. Writers are serialised per projection (an advisory
transaction lock on PostgreSQL, the write lock on SQLite) and the position is
re-read under that lock, so two runners started by mistake never double-write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, Table

from homecare._es.error_map import boundary, is_unreachable, translated
from homecare._es.gc_pace import fewer_collections
from homecare._es.log import Log, Positioned, check_page_size, handled_by, union_of_topics
from homecare._es.topics import topic_of
from homecare._sql.database import Database, is_read_only_error
from homecare.errors import (
    ProjectionBusyError,
    ProjectionStoppedError,
    ReentrantWriteError,
    StorageError,
)

__all__ = [
    "FaultHook",
    "Guard",
    "Projection",
    "ProjectionRunner",
    "Stopped",
    "catch_up_together",
    "fewer_collections",
    "run_page_together",
]

logger = logging.getLogger("homecare.projections")

FaultHook = Callable[[str], None]
"""Called at named points ('page_written', 'page_committed'); tests raise from it."""
Guard = Callable[[Connection], None]
"""Called inside each page's transaction before it writes; raises to write nothing
(the worker's lease check, homecare.worker)."""


class Projection(Protocol):
    """What a read model provides to be run over the log (plain class attributes do;
    `homecare.registry` describes each projection through them)."""

    @property
    def name(self) -> str:
        """Its row in the tracking table."""

    @property
    def version(self) -> int:
        """Bumped when the rows it writes change meaning: the runner then rebuilds it."""

    @property
    def tables(self) -> tuple[Table, ...]:
        """Its own tables, emptied when it is rebuilt (never the event log)."""

    def process(self, conn: Connection, events: Sequence[Positioned]) -> None:
        """Apply one page of (notification id, event), in log order, inside `conn`'s transaction."""


@dataclass(frozen=True)
class Stopped:
    """Where a projection stopped (D10): the event it could not apply, and why.

    `cause` is the error's type only: a driver's message may quote the row,
    personnummer included (D8).
    """

    projection: str
    position: int
    topic: str
    cause: str

    def describe(self) -> str:
        return (
            f"Projection {self.projection!r} cannot go on: event {self.position} "
            f"({self.topic}) could not be projected ({self.cause}). Nothing after it is "
            "projected until the cause is fixed; the event log itself is intact."
        )


class _PageFailedError(Exception):
    """A projection raised while applying a page (the page was rolled back)."""

    def __init__(
        self,
        runner: ProjectionRunner,
        event: Positioned,
        error: Exception,
    ) -> None:
        super().__init__(runner.name)
        self.runner = runner
        self.position = event[0]
        self.topic = topic_of(type(event[1]))
        self.error = error


# Errors of reaching the store, not of an event: they pass through as they are.
_NOT_THE_EVENTS: tuple[type[Exception], ...] = (
    StorageError,
    ProjectionBusyError,
    ReentrantWriteError,  # a projection calling homecare back: its code's, not the events'
)


@boundary
class ProjectionRunner:
    def __init__(
        self,
        database: Database,
        log: Log,
        projection: Projection,
        *,
        page_size: int = 1000,
        fault: FaultHook | None = None,
    ) -> None:
        self.database = database
        self.log = log
        self.projection = projection
        self.page_size = check_page_size(page_size)  # refused here, not at the first catch-up
        self._fault = fault or (lambda _point: None)
        self.guard: Guard | None = None
        self.stopped: Stopped | None = None
        """Set when an event could not be projected (D10); cleared once it moves on."""

    @property
    def name(self) -> str:
        return self.projection.name

    def position(self) -> int:
        with self.database.engine.connect() as conn:
            return self.database.position(conn, self.name)

    def stale(self) -> bool:
        """Whether its rows were written by another version of the projection."""
        with self.database.engine.connect() as conn:
            _, version = self.database.tracked(conn, self.name)
        return version is not None and version != self.projection.version

    def lag(self) -> int:
        """Events in the log not yet processed by this projection."""
        return max(0, self.log.end() - self.position())

    def catch_up(self, *, max_pages: int | None = None) -> int:
        """Process everything recorded so far; returns the number of events processed."""
        processed = 0
        pages = 0
        while max_pages is None or pages < max_pages:
            count = self.run_page()
            if count == 0:
                break
            processed += count
            pages += 1
        return processed

    def run_page(self) -> int:
        """One transaction: read a page after the stored position, apply it, move the position."""
        return run_page_together([self])


@translated
def catch_up_together(runners: Sequence[ProjectionRunner]) -> int:
    """Catch several projections of one store up in shared pages: each event is read and
    decoded once for all of them, and they commit together (each with its own position).

    Raises ProjectionStoppedError naming the event a projection could not apply (D10).
    """
    processed = 0
    with fewer_collections():
        while count := run_page_together(runners):
            processed += count
    return processed


@translated
def run_page_together(runners: Sequence[ProjectionRunner]) -> int:
    """One page (see `_run_page`); if a projection fails on it, the page is applied again
    one event at a time, so the events before the culprit are projected and the culprit
    is named: ProjectionStoppedError (D10), and the runner's `stopped` says where it
    stands, for health checks. Library errors leave as HomecareErrors (the error map).
    """
    try:
        return _run_page(runners)
    except _PageFailedError as failed:
        return _one_at_a_time(runners, failed)


def _one_at_a_time(runners: Sequence[ProjectionRunner], failed: _PageFailedError) -> int:
    processed = 0
    for _ in range(failed.runner.page_size):
        try:
            count = _run_page(runners, page_size=1)
        except _PageFailedError as again:
            stopped = Stopped(
                projection=again.runner.name,
                position=again.position,
                topic=again.topic,
                cause=type(again.error).__name__,
            )
            again.runner.stopped = stopped
            raise ProjectionStoppedError(stopped.describe()) from None
        if not count:
            break
        processed += count
    return processed


def _run_page(runners: Sequence[ProjectionRunner], *, page_size: int | None = None) -> int:
    """One transaction for one page of the log, applied to every runner's projection.

    Each projection receives only events after its own position, so projections
    at different positions (one just rebuilt, say) share the page correctly.
    When every projection names the event topics it handles, only those are read;
    the positions still move to the end of the log that was examined: the highest
    notification id is read before the page, and ids become visible in order (the
    PostgreSQL recorder locks the table while inserting, SQLite has one writer),
    so nothing at or below it can appear later.
    """
    if not runners:
        return 0
    first = runners[0]
    database, log = first.database, first.log
    page_size = page_size or min(r.page_size for r in runners)
    topics = union_of_topics(getattr(r.projection, "topics", ()) for r in runners)
    database.refuse_reentry()  # not inside a fetch's `then` (below: the key, D8)
    # a projection writes through `conn` alone: on SQLite a write of its own would wait
    # for this page, which waits for it; refused the same on PostgreSQL (D7)
    with database.write_engine.begin() as conn, database.only_through():
        for runner in sorted(runners, key=lambda r: r.name):
            database.lock(conn, f"projection:{runner.name}")
        if first.guard is not None:
            first.guard(conn)
        positions = {r.name: _position_or_reset(conn, r) for r in runners}
        start = min(positions.values())
        end = log.end()
        if end <= start:
            return 0
        database.before_write(conn)  # the key is the store's (D8): only when a page is
        # written, so a read that catches up on a new store does not claim it for its key
        notifications = log.page(start, page_size, stop=end, topics=topics)
        reached = end if len(notifications) < page_size else notifications[-1].id
        events = log.decoded(notifications)
        for runner in runners:
            position = positions[runner.name]
            mine = handled_by(events, getattr(runner.projection, "topics", ()), after=position)
            if mine:
                _process(runner, conn, mine)
            if reached > position:
                database.set_position(conn, runner.name, reached, runner.projection.version)
                runner.stopped = None
        first._fault("page_written")
    first._fault("page_committed")
    return max(len(notifications), 1 if reached > start else 0)


def _process(
    runner: ProjectionRunner,
    conn: Connection,
    events: Sequence[Positioned],
) -> None:
    try:
        runner.projection.process(conn, events)
    except _NOT_THE_EVENTS:
        raise
    except Exception as error:  # any other failure is this page's events' doing ...
        if is_unreachable(error) or is_read_only_error(error):  # ... except a store that
            raise  # cannot be reached or may only be read
        raise _PageFailedError(runner, events[0], error) from error


def _position_or_reset(conn: Connection, runner: ProjectionRunner) -> int:
    """The runner's position; a projection whose version changed is emptied and starts at 0,
    in the transaction of the page that rebuilds it (D6: rebuilt from the log alone)."""
    position, version = runner.database.tracked(conn, runner.name)
    wanted = runner.projection.version
    if version is None or version == wanted:
        return position
    logger.warning(
        "projection %s: version %s -> %s, rebuilding it from the log", runner.name, version, wanted
    )
    for table in reversed(runner.projection.tables):
        conn.execute(table.delete())
    runner.database.set_position(conn, runner.name, 0, wanted)
    return 0
