"""D10 at the buffer's door: a bad argument is `invalid_input` in one line, never a raw
Python error or a storage failure (a host that retries storage errors would retry it
forever); a list of ids of any length is answered the same on both stores (D7).

From the reviewer's t1, t16 and t23: `fetch(at="...")` and `delivered_position_at("...")`
were AttributeErrors, `delivered_at(True)` and `integration_status("<uuid text>")`
StorageErrors, 70,000 ids an OperationalError on PostgreSQL, `due_for_culling` a
TypeError (or a silent [] with retention off).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from homecare.bootstrap import Homecare, connect
from homecare.errors import InvalidInputError
from homecare.outbox.integration import CHUNK
from homecare.settings import Settings
from tests.scenario import Scenario


def _refused(error: pytest.ExceptionInfo[InvalidInputError]) -> None:
    assert error.value.code == "invalid_input"
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("position", [True, "3", 2.0, -1, 10**18, None])
def test_delivered_at_takes_a_whole_number_position(hc: Homecare, position: object) -> None:
    with pytest.raises(InvalidInputError) as refused:
        hc.buffer.delivered_at(position)  # type: ignore[arg-type]
    _refused(refused)


def test_delivered_at_of_any_position_in_range_is_an_answer(hc: Homecare) -> None:
    assert hc.buffer.delivered_at(0) is None
    assert hc.buffer.delivered_at(10**18 - 1) is None


@pytest.mark.parametrize("when", ["2026-03-03", date(2026, 3, 3), datetime(2026, 3, 3), None])
def test_delivered_position_at_takes_an_aware_datetime(hc: Homecare, when: object) -> None:
    with pytest.raises(InvalidInputError) as refused:
        hc.buffer.delivered_position_at(when)  # type: ignore[arg-type]
    _refused(refused)


@pytest.mark.parametrize("assignment_id", ["0f8fad5b-d9cb-469f-a165-70867728950e", 7, None])
def test_integration_status_takes_a_uuid(hc: Homecare, assignment_id: object) -> None:
    with pytest.raises(InvalidInputError) as refused:
        hc.buffer.integration_status(assignment_id)  # type: ignore[arg-type]
    _refused(refused)


@pytest.mark.parametrize(
    "ids",
    [
        "0f8fad5b-d9cb-469f-a165-70867728950e",  # a bare string is not a list of ids
        ["0f8fad5b-d9cb-469f-a165-70867728950e"],
        [uuid4(), True],
        {uuid4(): 1},
        7,
    ],
)
def test_integration_statuses_takes_a_list_of_uuids(hc: Homecare, ids: object) -> None:
    with pytest.raises(InvalidInputError) as refused:
        hc.buffer.integration_statuses(assignment_ids=ids)  # type: ignore[arg-type]
    _refused(refused)


def test_integration_statuses_of_more_ids_than_a_statement_takes(hc: Homecare) -> None:
    """PostgreSQL takes at most 65,535 parameters a statement: the ids are read in chunks."""
    world = Scenario(hc.app)
    staff = world.staff()
    visits = [world.visit(world.customer(), staff) for _ in range(3)]
    hc.catch_up()
    asked = [uuid4() for _ in range(70_000)] + visits + [visits[0]]
    found = hc.buffer.integration_statuses(assignment_ids=asked)
    assert [s.assignment_id for s in found] == sorted(visits, key=lambda u: u.int)
    assert len(asked) > 100 * CHUNK
    assert hc.buffer.integration_statuses(assignment_ids=[]) == []
    assert (
        hc.buffer.integration_statuses(assignment_ids=iter(visits[:1]))[0].assignment_id
        == (visits[0])
    )
    # in id order, with or without ids asked for
    assert [s.assignment_id for s in hc.buffer.integration_statuses()] == [
        s.assignment_id for s in found
    ]


@pytest.mark.parametrize("retention", [None, 2])
@pytest.mark.parametrize(
    "today", ["2040-01-01", datetime(2040, 1, 1), datetime.now(UTC), None, date(1, 1, 1)]
)
def test_due_for_culling_takes_a_day_policy_on_or_off(
    store_url: str, retention: int | None, today: object
) -> None:
    with connect(settings=Settings.load(database_url=store_url, retention_years=retention)) as hc:
        Scenario(hc.app).customer()
        with pytest.raises(InvalidInputError) as refused:
            hc.due_for_culling(today)  # type: ignore[arg-type]
        _refused(refused)
        assert isinstance(hc.due_for_culling(date(2040, 1, 1)), list)


@pytest.mark.parametrize("flag", ["no", 0, None])
def test_the_pause_overview_takes_a_bool_to_include_ended_pauses(
    hc: Homecare, flag: object
) -> None:
    """`include_inactive="no"` was read as true: the ended pauses shown."""
    with pytest.raises(InvalidInputError) as refused:
        hc.pauses.list(
            period_from=date(2026, 3, 1),
            period_to=date(2026, 3, 31),
            now=datetime(2026, 3, 20, tzinfo=UTC),
            include_inactive=flag,  # type: ignore[arg-type]
        )
    _refused(refused)
