"""D3 under concurrency: writers, two projection runners and a drainer at once.

A consumer that keeps its cursor must never skip an item, however the
writers' and the projection's transactions interleave. On PostgreSQL this is
where sequence gaps would bite; the test runs on both stores.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

from homecare.bootstrap import connect
from tests.scenario import Scenario


def test_d3_concurrent_writers_runners_and_drainer_skip_nothing(store_url: str) -> None:
    writers, visits_each = 4, 12
    with connect(store_url) as setup:
        world = Scenario(setup.app)
        staff = world.staff()
        customers = [world.customer() for _ in range(writers * 2)]
    done = threading.Event()
    errors: list[BaseException] = []
    received: list[tuple[int, object]] = []

    def guarded(work: object) -> object:
        def run() -> None:
            try:
                work()  # type: ignore[operator]
            except BaseException as error:  # pragma: no cover - asserted below
                errors.append(error)

        return run

    def write(n: int) -> None:
        with connect(store_url) as hc:
            mine = Scenario(hc.app, at=world.at + timedelta(hours=n))
            for k in range(visits_each):
                customer = customers[(n * 2 + k) % len(customers)]
                mine.visit(customer, staff, day=date(2026, 3, 2 + k % 5))

    def project() -> None:
        with connect(store_url) as hc:
            for runner in hc.runners:
                runner.page_size = 3
            while not done.is_set():
                hc.catch_up()
            hc.catch_up()

    def drain() -> None:
        with connect(store_url) as hc:
            cursor = None
            while True:
                finished = done.is_set()
                result = hc.buffer.fetch(after=cursor, limit=5)
                received.extend((i.position, i.message_id) for i in result.items)
                cursor = result.cursor
                if finished and not result.items:
                    hc.catch_up()
                    if not hc.buffer.fetch(after=cursor, limit=1).items:
                        return

    threads = [threading.Thread(target=guarded(lambda n=n: write(n))) for n in range(writers)]
    helpers = [threading.Thread(target=guarded(project)) for _ in range(2)]
    drainer = threading.Thread(target=guarded(drain))
    for thread in [*threads, *helpers, drainer]:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    for thread in [*helpers, drainer]:
        thread.join()

    assert errors == []
    positions = [p for p, _ in received]
    assert positions == sorted(positions)
    assert positions == list(range(1, writers * visits_each + 1)), (
        f"skipped or repeated: {positions}"
    )
    assert len({m for _, m in received}) == writers * visits_each
