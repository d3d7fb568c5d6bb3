"""`RowCache.patch`: columns of a row set without reading it (issue 16), on both stores.

A visit's first report sets the visit's report columns; where the row is not held
the page writes one UPDATE of those columns instead of reading the row back. These
check that the stored row ends as a read, change and write would leave it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Connection, select

from homecare._sql.rows import Row, RowCache
from homecare.bootstrap import connect
from homecare.outbox import tables as t

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
END = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def conn(store_url: str) -> Iterator[Connection]:
    with connect(store_url) as hc, hc.database.engine.begin() as connection:
        yield connection


def planned(conn: Connection) -> UUID:
    """A visit's row as planned, stored."""
    visit = uuid4()
    cache = RowCache(conn, t.assignments, "assignment_id")
    cache.add(
        {
            "assignment_id": visit,
            "customer_id": uuid4(),
            "staff_id": uuid4(),
            "performed_start": None,
            "performed_end": None,
            "activities": [],
            "outcome": "performed",
            "confirmed": False,
            "revision": 3,
            "item_seq": 7,
        }
    )
    cache.flush()
    return visit


def stored(conn: Connection, visit: UUID) -> Row:
    query = select(t.assignments).where(t.assignments.c.assignment_id == visit)
    return dict(conn.execute(query).mappings().one())


REPORT = {"performed_start": START, "performed_end": END, "activities": ["cleaning"]}


@pytest.mark.parametrize("lean", [True, False])
def test_a_patch_of_a_row_not_held_sets_only_its_columns(conn: Connection, lean: bool) -> None:
    visit, other = planned(conn), planned(conn)
    before = stored(conn, visit)
    cache = RowCache(conn, t.assignments, "assignment_id", lean=lean)
    cache.patch(visit, REPORT)
    assert len(cache) == (0 if lean else 1)  # lean: not read
    cache.flush()
    assert stored(conn, visit) == {**before, **REPORT}
    assert stored(conn, other)["performed_start"] is None


def test_patches_of_one_row_add_up_and_a_later_read_sees_them(conn: Connection) -> None:
    visit = planned(conn)
    cache = RowCache(conn, t.assignments, "assignment_id")
    cache.patch(visit, {"performed_start": START, "outcome": "declined"})
    cache.patch(visit, {"outcome": "performed", "performed_end": END})
    row = cache.get(visit)
    assert row is not None
    assert (row["performed_start"], row["performed_end"], row["outcome"]) == (
        START,
        END,
        "performed",
    )
    row["revision"] += 1
    cache.changed(row)
    cache.flush()
    assert stored(conn, visit) == {**row, "revision": 4}


def test_a_patch_before_a_prefetch_is_in_the_prefetched_row(conn: Connection) -> None:
    visit = planned(conn)
    cache = RowCache(conn, t.assignments, "assignment_id")
    cache.patch(visit, REPORT)
    (row,) = cache.prefetch([visit])
    assert row["activities"] == ["cleaning"]
    cache.flush()
    assert stored(conn, visit)["performed_end"] == END


def test_a_patch_of_a_held_row_changes_it(conn: Connection) -> None:
    visit = planned(conn)
    cache = RowCache(conn, t.assignments, "assignment_id")
    row = cache.get(visit)
    cache.patch(visit, REPORT)
    assert row is not None
    assert row["performed_start"] == START
    cache.flush()
    assert stored(conn, visit)["performed_start"] == START


def test_a_patch_of_a_row_known_absent_fails(conn: Connection) -> None:
    cache = RowCache(conn, t.assignments, "assignment_id")
    missing = uuid4()
    cache.known_absent(missing)
    with pytest.raises(LookupError):
        cache.patch(missing, REPORT)


def test_a_patch_of_a_row_not_stored_fails_at_the_flush(conn: Connection) -> None:
    """The old path raises LookupError at the patch (it reads the row); the lean one
    cannot know before its UPDATE runs, and raises at the flush instead of changing
    nothing. A consistent log never gets here (a report follows its visit's Planned)."""
    stored_visit = planned(conn)
    cache = RowCache(conn, t.assignments, "assignment_id")
    cache.patch(stored_visit, REPORT)
    cache.patch(uuid4(), REPORT)
    with pytest.raises(LookupError, match=r"assignments: 1 of 2 rows to update are not stored"):
        cache.flush()


def test_a_lone_patch_of_a_row_not_stored_fails_at_the_flush(conn: Connection) -> None:
    cache = RowCache(conn, t.assignments, "assignment_id")
    cache.patch(uuid4(), REPORT)
    with pytest.raises(LookupError, match=r"assignments: 1 of 1 rows to update are not stored"):
        cache.flush()


def test_clearing_with_a_patch_unwritten_fails(conn: Connection) -> None:
    cache = RowCache(conn, t.assignments, "assignment_id")
    cache.patch(planned(conn), REPORT)
    with pytest.raises(RuntimeError):
        cache.clear()
