"""A closed store stays closed: every part of a closed `Homecare` refuses, none writes.

Found by review: after `hc.close()`, `hc.app.get(...)` said "The store is closed", but
`hc.buffer`, `hc.pauses`, `hc.month_close` and `hc.access` went on working, and
writing: `hc.buffer.fetch(after=cursor)` served items and moved the delivered mark
(a new connection saw it), since SQLAlchemy's engine quietly opens new connections
after `dispose()`. Now the database refuses every connection once closed, so every
surface, present and future, raises the same StorageError. On both stores.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from homecare.bootstrap import Homecare, connect
from homecare.domain import Customer
from homecare.domain.month import Month
from homecare.domain.privacy import SubjectKind
from homecare.errors import StorageError
from homecare.privacy import Access, Channel
from tests.domain.pnr import VALID
from tests.scenario import ACTOR, T0, Scenario

LATER = datetime(2026, 12, 1, 9, tzinfo=UTC)
CLOSED = "The store is closed: connect() again."


class World:
    def __init__(self, hc: Homecare) -> None:
        scenario = Scenario(hc.app)
        staff, customer = scenario.staff(), scenario.customer()
        self.visit = scenario.visit(customer, staff)
        scenario.visit(customer, staff)
        hc.catch_up()
        self.customer: UUID = customer.id
        self.staff: UUID = staff
        self.cursor = hc.buffer.fetch(limit=1).cursor


def _access(subject: UUID) -> Access:
    return Access(
        reader="eva", subject_id=subject, subject_kind=SubjectKind.CUSTOMER, what="customer",
        purpose="p", channel=Channel.FACADE,
    )  # fmt: skip


USES: dict[str, Callable[[Homecare, World], Any]] = {
    # the facade: commands and reads
    "app.register_customer": lambda hc, w: hc.app.register_customer(
        personnummer=VALID, name="Y", organisation="O", actor=ACTOR, at=LATER
    ),
    "app.open_contract": lambda hc, w: hc.app.open_contract(w.customer, actor=ACTOR, at=LATER),
    "app.get": lambda hc, w: hc.app.get(Customer, w.customer),
    "app.get_as_of": lambda hc, w: hc.app.get_as_of(Customer, w.customer, LATER),
    # the buffer: the city's fetch (writes its marks) and the operator's views
    "buffer.fetch": lambda hc, w: hc.buffer.fetch(after=w.cursor),
    "buffer.fetch_page": lambda hc, w: hc.buffer.fetch_page(after=w.cursor),
    "buffer.fetch_json": lambda hc, w: hc.buffer.fetch_json(),
    "buffer.month": lambda hc, w: hc.buffer.month(T0.year, T0.month),
    "buffer.problems": lambda hc, w: hc.buffer.problems(),
    "buffer.integration_status": lambda hc, w: hc.buffer.integration_status(w.visit),
    "buffer.delivered_position": lambda hc, w: hc.buffer.delivered_position(),
    "buffer.check_readable": lambda hc, w: hc.buffer.check_readable(),
    # the read models and the month close
    "pauses.list": lambda hc, w: hc.pauses.list(
        period_from=date(2026, 1, 1), period_to=date(2026, 12, 31), now=LATER
    ),
    "month_close.deadline": lambda hc, w: hc.month_close.deadline(2026, 3, now=LATER),
    "month_close.report": lambda hc, w: hc.month_close.report(2026, 3),
    "month_close.reconcile_pauses": lambda hc, w: hc.month_close.reconcile_pauses(now=LATER),
    # a customer filter reads the log to check the customer: closed too, on both stores
    "buffer.integration_statuses(customer)": lambda hc, w: hc.buffer.integration_statuses(
        customer_id=w.customer
    ),
    "month_close.reconcile_pauses(customer)": lambda hc, w: hc.month_close.reconcile_pauses(
        customer_id=w.customer, now=LATER
    ),
    "pauses.list(customer)": lambda hc, w: hc.pauses.list(
        customer_id=w.customer,
        period_from=date(2026, 1, 1),
        period_to=date(2026, 12, 31),
        now=LATER,
    ),
    # the access log and the data keys (R16, R17)
    "access.record": lambda hc, w: hc.access.record([_access(w.customer)]),
    "access.entries": lambda hc, w: hc.access.entries(),
    "access.review": lambda hc, w: hc.access.review(Month(2026, 3)),
    "subject_keys.culled": lambda hc, w: hc.subject_keys.culled(),
    "subject_keys.refresh": lambda hc, w: hc.subject_keys.refresh(),
    # the composition root
    "catch_up": lambda hc, w: hc.catch_up(),
    "run_page": lambda hc, w: hc.run_page(),
    "worker_alive": lambda hc, w: hc.worker_alive(),
    "check_cipher_key": lambda hc, w: hc.check_cipher_key(),
    "cull": lambda hc, w: hc.cull(w.staff, kind="staff", actor=ACTOR, at=LATER),
    "scrub": lambda hc, w: hc.scrub(),
    "due_for_culling": lambda hc, w: hc.due_for_culling(date(2040, 1, 1)),
    "follow": lambda hc, w: hc.follow(threading.Event()),
    "log.end": lambda hc, w: hc.log.end(),
    "database.engine": lambda hc, w: hc.database.engine.connect(),
    "database.write_engine": lambda hc, w: hc.database.write_engine.begin().__enter__(),
}


@pytest.mark.parametrize("use", list(USES), ids=list(USES))
def test_every_part_of_a_closed_store_refuses_and_writes_nothing(store_url: str, use: str) -> None:
    with connect(store_url) as hc:
        world = World(hc)
        delivered = hc.buffer.delivered_position()
        entries = len(hc.access.entries())
        events = hc.log.end()
    hc.close()  # again: closing is idempotent
    with pytest.raises(StorageError) as caught:
        USES[use](hc, world)
    assert (caught.value.code, str(caught.value)) == ("storage_error", CLOSED)
    with connect(store_url) as fresh:  # nothing of it reached the store
        assert fresh.buffer.delivered_position() == delivered
        assert len(fresh.access.entries()) == entries
        assert fresh.log.end() == events


def test_a_closed_store_does_not_reopen_its_connections(store_url: str) -> None:
    """The one mechanism under every part: the database refuses each new connection."""
    hc = connect(store_url)
    World(hc)
    hc.close()
    assert hc.database.closed
    for _ in range(3):
        with pytest.raises(StorageError, match="closed"):
            hc.buffer.fetch()
    assert hc.database.engine.pool.checkedout() == 0
