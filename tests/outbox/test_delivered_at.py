"""Each item records when the city's acknowledgement arrived (issue 13 item 3, R14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from homecare.bootstrap import Homecare
from homecare.errors import InvalidInputError
from homecare.outbox.store import IntegrationStatus
from tests.scenario import Scenario

T1 = datetime(2026, 4, 6, 15, 0, tzinfo=UTC)


def test_r14_the_fetch_that_moves_the_mark_past_an_item_is_its_delivered_at(
    hc: Homecare,
) -> None:
    world = Scenario(hc.app)
    staff = world.staff()
    visits = [world.visit(world.customer(), staff) for _ in range(5)]
    hc.catch_up()
    first = hc.buffer.fetch(limit=3, at=T1)  # hands out 1-3, acknowledges nothing
    assert hc.buffer.delivered_at(1) is None
    second = hc.buffer.fetch(after=first.cursor, limit=3, at=T1 + timedelta(minutes=5))
    assert [hc.buffer.delivered_at(p) for p in (1, 2, 3, 4)] == [T1 + timedelta(minutes=5)] * 3 + [
        None
    ]
    # An older cursor acknowledges nothing new and changes no time.
    hc.buffer.fetch(after=first.cursor, at=T1 + timedelta(minutes=7))
    hc.buffer.fetch(after=second.cursor, at=T1 + timedelta(minutes=10))
    assert hc.buffer.delivered_at(3) == T1 + timedelta(minutes=5)
    assert hc.buffer.delivered_at(5) == T1 + timedelta(minutes=10)
    statuses = {s.assignment_id: s for s in hc.buffer.integration_statuses()}
    assert statuses[visits[0]].status is IntegrationStatus.DELIVERED
    assert statuses[visits[0]].delivered_at == T1 + timedelta(minutes=5)
    assert statuses[visits[4]].delivered_at == T1 + timedelta(minutes=10)
    assert hc.buffer.delivered_position_at(T1 + timedelta(minutes=9)) == 3
    assert hc.buffer.delivered_position_at(T1 + timedelta(minutes=10)) == 5
    assert hc.buffer.delivered_position_at(T1) == 0


def test_r14_without_a_time_the_buffer_clock_stamps_the_receipt(hc: Homecare) -> None:
    world = Scenario(hc.app)
    world.visit(world.customer(), world.staff())
    hc.catch_up()
    before = datetime.now(UTC)
    hc.buffer.fetch(after=hc.buffer.fetch().cursor)
    stamped = hc.buffer.delivered_at(1)
    assert stamped is not None
    assert before <= stamped <= datetime.now(UTC)


def test_a_naive_receipt_time_is_refused(hc: Homecare) -> None:
    with pytest.raises(InvalidInputError, match="time zone"):
        hc.buffer.fetch(at=datetime(2026, 4, 6, 15, 0))
