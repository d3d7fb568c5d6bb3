"""R17: a read through `app.reading(...)` is recorded however the block is used.

The reviewer's cases: `r = app.reading(...); r.get(Customer, id).name` returned the name
and recorded nothing, ever; after `with app.reading(...) as r: pass`, `r.get(...)` still
returned data, unrecorded; a block that read, printed and then raised recorded nothing
(the batch was written only when the block ended without an error). Now a read outside
the block is ReadingClosedError, a `get` is recorded before it returns, and what was
noted is recorded when the block ends, by an error too. Both stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import pytest
from sqlalchemy.exc import OperationalError

from homecare.audit import history
from homecare.bootstrap import Homecare
from homecare.domain.customer import Customer
from homecare.domain.privacy import SubjectKind
from homecare.errors import ReadingClosedError, StorageError
from homecare.privacy import AccessLog
from tests.privacy.test_read_paths import NAME, logged
from tests.scenario import Scenario


@dataclass(frozen=True)
class World:
    customer: UUID
    staff: UUID
    at: datetime


@pytest.fixture
def world(hc: Homecare) -> World:
    """A customer and a staff member with a visit on 2026-03-02; no entries yet."""
    s = Scenario(hc.app)
    c = s.customer(name=NAME, organisation="Team Norr")
    k = s.staff(name="Anna Andersson")
    s.visit(c, k, day=date(2026, 3, 2))
    hc.catch_up()
    return World(c.id, k, s.at)


def _read_then_fail(hc: Homecare, world: World, shown: list[str]) -> None:
    with hc.app.reading(reader="eve", purpose="curiosity", what="customer") as r:
        shown.append(r.get(Customer, world.customer).name)
        assert [row[0] for row in logged(hc)] == ["eve"]  # recorded before it returned
        r.note([(world.staff, SubjectKind.STAFF)])
        raise RuntimeError("host failed rendering")


def _read(hc: Homecare, world: World, shown: list[str]) -> None:
    with hc.app.reading(reader="eve", purpose="curiosity", what="customer") as r:
        shown.append(r.get(Customer, world.customer).name)


def _note_then_break_then_fail(hc: Homecare, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    with hc.app.reading(reader="eve", purpose="curiosity", what="customer") as r:
        r.note([(world.customer, SubjectKind.CUSTOMER)])
        monkeypatch.setattr(AccessLog, "record", _broken)
        raise RuntimeError("host failed rendering")


def _broken(*_args: object, **_kwargs: object) -> int:
    raise OperationalError("INSERT", {}, Exception("disk full"))


def test_R17_a_read_before_the_block_is_refused_and_reads_nothing(
    hc: Homecare, world: World
) -> None:
    r = hc.app.reading(reader="eve", purpose="curiosity", what="customer")
    with pytest.raises(ReadingClosedError, match="not open") as refused:
        r.get(Customer, world.customer)
    assert refused.value.code == "reading_closed"
    assert NAME not in str(refused.value)
    with pytest.raises(ReadingClosedError):
        r.get_as_of(Customer, world.customer, world.at)
    with pytest.raises(ReadingClosedError):
        r.note([(world.customer, SubjectKind.CUSTOMER)])
    assert logged(hc) == []


def test_R17_a_read_after_the_block_is_refused_and_the_block_is_not_reopened(
    hc: Homecare, world: World
) -> None:
    with hc.app.reading(reader="eve", purpose="curiosity", what="customer") as r:
        pass
    with pytest.raises(ReadingClosedError, match="has ended"):
        r.get(Customer, world.customer)
    with pytest.raises(ReadingClosedError, match="has ended"), r:
        pass
    assert logged(hc) == []


def test_R17_a_block_that_raises_after_reading_still_records_what_it_read(
    hc: Homecare, world: World
) -> None:
    shown: list[str] = []
    with pytest.raises(RuntimeError, match="host failed rendering"):
        _read_then_fail(hc, world, shown)
    assert shown == [NAME]
    assert logged(hc) == [
        ("eve", world.customer, "customer", "customer", "curiosity", "facade"),
        ("eve", world.staff, "staff", "customer", "curiosity", "facade"),
    ]


def test_R17_each_subject_once_per_reading_also_when_the_block_is_handed_on(
    hc: Homecare, world: World
) -> None:
    with hc.app.reading(reader="ulla", purpose="complaint 2026-17", what="history") as r:
        r.get(Customer, world.customer)
        history(hc, world.customer, within=r)  # re-enters the reading: still open after
        r.note([(world.customer, SubjectKind.CUSTOMER), (world.staff, SubjectKind.STAFF)])
        r.get(Customer, world.customer)
    assert logged(hc) == [
        ("ulla", world.customer, "customer", "history", "complaint 2026-17", "facade"),
        ("ulla", world.staff, "staff", "history", "complaint 2026-17", "facade"),
    ]


def test_R17_a_get_in_a_block_whose_entry_cannot_be_written_returns_nothing(
    hc: Homecare, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AccessLog, "record", _broken)
    shown: list[str] = []
    with pytest.raises(StorageError, match="access-log entry"):
        _read(hc, world, shown)
    assert shown == []


def test_R17_a_block_that_raises_and_cannot_record_says_so(
    hc: Homecare, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(StorageError, match="access-log entry") as failed:
        _note_then_break_then_fail(hc, world, monkeypatch)
    chain: list[type[BaseException]] = []
    error = failed.value.__context__
    while error is not None:
        chain.append(type(error))
        error = error.__context__
    assert RuntimeError in chain  # the block's error, kept as the context
