"""The worker's lease (issue 13 item 2): never two writers, nothing lost, nothing twice.

In process, so that every page can be observed: each worker's pages are
recorded with the lease epoch they were written under, from inside the page's
transaction (after the guard, before the commit).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from homecare._es.runner import Guard
from homecare.bootstrap import Homecare, connect
from homecare.outbox import tables as t
from homecare.worker import Worker, WorkerOptions
from tests.scenario import Scenario

FAST = WorkerOptions(
    idle_min=0.01, idle_max=0.2, retry_initial=0.05, retry_max=0.5, lease_poll=0.05
)


@dataclass
class Pages:
    """(worker, epoch, time) of every page written, in the order they were written."""

    written: list[tuple[str, int, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _observed(hc: Homecare, name: str, worker: Worker, pages: Pages) -> None:
    """Record each page that passed the lease check, with the epoch it passed under."""
    original: Callable[[Guard | None], None] = hc.guard_with

    def guard_with(guard: Guard | None) -> None:
        if guard is None:
            original(None)
            return

        def observed(conn: Any) -> None:
            guard(conn)
            with pages.lock:
                pages.written.append((name, int(worker.lease.epoch or 0), time.monotonic()))

        original(observed)

    hc.guard_with = guard_with  # type: ignore[method-assign]


class Running:
    def __init__(self, hc: Homecare, name: str, pages: Pages) -> None:
        self.worker = Worker(hc, FAST)
        _observed(hc, name, self.worker, pages)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.worker.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def halt(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def _wait(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def pg_url(postgres_database: str) -> Iterator[str]:
    from tests.conftest import _empty_postgres

    _empty_postgres(postgres_database)
    yield postgres_database
    _empty_postgres(postgres_database)


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.mark.postgres
def test_a_worker_whose_session_is_killed_stops_writing_while_the_second_takes_over(
    pg_url: str,
) -> None:
    pages = Pages()
    with connect(pg_url) as writer, connect(pg_url) as hc_a, connect(pg_url) as hc_b:
        world = Scenario(writer.app)
        staff = world.staff()
        people = [world.customer() for _ in range(4)]
        confirmed: list[Any] = []

        def confirm(n: int) -> None:
            for _ in range(n):
                k = len(confirmed)
                day = date(2026, 3, 2) + timedelta(days=k // 4)
                confirmed.append(world.visit(people[k % 4], staff, day=day))

        a = Running(hc_a, "a", pages)
        _wait(lambda: a.worker.lease.held, "worker a to hold the lease")
        b = Running(hc_b, "b", pages)
        confirm(8)
        _wait(lambda: _caught_up(writer), "worker a to project")
        assert {w for w, _, _ in pages.written} == {"a"}
        assert not b.worker.lease.held  # it waits

        with psycopg.connect(_plain(pg_url), autocommit=True) as admin:
            pid = a.worker.lease._pid
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        confirm(8)
        _wait(lambda: b.worker.lease.held or a.worker.lease.held, "a worker to hold the lease")
        confirm(8)
        _wait(lambda: _caught_up(writer), "the new holder to project")
        a.halt()
        confirm(4)  # whoever holds it now, or b taking over from a stopped worker
        _wait(lambda: b.worker.lease.held, "worker b to hold the lease")
        _wait(lambda: _caught_up(writer), "worker b to project")
        b.halt()

        epochs = [e for _, e, _ in pages.written]
        assert epochs == sorted(epochs), "a page written under an older epoch after a newer one"
        by_epoch: dict[int, set[str]] = {}
        for name, epoch, _ in pages.written:
            by_epoch.setdefault(epoch, set()).add(name)
        assert all(len(names) == 1 for names in by_epoch.values()), by_epoch
        assert len(by_epoch) >= 2
        assert "b" in set().union(*by_epoch.values())

        with writer.database.engine.connect() as conn:
            items = conn.execute(select(t.items.c.assignment_id, t.items.c.position)).all()
        assert sorted(str(i.assignment_id) for i in items) == sorted(str(v) for v in confirmed)
        positions = sorted(i.position for i in items)
        assert positions == list(range(1, len(confirmed) + 1))  # nothing lost, nothing twice


def _caught_up(hc: Homecare) -> bool:
    return all(runner.lag() == 0 for runner in hc.runners)


def test_the_worker_keeps_a_sqlite_store_current_and_stops_on_request(store_url: str) -> None:
    pages = Pages()
    with connect(store_url) as writer, connect(store_url) as hc:
        world = Scenario(writer.app)
        staff = world.staff()
        running = Running(hc, "w", pages)
        _wait(lambda: running.worker.lease.held, "the lease")
        for n in range(5):
            world.visit(world.customer(), staff, day=date(2026, 3, 2 + n))
        _wait(lambda: _caught_up(writer), "the worker to project")
        second = Worker(writer, FAST)
        assert not second.lease.acquire()  # one writer per store
        running.halt()
        assert second.lease.acquire()
        second.lease.release()
        assert running.worker.stats.events > 0


@pytest.mark.postgres
def test_the_worker_survives_every_connection_being_killed(pg_url: str) -> None:
    """As after a database restart: every session of the worker is terminated; it logs,
    backs off, takes the lease again and goes on projecting (issue 13 item 2)."""
    pages = Pages()
    with connect(pg_url) as writer, connect(pg_url) as hc:
        world = Scenario(writer.app)
        staff = world.staff()
        running = Running(hc, "w", pages)
        _wait(lambda: running.worker.lease.held, "the lease")
        world.visit(world.customer(), staff)
        _wait(lambda: _caught_up(writer), "the first visit to be projected")
        with psycopg.connect(_plain(pg_url), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        writer.database.engine.dispose()
        world.visit(world.customer(), staff, day=date(2026, 3, 3))
        _wait(lambda: _caught_up(writer), "the worker to project after the restart")
        running.halt()
        assert running.worker.stats.leases >= 2  # it noticed, and took the lease again
        with writer.database.engine.connect() as conn:
            assert conn.execute(select(t.items.c.position)).scalars().all() == [1, 2]


def test_the_lease_waits_for_the_event_stores_notifications(store_url: str) -> None:
    """The worker wakes through the private layer (`Lease.listen`, the event store's
    channel), never by reaching into eventsourcing's recorder or psycopg itself."""
    with connect(store_url) as writer, connect(store_url) as hc:
        lease = Worker(hc, FAST).lease
        assert lease.acquire()
        try:
            channel = hc.app.notification_channel
            lease.listen(channel)
            if channel is None:  # SQLite: no notifications, the worker polls
                assert not lease.can_listen
                assert not lease.wait_for_notification(0.01)
                return
            assert lease.can_listen
            assert not lease.wait_for_notification(0.05)
            Scenario(writer.app).staff()
            assert lease.wait_for_notification(5.0)
        finally:
            lease.release()
