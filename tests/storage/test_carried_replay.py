"""The audit's replay carries the buffer's working set from page to page (issue 16; D6).

`BufferProjection.carrying` (on while `audit verify` replays into its scratch
store, which nothing else writes) keeps a page's rows, each customer's pending
items and the next positions for the next page instead of reading them again;
over `carry_limit` rows it forgets the queues, the visits planned last, or everything.
A rebuild so carried must equal the live buffer, built page by page with
nothing carried (the runner's catch-up), whatever the limit and page size: on
both stores, with culled customers and staff, and for generated logs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.cipher import AESCipher
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from homecare._es.read_ahead import read_ahead
from homecare._sql import rows
from homecare.audit import as_of, verify
from homecare.audit._common import scratch_store
from homecare.bootstrap import connect
from homecare.demo import run_demo
from homecare.domain.customer import Customer
from homecare.outbox import tables as t
from homecare.outbox.page import CARRIED_ROWS, Page
from homecare.outbox.projection import BufferProjection
from tests.storage.generated_logs import (
    STEP,
    STORES,
    TOUR,
    cull_a_customer_and_a_staff_member,
    fresh,
    play,
)

LIMITS = (CARRIED_ROWS, 6, 0)
"""Carried rows allowed: all of them, few (visits and queues forgotten), none (afresh)."""


@pytest.fixture
def carry_limit() -> Iterator[None]:
    """Tests change `BufferProjection.carry_limit`; it is put back afterwards."""
    kept = BufferProjection.carry_limit
    yield
    BufferProjection.carry_limit = kept


@pytest.mark.usefixtures("carry_limit")
@pytest.mark.parametrize("limit", LIMITS)
def test_a_carried_rebuild_of_culled_subjects_equals_the_live_buffer(
    store_url: str, limit: int
) -> None:
    """R16, D6: withdrawn items and markers, with a cipher key, in pages of 1, 3 and 5000."""
    with connect(store_url, cipher_key=AESCipher.create_key(32)) as hc:
        run_demo(hc, customers=4, days=3, seed=7, drain=False)
        cull_a_customer_and_a_staff_member(hc)
        BufferProjection.carry_limit = limit
        for page_size in (1, 3, 5000):
            report = verify(hc, page_size=page_size)
            assert report.identical, (page_size, report.describe())
            assert report.rows > 0


@pytest.mark.parametrize("store", STORES)
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=8, max_size=30), limit=st.sampled_from(LIMITS))
@example(steps=TOUR, limit=4)
def test_a_carried_rebuild_of_a_generated_log_equals_the_live_buffer(
    store: str, request: pytest.FixtureRequest, steps: list[tuple[Any, ...]], limit: int
) -> None:
    """Declines, corrections, DST days, fetches, culls (`tests.storage.generated_logs`)."""
    kept = BufferProjection.carry_limit
    try:
        with fresh(store, request) as url, connect(url) as hc:
            play(hc, steps)
            BufferProjection.carry_limit = limit
            for page_size in (1, 3):
                report = verify(hc, page_size=page_size)
                assert report.identical, (page_size, report.describe())
    finally:
        BufferProjection.carry_limit = kept


READS = {
    "customers": ("homecare._sql.rows.load_in", t.customers),
    "pending queues": ("homecare.outbox.items.load_in", t.items),
}
"""What a replay reads by key, and where it reads it (each row or queue counted)."""


@pytest.mark.usefixtures("carry_limit")
@pytest.mark.parametrize("what", list(READS))
def test_a_carried_rebuild_reads_each_customers_rows_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    """What carrying is for: without it each page of 3 events reads again its customers
    and their pending queues (what a long replay re-read most: D4, they grow behind a
    held item)."""
    where, table = READS[what]
    read: list[int] = []
    load_in = rows.load_in  # the one both places call

    def counted(conn: Any, of: Any, column: str, values: Any, **kw: Any) -> Any:
        if of is table:
            read.append(len(values))
        return load_in(conn, of, column, values, **kw)

    with connect(f"sqlite:///{tmp_path / 'store.db'}", create=True) as hc:
        run_demo(hc, customers=3, days=3, seed=2, drain=False)
        monkeypatch.setattr(where, counted)
        assert verify(hc, page_size=3).identical
        carried = sum(read)
        read.clear()
        BufferProjection.carry_limit = 0
        assert verify(hc, page_size=3).identical
        afresh = sum(read)
    assert carried <= 3 < afresh


def test_the_log_is_read_ahead_only_from_postgresql(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a reading thread slows the replay down (`homecare._es.read_ahead`);
    verify and as_of replay alike (`homecare.audit._replay`)."""
    used: list[bool] = []

    def spied(pages: Any, depth: int = 1) -> Any:
        used.append(True)
        return read_ahead(pages, depth)

    monkeypatch.setattr("homecare.audit._replay.read_ahead", spied)
    with connect(store_url) as hc:
        run_demo(hc, customers=2, days=2, seed=4, drain=False)
        assert verify(hc, page_size=7).identical
        assert bool(used) is not hc.database.is_sqlite
        used.clear()
        customer = next(
            e.originator_id
            for _, e in hc.log.decoded(hc.log.page(0, 100))
            if isinstance(e, Customer.Registered)
        )
        as_of(hc, customer, datetime.now(UTC), page_size=7)
        assert bool(used) is not hc.database.is_sqlite


def test_a_page_that_fails_drops_what_was_carried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What was held may not be what is stored after a failed page: it is dropped."""
    with connect(f"sqlite:///{tmp_path / 'store.db'}", create=True) as hc:
        run_demo(hc, customers=2, days=2, seed=1, drain=False)
        events = hc.log.decoded(next(hc.log.pages(page_size=60)))
        projection = BufferProjection(hc.parts.sealer, hc.parts.message_format)
    (tmp_path / "scratch").mkdir()
    scratch = scratch_store(tmp_path / "scratch")
    try:
        with projection.carrying():
            with scratch.write_engine.begin() as conn:
                projection.process(conn, events[:30])
            assert projection._carried is not None

            def broken(_page: Page) -> None:
                raise RuntimeError("disk full")

            monkeypatch.setattr(Page, "flush", broken)
            with pytest.raises(RuntimeError), scratch.write_engine.begin() as conn:
                projection.process(conn, events[30:])
            assert projection._carried is None
    finally:
        scratch.dispose()


def _visit(number: int) -> dict[str, Any]:
    return {
        "assignment_id": UUID(int=number),
        "customer_id": UUID(int=1000 + number),
        "staff_id": UUID(int=2000),
        "performed_start": None,
        "performed_end": None,
        "activities": [],
        "outcome": "performed",
        "confirmed": False,
        "revision": 0,
        "item_seq": None,
    }


@pytest.mark.parametrize(
    ("customers", "limit", "kept", "carried"),
    [
        (0, 24, 6, True),  # no room needed by the rest: a quarter of the limit
        (0, 8, 2, True),
        (6, 8, 2, True),  # the room left
        (7, 8, 1, True),
        (8, 8, 0, True),
        (9, 8, 0, False),  # the rest alone over the limit: afresh
    ],
)
def test_the_first_visits_not_confirmed_are_carried_in_the_room_left(
    store_url: str, customers: int, limit: int, kept: int, carried: bool
) -> None:
    """Issue 16: visits not confirmed fill what the limit leaves, a quarter at most, the
    first planned kept (the first confirmed); forgetting them all once over a quarter
    read most visits back at their confirmations at a city's scale."""
    with connect(store_url) as hc, hc.database.engine.begin() as conn:
        page = Page(conn, hc.parts.sealer, hc.parts.message_format)
        for number in range(10):
            page.facts.assignments.add(_visit(number))
        for number in range(customers):
            page.facts.customers.add(
                {"customer_id": UUID(int=3000 + number), "personnummer": "x", "decisions": []}
            )
        page.flush()
        assert page.settle(limit) is carried
        held = page.facts.assignments
        assert len(held) == kept
        assert [held.peek(UUID(int=n)) is not None for n in range(10)] == [
            n < kept for n in range(10)
        ]
        conn.rollback()
