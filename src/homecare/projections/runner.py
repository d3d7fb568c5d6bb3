"""Runs a projection over the event log: pages of events, one transaction each (D2).

Each page is read from the notification log, decoded with the application's
mapper, handed to the projection, and committed together with the new
tracking position. A crash anywhere before the commit leaves neither rows nor
position; a restart resumes at the stored position, so every event is
processed exactly once. Writers are serialised per projection (an advisory
transaction lock on PostgreSQL, the write lock on SQLite) and the position is
re-read under that lock, so two runners started by mistake never double-write.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import Connection, text

from homecare.errors import ProjectionBusyError
from homecare.projections.database import Database, lock_key

__all__ = [
    "FaultHook",
    "Projection",
    "ProjectionRunner",
    "catch_up_together",
    "run_page_together",
]

FaultHook = Callable[[str], None]
"""Called at named points ('page_written', 'page_committed'); tests raise from it."""


class Projection(Protocol):
    """What a read model provides to be run over the log."""

    name: str

    def process(
        self, conn: Connection, events: Sequence[tuple[int, DomainEventProtocol[Any]]]
    ) -> None:
        """Apply one page of (notification id, event), in log order, inside `conn`'s transaction."""


class ProjectionRunner:
    def __init__(
        self,
        database: Database,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        projection: Projection,
        *,
        page_size: int = 1000,
        fault: FaultHook | None = None,
    ) -> None:
        self.database = database
        self.recorder = recorder
        self.mapper = mapper
        self.projection = projection
        self.page_size = page_size
        self._fault = fault or (lambda _point: None)

    @property
    def name(self) -> str:
        return self.projection.name

    def position(self) -> int:
        with self.database.engine.connect() as conn:
            return self.database.position(conn, self.name)

    def lag(self) -> int:
        """Events in the log not yet processed by this projection."""
        return max(0, (self.recorder.max_notification_id() or 0) - self.position())

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

    def follow(self, stop: threading.Event, *, interval: float = 0.5) -> None:
        """Run as a long-lived follower until `stop` is set.

        SQLite has no subscription (see docs/architecture.md), so this pulls on
        every platform: catch up, then wait `interval` seconds or until stopped.
        Only one follower per projection and store may run: a second one fails
        with ProjectionBusyError instead of competing.
        """
        with self.follower_lease():
            while not stop.is_set():
                self.catch_up()
                stop.wait(interval)

    @contextlib.contextmanager
    def follower_lease(self) -> Iterator[None]:
        if self.database.is_sqlite:
            with _file_lease(self.database, self.name):
                yield
            return
        with self.database.engine.connect() as conn:
            key = lock_key(f"follower:{self.name}")
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()
            if not got:
                raise ProjectionBusyError(_busy(self.name))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


def catch_up_together(runners: Sequence[ProjectionRunner]) -> int:
    """Catch several projections of one store up in shared pages: each event is read and
    decoded once for all of them, and they commit together (each with its own position)."""
    processed = 0
    while count := run_page_together(runners):
        processed += count
    return processed


def run_page_together(runners: Sequence[ProjectionRunner]) -> int:
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
    database, recorder, mapper = first.database, first.recorder, first.mapper
    page_size = min(r.page_size for r in runners)
    topics = _topics(runners)
    with database.write_engine.begin() as conn:
        for runner in sorted(runners, key=lambda r: r.name):
            database.lock(conn, f"projection:{runner.name}")
        positions = {r.name: database.position(conn, r.name) for r in runners}
        start = min(positions.values())
        end = recorder.max_notification_id() or 0
        if end <= start:
            return 0
        notifications = recorder.select_notifications(
            start=start, limit=page_size, stop=end, topics=topics, inclusive_of_start=False
        )
        reached = end if len(notifications) < page_size else notifications[-1].id
        events = [(n.id, mapper.to_domain_event(n)) for n in notifications]
        for runner in runners:
            position = positions[runner.name]
            mine = events if position == start else [e for e in events if e[0] > position]
            if mine:
                runner.projection.process(conn, mine)
            if reached > position:
                database.set_position(conn, runner.name, reached)
        first._fault("page_written")
    first._fault("page_committed")
    return max(len(notifications), 1 if reached > start else 0)


def _topics(runners: Sequence[ProjectionRunner]) -> tuple[str, ...]:
    """The union of the projections' topics, or () (everything) if any wants everything."""
    union: set[str] = set()
    for runner in runners:
        topics = getattr(runner.projection, "topics", ())
        if not topics:
            return ()
        union.update(topics)
    return tuple(sorted(union))


@contextlib.contextmanager
def _file_lease(database: Database, name: str) -> Iterator[None]:
    path = Path(f"{database.url.database}.{name}.follower.lock")
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ProjectionBusyError(_busy(name)) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _busy(name: str) -> str:
    return f"Another follower of projection {name!r} is already running on this store."
