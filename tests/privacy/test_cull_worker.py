"""R16: a cull never says it is done while the read side still holds the subject.

The reviewer's case: a worker killed with `kill -9` leaves its lease row looking alive
for 15 s; a cull in that window waited 30 s for it, then returned with the buffer and
the pause overview not projected (`scrubbed: false`, exit 0), and the city's next
fetch served the culled customer's items with the full personnummer. Now the cull
catches up itself when the lease's lock is free or the worker does not move, and a
cull whose read side cannot be brought past it raises the cause; meanwhile the fetch
stops before an item that still shows a culled subject's number.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from homecare._sql.database import lease as lease_row
from homecare._sql.lease import Lease
from homecare.application import shredding
from homecare.bootstrap import Homecare, connect
from homecare.domain.privacy import CULLED, SubjectKind
from homecare.errors import StorageError
from homecare.outbox.integration import IntegrationStatus
from tests.privacy.test_cull import World
from tests.scenario import pnr


def _a_killed_worker(hc: Homecare) -> None:
    """The lease row of a worker killed a moment ago: owner set, renewed just now, its
    lock gone with its process. The row alone said alive; the lock says not."""
    lease = Lease(hc.database)
    assert lease.acquire()
    lease.release(mark_row=False)
    with hc.database.engine.connect() as conn:
        owner, renewed = conn.execute(select(lease_row.c.owner, lease_row.c.renewed_at)).one()
    assert owner
    assert (datetime.now(UTC) - renewed).total_seconds() < 15
    assert not hc.worker_alive()


def _withdrawn(world: World) -> bool:
    statuses = {world.hc.buffer.integration_status(v).status for v in (world.queued, world.held)}
    return statuses == {IntegrationStatus.WITHDRAWN}


def test_R16_a_cull_while_a_killed_workers_lease_looks_alive_projects_itself(
    hc: Homecare,
) -> None:
    world = World(hc)
    _a_killed_worker(hc)
    started = time.monotonic()
    result = world.cull()
    assert time.monotonic() - started < 10  # not the 30 s wait for a dead worker
    assert (result.key_destroyed, result.scrubbed) == (True, True)
    assert _withdrawn(world)
    served = hc.buffer.fetch(world.cursor).items
    assert [m.customer for m in served] == [world.b.id]
    assert all(pnr(0).replace("-", "") not in m.model_dump_json() for m in served)


def test_R16_a_cull_takes_over_from_a_worker_that_holds_its_lease_but_does_not_move(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shredding, "STALLED", 1.0)
    world = World(hc)
    stuck = Lease(hc.database)  # holds the lock and renews, never projects
    assert stuck.acquire()
    try:
        stuck.renew()
        world.s.visit(world.b, world.s.staff(), day=date(2026, 3, 5))  # work to do
        result = world.cull()
    finally:
        stuck.release()
    assert result.key_destroyed
    assert _withdrawn(world)


def test_R16_a_cull_whose_read_side_cannot_be_projected_fails_naming_the_cause(
    store_url: str,
) -> None:
    with connect(store_url) as hc:
        world = World(hc)

    def broken(point: str) -> None:
        if point == "page_written":
            raise StorageError("The disk is full (test).")

    with connect(store_url, fault=broken) as hc:
        world.hc = hc
        with pytest.raises(StorageError) as raised:
            world.cull()
        message = str(raised.value)
        assert "is culled (recorded, key destroyed)" in message
        assert "The disk is full (test)." in message
        assert "cull again" in message
        # not projected: the fetch stops before the culled customer's items
        served = hc.buffer.fetch(world.cursor).items
        assert all(m.customer != world.a.id for m in served)
    with connect(store_url) as hc:  # culling again finishes it
        world.hc = hc
        again = world.cull()
        assert (again.recorded, again.key_destroyed, again.scrubbed) == (False, False, True)
        assert _withdrawn(world)


def test_R16_the_fetch_never_serves_a_culled_subjects_number_before_the_projection(
    hc: Homecare,
) -> None:
    """The window between the key destroyed and the buffer projected (a worker's page,
    or a projection that cannot go on): the fetch stops before the subject's items;
    after the projection their served items come with the marker."""
    world = World(hc)
    with hc.database.write_engine.begin() as conn:
        hc.subject_keys.cull(world.a.id, conn=conn, kind=SubjectKind.CUSTOMER)
    assert hc.buffer.fetch().items == []  # from the start: the served item is A's
    assert hc.buffer.fetch(world.cursor).items == []  # next is A's queued one
    hc.cull(world.a.id, actor="arkivarie", at=world.s.tick())
    again = hc.buffer.fetch().items
    mine = [m for m in again if m.customer == world.a.id]
    assert [m.customer_personnummer for m in mine] == [CULLED.text]  # the served one


def test_a_lock_this_process_may_not_try_leaves_the_row_to_decide(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock file another OS user's (PermissionError), or the server refusing a
    session: `worker_alive` answers from the lease row, as before the lock was asked,
    and never fails the view or cull that asked."""
    lease = Lease(hc.database)
    assert lease.acquire()
    try:

        def refused(_self: Lease) -> bool:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(Lease, "_lock", refused)
        assert Lease(hc.database).lock_is_free() is False
        assert hc.worker_alive()
    finally:
        monkeypatch.undo()
        lease.release()
