"""`load_in(first_of=...)`: each key's first row, by one index seek per key (issue 16).

A customer's pending queue is read from its first item (D4, `PageItems.prefetch_pending`).
The lean read finds each customer's least `seq` by a correlated min (SQLite) or a
LATERAL ... LIMIT 1 (PostgreSQL) instead of a GROUP BY over every pending item of the
chunk's customers. These check it finds the same rows as the GROUP BY (the old path)
and as the definition, on both stores: long and short queues, keys with no rows or no
pending rows, states interleaved.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Connection

from homecare._sql.rows import Row, insert_rows, load_in
from homecare.bootstrap import connect
from homecare.outbox import tables as t


@pytest.fixture
def conn(store_url: str) -> Iterator[Connection]:
    with connect(store_url) as hc, hc.database.engine.begin() as connection:
        yield connection


def item(seq: int, customer: UUID, state: str) -> Row:
    return {
        "seq": seq,
        "message_id": uuid4(),
        "kind": "visit_report",
        "customer_id": customer,
        "assignment_id": None,
        "staff_id": None,
        "business_date": date(2026, 3, 2),
        "source_position": seq,
        "facts": {"n": seq},
        "reasons": [],
        "state": state,
        "position": None,
        "payload": None,
        "history": None,
    }


def firsts(rows: list[Row], keys: list[UUID]) -> list[Any]:
    """The definition: of each key's pending rows the one of least seq, by seq."""
    least: dict[UUID, Row] = {}
    for row in sorted(rows, key=lambda r: r["seq"]):
        if row["state"] == "pending" and row["customer_id"] in keys:
            least.setdefault(row["customer_id"], row)
    return sorted((r["seq"], r["customer_id"], r["facts"]) for r in least.values())


@pytest.mark.parametrize("seed", range(4))
def test_the_first_pending_row_of_each_key_as_the_group_by_finds_it(
    conn: Connection, seed: int
) -> None:
    rng = random.Random(seed)
    customers = [uuid4() for _ in range(12)]
    rows = []
    for seq in rng.sample(range(1, 10_000), 600):  # seqs not in the customers' order
        customer = customers[min(int(rng.expovariate(0.4)), 11)]  # long and short queues
        rows.append(item(seq, customer, rng.choice(["pending", "released", "superseded"])))
    insert_rows(conn, t.items, rows)
    keys = [*rng.sample(customers, rng.randint(1, 12)), uuid4()]  # one with no rows
    found = {
        lean: load_in(
            conn,
            t.items,
            "customer_id",
            keys,
            where={"state": "pending"},
            order_by="seq",
            first_of="seq",
            lean=lean,
        )
        for lean in (True, False)
    }
    expected = firsts(rows, keys)
    assert expected  # the case is not empty
    for lean in (True, False):
        assert [(r["seq"], r["customer_id"], r["facts"]) for r in found[lean]] == expected
    assert found[True] == found[False]  # every column read back alike


def test_a_key_given_twice_gives_its_row_once(conn: Connection) -> None:
    customer = uuid4()
    insert_rows(conn, t.items, [item(1, customer, "pending"), item(2, customer, "pending")])
    found = load_in(
        conn,
        t.items,
        "customer_id",
        [customer, customer],
        where={"state": "pending"},
        order_by="seq",
        first_of="seq",
    )
    assert [row["seq"] for row in found] == [1]
