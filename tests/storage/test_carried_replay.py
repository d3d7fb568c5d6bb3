"""The audit's replay carries the buffer's working set from page to page (issue 16; D6).

`BufferProjection.carrying` (on while `audit verify` replays into its scratch
store, which nothing else writes) keeps a page's rows, each customer's pending
items and the next positions for the next page instead of reading them again;
over `carry_limit` rows it forgets the visits and the queues, or everything.
A rebuild so carried must equal the live buffer, built page by page with
nothing carried (the runner's catch-up), whatever the limit and page size: on
both stores, with culled customers and staff, and for generated logs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.cipher import AESCipher
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from homecare._es.read_ahead import read_ahead
from homecare._sql import rows
from homecare.audit import verify
from homecare.audit._common import scratch_store
from homecare.bootstrap import connect
from homecare.demo import run_demo
from homecare.outbox import tables as t
from homecare.outbox.page import CARRIED_ROWS, Page
from homecare.outbox.projection import BufferProjection
from tests.storage.generated_logs import STEP, STORES, TOUR, fresh, play

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
        with hc.database.engine.connect() as conn:
            customer = conn.execute(select(t.customers.c.customer_id).limit(1)).scalar_one()
            staff = conn.execute(
                select(t.items.c.staff_id).where(t.items.c.staff_id.is_not(None)).limit(1)
            ).scalar_one()
        at = datetime.now(UTC)
        hc.cull(customer, kind="customer", actor="arkivarie", at=at)
        hc.cull(staff, kind="staff", actor="arkivarie", at=at + timedelta(seconds=1))
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


def _customer_rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts customer rows the buffer reads by key from now on (one entry per read)."""
    read: list[int] = []
    load_in = rows.load_in

    def counted(conn: Any, table: Any, column: str, values: Any, **kw: Any) -> Any:
        if table is t.customers:
            read.append(len(values))
        return load_in(conn, table, column, values, **kw)

    monkeypatch.setattr(rows, "load_in", counted)
    return read


@pytest.mark.usefixtures("carry_limit")
def test_a_carried_rebuild_reads_each_customer_once(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What carrying is for: without it each page of 3 events reads its customers again."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with connect(url, create=True) as hc:
        run_demo(hc, customers=3, days=3, seed=2, drain=False)
        read = _customer_rows_read(monkeypatch)
        assert verify(hc, page_size=3).identical
        carried = sum(read)
        read.clear()
        BufferProjection.carry_limit = 0
        assert verify(hc, page_size=3).identical
        afresh = sum(read)
    assert carried <= 3 < afresh


def _queues_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts customers whose pending queue the buffer reads from now on (per read)."""
    read: list[int] = []

    def counted(conn: Any, table: Any, column: str, values: Any, **kw: Any) -> Any:
        read.append(len(values))
        return rows.load_in(conn, table, column, values, **kw)

    monkeypatch.setattr("homecare.outbox.items.load_in", counted)
    return read


@pytest.mark.usefixtures("carry_limit")
def test_a_carried_rebuild_reads_each_customers_pending_queue_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queues are what a long replay re-read most (D4: they grow behind a held item)."""
    with connect(f"sqlite:///{tmp_path / 'store.db'}", create=True) as hc:
        run_demo(hc, customers=3, days=3, seed=2, drain=False)
        read = _queues_read(monkeypatch)
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
    """On SQLite a reading thread slows the replay down (`homecare._es.read_ahead`)."""
    used: list[bool] = []

    def spied(pages: Any, depth: int = 1) -> Any:
        used.append(True)
        return read_ahead(pages, depth)

    monkeypatch.setattr("homecare.audit._verify.read_ahead", spied)
    with connect(store_url) as hc:
        run_demo(hc, customers=2, days=2, seed=4, drain=False)
        assert verify(hc, page_size=7).identical
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
