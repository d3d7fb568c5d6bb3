"""D2: the buffer is written exactly once per event, across crashes and restarts; D6 replay."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import delete, func, select

from homecare._sql.database import lease, tracking
from homecare.bootstrap import Homecare, connect
from homecare.errors import ProjectionBusyError
from homecare.outbox import tables as t
from tests.conftest import ACTOR
from tests.scenario import Scenario


class SimulatedCrashError(Exception):
    """Stands for the process dying at a given point."""


def _populate(hc: Homecare) -> Scenario:
    world = Scenario(hc.app)
    good, no_sd = world.staff(), world.staff(sd_number=False)
    for n in range(12):
        customer = world.customer()
        world.visit(customer, no_sd if n % 5 == 0 else good)
        if n % 4 == 0:
            hc.app.create_pause(
                level="customer",
                target_id=customer.id,
                notified_at=world.at,
                reason="own_request",
                starts_at=world.at,
                actor=ACTOR,
                at=world.tick(),
            )
    hc.app.update_staff(no_sd, sd_number="SD77", actor=ACTOR, at=world.tick())
    return world


def _buffer_rows(hc: Homecare) -> list[tuple[object, ...]]:
    with hc.database.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    t.items.c.seq, t.items.c.message_id, t.items.c.state, t.items.c.position
                ).order_by(t.items.c.seq)
            )
        ]


@pytest.mark.parametrize("point", ["page_written", "page_committed"])
def test_d2_crash_then_restart_writes_every_item_exactly_once(store_url: str, point: str) -> None:
    """Crash inside a page (before commit) or between pages, many times, then finish."""
    with connect(store_url) as reference:
        _populate(reference)
    crashes = 0

    def crash_every_third(at: str) -> None:
        nonlocal crashes
        if at == point:
            crashes += 1
            if crashes % 3 != 0:
                raise SimulatedCrashError(at)

    while True:
        with connect(store_url, fault=crash_every_third) as hc:
            for runner in hc.runners:
                runner.page_size = 7
            try:
                hc.catch_up()
            except SimulatedCrashError:
                continue
            crashed_rows = _buffer_rows(hc)
            break
    assert crashes > 3

    with connect(store_url) as fresh:
        with fresh.database.write_engine.begin() as conn:
            for table in (t.items, t.assignments, t.staff, t.customers, t.pauses, t.city_periods):
                conn.execute(delete(table))
            conn.execute(delete(tracking).where(tracking.c.projection == "integration_buffer"))
        fresh.catch_up()
        assert _buffer_rows(fresh) == crashed_rows
        with fresh.database.engine.connect() as conn:
            dupes = conn.execute(
                select(func.count())
                .select_from(t.items)
                .group_by(t.items.c.message_id)
                .having(func.count() > 1)
            ).all()
        assert dupes == []


def test_d6_rebuild_from_events_alone_equals_the_live_buffer(store_url: str) -> None:
    with connect(store_url) as hc:
        world = _populate(hc)
        hc.catch_up()
        first = hc.buffer.fetch(limit=5)
        hc.app.register_decision(
            world.customers[0].id,
            valid_from=date(2026, 1, 1),
            valid_to=None,
            activities=["shower"],
            actor=ACTOR,
            at=world.tick(),
        )
        hc.catch_up()
        live = hc.buffer.dump()
        assert first.items
    with connect(store_url) as rebuilt:
        with rebuilt.database.write_engine.begin() as conn:
            for table in (t.items, t.assignments, t.staff, t.customers, t.pauses, t.city_periods):
                conn.execute(delete(table))
            conn.execute(delete(tracking).where(tracking.c.projection == "integration_buffer"))
        rebuilt.catch_up()
        assert rebuilt.buffer.dump() == live


def test_d2_two_runners_at_once_never_double_write(store_url: str) -> None:
    import threading

    with connect(store_url) as hc:
        _populate(hc)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with connect(store_url) as other:
                for runner in other.runners:
                    runner.page_size = 5
                other.catch_up()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with connect(store_url) as hc:
        rows = _buffer_rows(hc)
        assert len(rows) == len({r[1] for r in rows})
        positions = [r[3] for r in rows if r[3] is not None]
        assert sorted(positions) == list(range(1, len(positions) + 1))


def test_d2_a_second_follower_fails_clearly(store_url: str) -> None:
    with connect(store_url) as first, connect(store_url) as second:
        stop = threading.Event()
        started = threading.Thread(target=first.follow, args=(stop,), kwargs={"interval": 0.05})
        started.start()
        try:
            deadline = time.monotonic() + 30
            while not _lease_taken(second) and time.monotonic() < deadline:
                time.sleep(0.05)
            with pytest.raises(ProjectionBusyError, match="already running"):
                second.follow(threading.Event())
        finally:
            stop.set()
            started.join()


def _lease_taken(hc: Homecare) -> bool:
    with hc.database.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(lease)).scalar_one() > 0
