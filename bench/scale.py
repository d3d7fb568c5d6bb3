"""A log of millions of events, built in minutes: real events cloned by bulk insert.

The seed is real: the demo's provider (customers, decisions, contracts, orders,
staff, shifts, planned, performed, attested, declined, corrected and confirmed
visits, pauses created, changed and cancelled) written through the facade into
a SQLite file once. Its stored events are then cloned: clone k replaces the
first 8 hex digits of every id in the log (32 hex digits, in the row and inside
the stored state) with k, so each clone is a new, self-consistent set of
customers, visits and pauses. The clones are interleaved in chunks of the seed
(chunk 1 of every clone, then chunk 2, ...), so the whole city moves through
time together as a real log would, and written with explicit positions:
`executemany` on SQLite (synchronous off), `COPY` on PostgreSQL (then the
position sequence is set past the end).
"""

from __future__ import annotations

import pickle
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url
from stores import init_store

from homecare.bootstrap import connect
from homecare.demo.run import run_demo

ID = re.compile(rb"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
CHUNK = 500
"""Seed events per chunk when interleaving the clones."""

Row = tuple[str, int, str, bytes]
"""A stored event: originator id (32 hex), version, topic, state."""


def make_seed(customers: int, days: int, cache: str | None = None) -> list[Row]:
    """The demo's stored events for `customers` over `days`, in log order; kept in (and
    read back from) the pickle file `cache` if given, to run stores side by side."""
    if cache and Path(cache).exists():
        rows: list[Row] = pickle.loads(Path(cache).read_bytes())
        return rows
    rows = _demo_rows(customers, days)
    if cache:
        Path(cache).write_bytes(pickle.dumps(rows))
    return rows


def _demo_rows(customers: int, days: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        url = init_store(f"sqlite:///{folder}/seed.db")
        with connect(url) as hc:
            run_demo(hc, customers=customers, days=days, drain=False)
        conn = sqlite3.connect(f"{folder}/seed.db")
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid"
        ).fetchall()
        conn.close()
    return [(str(r[0]).replace("-", ""), int(r[1]), str(r[2]), bytes(r[3])) for r in rows]


class Template:
    """A seed event split around its ids, so clone k is one `bytes.join` away."""

    __slots__ = ("id_tail", "segments", "topic", "version")

    def __init__(self, row: Row) -> None:
        originator, self.version, self.topic, state = row
        self.id_tail = originator[8:]
        pieces, last = [], 0
        for match in ID.finditer(state):
            pieces.append(state[last : match.start()])
            last = match.start() + 8  # the id's tail stays; its head becomes the clone's
        pieces.append(state[last:])
        self.segments = pieces

    def clone(self, head: bytes) -> tuple[str, int, str, bytes]:
        return head.decode() + self.id_tail, self.version, self.topic, head.join(self.segments)


def clones(seed: list[Row], count: int) -> Iterator[tuple[int, str, int, str, bytes]]:
    """`count` clones of the seed, interleaved by chunk, with positions from 1."""
    templates = [Template(row) for row in seed]
    heads = [b"%08x" % k for k in range(count)]
    position = 0
    for first in range(0, len(templates), CHUNK):
        chunk = templates[first : first + CHUNK]
        for head in heads:
            for template in chunk:
                position += 1
                yield (position, *template.clone(head))


def build(url: str, seed: list[Row], events: int) -> int:
    """Fill the empty store at `url` with at least `events` cloned events; returns how many."""
    count = max(1, -(-events // len(seed)))
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _fill_sqlite(str(parsed.database), clones(seed, count))
    else:
        _fill_postgres(parsed.set(drivername="postgresql").render_as_string(False), seed, count)
    return count * len(seed)


def _fill_sqlite(path: str, rows: Iterator[tuple[int, str, int, str, bytes]]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    insert = (
        "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?, ?)"
    )
    batch: list[tuple[int, str, int, str, bytes]] = []
    with conn:
        for row in rows:
            batch.append(row)
            if len(batch) >= 100_000:
                conn.executemany(insert, batch)
                batch.clear()
        conn.executemany(insert, batch)
    conn.close()


def _fill_postgres(dsn: str, seed: list[Row], count: int) -> None:
    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cur:
            columns = "notification_id, originator_id, originator_version, topic, state"
            with cur.copy(f"COPY homecare_events ({columns}) FROM STDIN") as copy:
                lines: list[str] = []
                for position, originator, version, topic, state in clones(seed, count):
                    lines.append(
                        f"{position}\t{originator}\t{version}\t{topic}\t\\\\x{state.hex()}\n"
                    )
                    if len(lines) >= 20_000:
                        copy.write("".join(lines))
                        lines.clear()
                copy.write("".join(lines))
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('homecare_events', 'notification_id'), "
                "(SELECT max(notification_id) FROM homecare_events))"
            )
        conn.execute("ANALYZE homecare_events")


def seed_store(folder: Path) -> str:
    """An initialised SQLite store's URL in `folder` (for tests)."""
    return init_store(f"sqlite:///{folder}/scale.db")
