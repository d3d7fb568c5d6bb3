"""R16: a process that is running sees a cull committed by ANOTHER process at its next
read, on every read path (aggregates, the export, a command's cached aggregates), with
no restart and no forget call: the cull generation (`SubjectKeys.refresh`) drops the
cached subject keys and decoded aggregates. Two connected instances on one store stand
for two processes (each has its own caches), on both stores."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from homecare.bootstrap import Homecare, connect
from homecare.domain.assignment import Assignment
from homecare.domain.customer import Customer as CustomerAggregate
from homecare.domain.pause import Pause
from homecare.domain.privacy import CULLED
from homecare.domain.staff import Staff
from homecare.privacy import export
from tests.scenario import ACTOR, Customer, Scenario, local

NAME = "Anna Andersson"
STAFF_NAME = "Sven Svensson"
REASON_TEXT = "Inlagd på Karolinska, avdelning 54"
DECLINED_BY = "Dottern Lisa"
DECLINE_REASON = "Mår illa i dag"


class World:
    """On instance 1: customer A (named, a pause with a reason text, a declined visit,
    a confirmed visit so commands keep A's aggregates) and a named staff member."""

    def __init__(self, hc: Homecare) -> None:
        self.hc = hc
        s = self.s = Scenario(hc.app)
        self.a: Customer = s.customer(name=NAME)
        self.staff = s.staff(name=STAFF_NAME)
        self.pause = s.pause("customer", self.a.id, local(2026, 4, 1), reason_text=REASON_TEXT)
        s.visit(self.a, self.staff, day=date(2026, 3, 2))  # confirm: keeps A's aggregates
        self.declined = s.visit(self.a, self.staff, day=date(2026, 3, 3), until="planned")
        s.at = max(s.at, local(2026, 3, 3, 12))  # a decline is recorded once it happened
        hc.app.record_declined_visit(
            self.declined,
            declined_at=local(2026, 3, 3, 8),
            declined_by=DECLINED_BY,
            reason=DECLINE_REASON,
            actor=ACTOR,
            at=s.tick(),
        )
        hc.catch_up()

    def customer_reads(self) -> dict[str, Any]:
        """What instance 1 shows of A, by every path that opens A's fields."""
        app = self.hc.app
        customer = app.get(CustomerAggregate, self.a.id)
        declined = app.get(Assignment, self.declined)
        loads = app._loads()  # a command's loader: the kept aggregates
        loads.prefetch([self.a.id])
        return {
            "name": customer.name,
            "personnummer": customer.personnummer.value,
            "reason_text": app.get(Pause, self.pause).reason_text,
            "pauses_of_order": [p.reason_text for p in app.pauses_of_order(self.a.order)],
            "declined_by": declined.declined_by,
            "decline_reason": declined.decline_reason,
            "as_of": _name_as_of(self.hc, self.a.id, self.s.tick()),
            "command": loads.load(CustomerAggregate, self.a.id).name,
        }


def _name_as_of(hc: Homecare, customer_id: UUID, at: Any) -> str | None:
    found = hc.app.get_as_of(CustomerAggregate, customer_id, at + timedelta(days=1))
    return None if found is None else found.name


@pytest.fixture
def world(hc: Homecare) -> World:
    return World(hc)


def test_a_cull_by_another_process_is_seen_by_the_next_read(world: World, store_url: str) -> None:
    """R16: instance 1 read A's personal data (and kept A's key and aggregates); instance
    2 culls A; instance 1's next reads show the culled marker on every path."""
    before = world.customer_reads()
    assert before["name"] == NAME
    assert before["command"] == NAME
    assert before["reason_text"] == REASON_TEXT
    assert before["pauses_of_order"] == [REASON_TEXT]
    assert (before["declined_by"], before["decline_reason"]) == (DECLINED_BY, DECLINE_REASON)
    assert world.a.id in world.hc.app._aggregate_cache.known([world.a.id])  # kept, with A's name
    with connect(store_url) as other:
        other.cull(world.a.id, actor="eva", at=world.s.tick())
    after = world.customer_reads()
    assert after["name"] == CULLED.text
    assert after["personnummer"] != before["personnummer"]
    assert after["reason_text"] == CULLED.text
    assert after["pauses_of_order"] == [CULLED.text]
    assert after["declined_by"] == CULLED.text
    assert after["decline_reason"] == CULLED.text
    assert after["as_of"] == CULLED.text
    assert after["command"] == CULLED.text


def test_the_export_shows_a_cull_by_another_process(world: World, store_url: str) -> None:
    """R16 with art. 15: the export read before the cull holds A's data, after it none."""
    first = json.dumps(
        export(world.hc, world.a.id, reader="Eva Handläggare"), default=str, ensure_ascii=False
    )
    assert NAME in first
    assert REASON_TEXT in first
    assert DECLINED_BY in first
    with connect(store_url) as other:
        other.cull(world.a.id, actor="eva", at=world.s.tick())
    again = json.dumps(
        export(world.hc, world.a.id, reader="Eva Handläggare"), default=str, ensure_ascii=False
    )
    for personal in (NAME, REASON_TEXT, DECLINED_BY, DECLINE_REASON):
        assert personal not in again
    assert CULLED.text in again


def test_a_staff_members_cull_by_another_process_is_seen(world: World, store_url: str) -> None:
    """R16: a staff member's name read by instance 1 is the marker once instance 2 culled them."""
    assert world.hc.app.get(Staff, world.staff).name == STAFF_NAME
    with connect(store_url) as other:
        other.cull(world.staff, kind="staff", actor="eva", at=world.s.tick())
    assert world.hc.app.get(Staff, world.staff).name == CULLED.text
    assert world.hc.app.get(CustomerAggregate, world.a.id).name == NAME  # A is not culled
