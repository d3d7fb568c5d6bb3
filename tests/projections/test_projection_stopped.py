"""D10: if a projection ever cannot go on, it says which event stopped it, and health knows.

The door refuses what a store cannot carry, so these tests store such an event
the way only a bug or an older release could: around the facade's checks.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from typing import Any

import pytest
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from homecare.bootstrap import Homecare
from homecare.domain import Customer, PersonalIdentityNumber
from homecare.errors import ProjectionStoppedError, StorageError
from homecare.http import ApiToken, create_app
from tests.domain.pnr import VALID, VALID_STAFF, assert_not_shown
from tests.scenario import ACTOR, T0, pair


class Choking:
    """A projection that cannot handle one customer (its error quotes the personnummer)."""

    name = "choking"
    version = 1
    tables = ()
    topics = (get_topic(Customer.Registered),)

    def process(
        self, conn: Connection, events: Sequence[tuple[int, DomainEventProtocol[Any]]]
    ) -> None:
        for _position, event in events:
            customer = isinstance(event, Customer.Registered)
            if customer and event.personnummer == PersonalIdentityNumber(VALID_STAFF):
                raise ValueError(f"cannot handle {VALID_STAFF}")


def everything_shown(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), *traceback.format_exception_only(error)])


def test_D10_a_stopped_projection_names_the_event_and_health_says_so(hc: Homecare) -> None:
    hc.add_projection(Choking())
    pair(hc.app)
    hc.app.register_customer(
        personnummer=VALID_STAFF, name="B", organisation="O", actor=ACTOR, at=T0
    )
    position = hc.app.recorder.max_notification_id()
    with pytest.raises(ProjectionStoppedError) as caught:
        hc.catch_up()
    error = caught.value
    assert isinstance(error, StorageError)
    assert error.code == "projection_stopped"
    assert f"event {position}" in str(error)
    assert get_topic(Customer.Registered) in str(error)
    assert "choking" in str(error)
    assert_not_shown(everything_shown(error), VALID_STAFF)
    (stopped,) = hc.stopped()
    assert (stopped.projection, stopped.position) == ("choking", position)
    # The events before it were projected; the other projections are not held back.
    assert {r.name: r.position() for r in hc.runners}["choking"] == position - 1
    tokens = [ApiToken("ops", "ops-read-only-secret-0123456789")]
    response = TestClient(create_app(hc, tokens)).get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert any(f"event {position}" in line for line in body["stopped"])
    assert VALID_STAFF not in response.text
    ready = TestClient(create_app(hc, tokens)).get("/health/ready")
    assert ready.status_code == 503
    assert any(f"event {position}" in line for line in ready.json()["problems"])


def test_D10_a_column_that_refuses_what_the_domain_accepted_stops_with_a_named_event(
    hc: Homecare,
) -> None:
    """The issue's first fault, stored around the door: 201 characters of organisation.

    PostgreSQL's varchar(200) refuses it; SQLite carries it. Either way no raw driver
    error and no personnummer reaches the caller.
    """
    too_long = Customer(
        personnummer=PersonalIdentityNumber(VALID),
        name="T",
        organisation="O" * 201,
        actor=ACTOR,
        timestamp=T0,
    )
    hc.app.save(too_long)
    position = hc.app.recorder.max_notification_id()
    if hc.database.is_sqlite:
        hc.catch_up()
        assert hc.stopped() == []
        return
    with pytest.raises(ProjectionStoppedError) as caught:
        hc.catch_up()
    assert f"event {position}" in str(caught.value)
    assert_not_shown(everything_shown(caught.value), VALID)
    assert [s.position for s in hc.stopped()] == [position]
    with pytest.raises(ProjectionStoppedError):
        hc.catch_up()  # still stopped, still named


def test_D10_a_missing_table_stops_the_projection_on_both_stores(hc: Homecare) -> None:
    """SQLite says "no such table" with an OperationalError, PostgreSQL with a
    ProgrammingError: both are a damaged schema, not an unreachable store."""
    with hc.database.write_engine.begin() as conn:
        conn.execute(text("DROP TABLE homecare_pause_overview_customers"))
    hc.app.register_customer(personnummer=VALID, name="A", organisation="O", actor=ACTOR, at=T0)
    with pytest.raises(ProjectionStoppedError) as caught:
        hc.catch_up()
    assert "cannot be reached" not in str(caught.value)
    assert [s.projection for s in hc.stopped()] == ["pause_overview"]
