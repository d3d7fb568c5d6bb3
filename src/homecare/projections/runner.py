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

__all__ = ["FaultHook", "Projection", "ProjectionRunner"]

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
        with self.database.write_engine.begin() as conn:
            self.database.lock(conn, f"projection:{self.name}")
            position = self.database.position(conn, self.name)
            notifications = self.recorder.select_notifications(
                start=position, limit=self.page_size, inclusive_of_start=False
            )
            if not notifications:
                return 0
            events = [(n.id, self.mapper.to_domain_event(n)) for n in notifications]
            self.projection.process(conn, events)
            self.database.set_position(conn, self.name, notifications[-1].id)
            self._fault("page_written")
        self._fault("page_committed")
        return len(notifications)

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
