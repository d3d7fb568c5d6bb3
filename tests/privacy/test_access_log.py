"""R17: the access log records who read whom, when, what and why; reviewed by month.

Both stores. Month boundaries are Stockholm's: a read at 23:30 UTC on the last
day of a winter month is already in the next month.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from homecare._es.sealing import Sealer
from homecare._sql.database import Database
from homecare.domain.month import Month
from homecare.domain.privacy import SubjectKind
from homecare.privacy import Access, AccessEntry, AccessLog, Channel, access_log, reads

ANNA, BERTIL = uuid4(), uuid4()
CLEAR = Sealer(None)  # a store without a cipher key


def read(reader: str, subject: UUID, at: datetime, *, what: str = "customer") -> Access:
    return Access(
        reader=reader,
        subject_id=subject,
        subject_kind=SubjectKind.CUSTOMER,
        what=what,
        purpose="planning visits",
        channel=Channel.FACADE,
        at=at,
    )


def test_entries_come_back_as_recorded_in_order_by_subject_and_by_month(
    database: Database,
) -> None:
    log = AccessLog(database, CLEAR)
    first = read("eva", ANNA, datetime(2026, 1, 31, 22, 30, tzinfo=UTC))  # 23:30 Stockholm
    second = read("eva", BERTIL, datetime(2026, 1, 31, 23, 30, tzinfo=UTC), what="history")
    assert log.record([first, second]) == 2
    with database.write_engine.begin() as conn:  # in the caller's transaction
        assert log.record([read("olle", ANNA, datetime(2026, 2, 3, tzinfo=UTC))], conn=conn) == 1
    assert log.record([]) == 0

    everything = log.entries()
    assert [(e.id, e.reader, e.subject_id, e.what) for e in everything] == [
        (1, "eva", ANNA, "customer"),
        (2, "eva", BERTIL, "history"),
        (3, "olle", ANNA, "customer"),
    ]
    assert everything[0] == AccessEntry(**first.model_dump(exclude={"at"}), id=1, at=first.at)
    assert [e.id for e in log.entries(subject=ANNA)] == [1, 3]
    assert [e.id for e in log.entries(month=Month(2026, 1))] == [1]
    assert [e.id for e in log.entries(month=Month(2026, 2))] == [2, 3]
    assert [e.id for e in log.entries(subject=ANNA, month=Month(2026, 2))] == [3]


def test_an_entry_without_a_time_is_recorded_now(database: Database) -> None:
    log = AccessLog(database, CLEAR)
    before = datetime.now(UTC)
    log.record([read("eva", ANNA, before).model_copy(update={"at": None})])
    (entry,) = log.entries()
    assert before <= entry.at <= datetime.now(UTC)


def test_the_log_holds_ids_and_codes_only(database: Database) -> None:
    AccessLog(database, CLEAR).record([read("eva", ANNA, datetime(2026, 1, 5, tzinfo=UTC))])
    with database.engine.connect() as conn:
        row = conn.execute(select(access_log)).mappings().one()
    assert set(row) == {
        "id", "at", "reader", "subject_id", "subject_kind", "what", "purpose", "channel",
        "sealed",
    }  # fmt: skip
    assert (row["subject_kind"], row["channel"]) == ("customer", "facade")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reader", ""),
        ("reader", "eva\nolle"),
        ("what", "Customer view"),
        ("purpose", "x" * 201),
        ("channel", "email"),
        ("subject_kind", "relative"),
    ],
)
def test_malformed_entries_are_refused_before_anything_is_written(field: str, value: str) -> None:
    fields = read("eva", ANNA, datetime(2026, 1, 5, tzinfo=UTC)).model_dump() | {field: value}
    with pytest.raises(ValidationError):
        Access(**fields)


def test_the_monthly_review_counts_who_read_whom_and_flags_unusual_volumes(
    database: Database,
) -> None:
    log = AccessLog(database, CLEAR)
    day = datetime(2026, 3, 10, 9, tzinfo=UTC)
    many = [uuid4() for _ in range(40)]
    entries = [read("eva", ANNA, day)] * 3 + [read("olle", BERTIL, day)] * 2
    entries += [read("stina", ANNA, day), read("stina", BERTIL, day)]
    entries += [read("nattpass", subject, day) for subject in many]
    entries.append(read("eva", ANNA, datetime(2026, 4, 2, tzinfo=UTC)))  # another month
    log.record(entries)

    review = log.review(Month(2026, 3), threshold=500, factor=3)
    assert review.month == "2026-03"
    assert review.reads == 47
    assert [(r.reader, r.reads, r.subjects) for r in review.readers] == [
        ("nattpass", 40, 40),
        ("eva", 3, 1),
        ("olle", 2, 1),
        ("stina", 2, 2),
    ]
    assert review.median_reads == 2.5
    assert [(r.reader, r.why) for r in review.unusual] == [
        ("nattpass", "40 reads: more than 3 x the median (2.5)")
    ]
    eva = [(p.subject_id, p.reads) for p in review.pairs if p.reader == "eva"]
    assert eva == [(ANNA, 3)]
    assert len(review.pairs) == 1 + 1 + 2 + 40
    assert [r.reader for r in log.review(Month(2026, 3), threshold=3).unusual] == [
        "nattpass",
        "eva",
    ]
    assert log.review(Month(2026, 5)).readers == []


def test_one_reader_reading_many_subjects_is_one_entry_each(database: Database) -> None:
    at = datetime(2026, 3, 3, 7, tzinfo=UTC)
    entries = reads(
        [(ANNA, SubjectKind.CUSTOMER), (BERTIL, SubjectKind.STAFF)],
        reader="city",
        what="fetch",
        purpose="the city's poll",
        channel=Channel.HTTP,
        at=at,
    )
    assert AccessLog(database, CLEAR).record(entries) == 2
    assert [
        (e.subject_id, e.subject_kind, e.what, e.at) for e in AccessLog(database, CLEAR).entries()
    ] == [
        (ANNA, SubjectKind.CUSTOMER, "fetch", at),
        (BERTIL, SubjectKind.STAFF, "fetch", at),
    ]
