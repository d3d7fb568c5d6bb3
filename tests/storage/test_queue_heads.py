"""A customer's pending queue read from its first item only (issue 16, D4), on both stores.

A lean page loads each queue's first pending item: where it is held (R5), nothing
behind it can be released, so the rest is read only when something needs the whole
queue. These check that the queue then reads, releases and orders as read whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Connection, select

from homecare._sql.rows import Row
from homecare.bootstrap import connect
from homecare.outbox import tables as t
from homecare.outbox.items import ItemState, PageItems
from homecare.outbox.messages import MessageKind

HELD = ["no_valid_decision"]


@pytest.fixture
def conn(store_url: str) -> Iterator[Connection]:
    with connect(store_url) as hc, hc.database.engine.begin() as connection:
        yield connection


def page(conn: Connection, *, lean: bool = True) -> PageItems:
    return PageItems(conn, lambda item: f"payload {item['seq']}", lean=lean)


def add(items: PageItems, customer: UUID, reasons: list[str]) -> Row:
    event = SimpleNamespace(originator_id=uuid4(), originator_version=1)
    return items.add(
        event=event,  # type: ignore[arg-type]
        index=0,
        position=1,
        kind=MessageKind.VISIT_REPORT,
        customer_id=customer,
        business_date=date(2026, 3, 2),
        facts={"activities": []},
        reasons=list(reasons),
        staff_id=uuid4(),
    )


def stored_queue(conn: Connection, customer: UUID, reasons: list[list[str]]) -> list[int]:
    """A queue stored as a page leaves it (`reasons` of each item, oldest first)."""
    items = page(conn)
    seqs = [add(items, customer, r)["seq"] for r in reasons]
    items.rows.flush()
    return seqs


def states(conn: Connection, customer: UUID) -> list[tuple[int, str, int | None]]:
    """The customer's items as stored: sequence number, state, position."""
    rows = conn.execute(
        select(t.items.c.seq, t.items.c.state, t.items.c.position)
        .where(t.items.c.customer_id == customer)
        .order_by(t.items.c.seq)
    )
    return [(r.seq, r.state, r.position) for r in rows]


def test_a_held_queue_is_read_from_its_first_item_and_nothing_moves(conn: Connection) -> None:
    customer = uuid4()
    seqs = stored_queue(conn, customer, [HELD, [], [], []])
    items = page(conn)
    loaded = items.prefetch_pending({customer})
    assert [i["seq"] for i in loaded] == seqs[:1]
    new = add(items, customer, [])
    items.release_in_order(customer)
    items.rows.flush()
    assert all(state == ItemState.PENDING for _, state, _ in states(conn, customer))
    assert [i["seq"] for i in page(conn).pending_of(customer)] == [*seqs, new["seq"]]


@pytest.mark.parametrize("lean", [True, False])
def test_a_queue_read_whole_after_its_head_is_releases_in_order(
    conn: Connection, lean: bool
) -> None:
    customer = uuid4()
    seqs = stored_queue(conn, customer, [HELD, [], HELD, []])
    items = page(conn, lean=lean)
    items.prefetch_pending({customer})
    new = add(items, customer, [])
    queue = items.pending_of(customer)  # R6: a fix at the source rechecks the whole queue
    assert [i["seq"] for i in queue] == [*seqs, new["seq"]]
    queue[0]["reasons"] = []
    items.rows.changed(queue[0])
    items.release_in_order(customer)
    items.rows.flush()
    released = [(seq, position) for seq, state, position in states(conn, customer)]
    assert released == [
        (seqs[0], 1),
        (seqs[1], 2),
        (seqs[2], None),  # held: it holds back what follows (D4)
        (seqs[3], None),
        (new["seq"], None),
    ]


def test_a_first_item_not_held_has_its_queue_read_whole(conn: Connection) -> None:
    """Never left so by a page, but if it were: what follows it may move."""
    customer = uuid4()
    seqs = stored_queue(conn, customer, [[], [], HELD])
    items = page(conn)
    assert [i["seq"] for i in items.prefetch_pending({customer})] == seqs
    items.release_in_order(customer)
    items.rows.flush()
    assert [p for _, _, p in states(conn, customer)] == [1, 2, None]


def test_a_partial_queue_whose_head_stops_being_held_releases_all_behind_it(
    conn: Connection,
) -> None:
    customer = uuid4()
    seqs = stored_queue(conn, customer, [HELD, [], []])
    items = page(conn)
    (head,) = items.prefetch_pending({customer})
    new = add(items, customer, [])
    head["reasons"] = []  # not through pending_of: release must still read the rest
    items.rows.changed(head)
    items.release_in_order(customer)
    items.rows.flush()
    assert [(s, p) for s, _, p in states(conn, customer)] == [
        (seqs[0], 1),
        (seqs[1], 2),
        (seqs[2], 3),
        (new["seq"], 4),
    ]


def test_a_culled_customers_partial_queue_is_withdrawn_whole(conn: Connection) -> None:
    """R16: every pending item, read or not, is withdrawn."""
    customer = uuid4()
    stored_queue(conn, customer, [HELD, [], []])
    items = PageItems(conn, lambda item: "x", culled=lambda _c: True)
    items.prefetch_pending({customer})
    add(items, customer, [])
    items.release_in_order(customer)
    items.rows.flush()
    assert {state for _, state, _ in states(conn, customer)} == {ItemState.WITHDRAWN}
