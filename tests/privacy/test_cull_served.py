"""R16 with R4, R14, D3: what the city has been SERVED, acknowledged or not, is not withdrawn
by a cull. The culling records the served mark (`fetched_up_to`), so an item served and
acknowledged after the cull is delivered, with the culled marker in its payload; for a
culled customer and a culled staff member, on both stores, audit verify identical. Also: a
pause reconciliation with a withdrawn pause message (R12), and an acknowledgement of an item
withdrawn after it was served (the race in docs/privacy.md, "Culling")."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from homecare import audit
from homecare.bootstrap import Homecare
from homecare.domain.privacy import CULLED
from homecare.outbox.delivery import served_position
from homecare.outbox.integration import IntegrationStatus
from homecare.outbox.item_status import ItemStatus
from tests.scenario import Scenario, local, pnr

REASON_TEXT = "Inlagd på Södersjukhuset"


class Served:
    """Customer A and staff S: `served` (A by S) and `other` (B by T) served to the city
    in one fetch, not yet acknowledged (its cursor is `cursor`); `later` (A by S) queued
    after it, never served; a pause of A (April), never served."""

    def __init__(self, hc: Homecare) -> None:
        self.hc = hc
        s = self.s = Scenario(hc.app)
        self.a, self.b = s.customer(), s.customer()
        self.staff, self.kept = s.staff(), s.staff()
        self.served = s.visit(self.a, self.staff, day=date(2026, 3, 2))
        self.other = s.visit(self.b, self.kept, day=date(2026, 3, 3))
        hc.catch_up()
        page = hc.buffer.fetch(limit=2)
        assert [m.customer for m in page.items] == [self.a.id, self.b.id]
        self.cursor = page.cursor
        self.later = s.visit(self.a, self.staff, day=date(2026, 3, 4))
        self.pause = s.pause(
            "customer", self.a.id, local(2026, 4, 1), local(2026, 4, 3), reason_text=REASON_TEXT
        )
        hc.catch_up()

    def cull(self, kind: str) -> Any:
        subject = self.a.id if kind == "customer" else self.staff
        return self.hc.cull(subject, kind=kind, actor="arkivarie", at=self.s.tick())

    def payload(self, visit: UUID) -> str:
        rows = self.hc.buffer.dump()["homecare_buffer_items"]
        (row,) = [r for r in rows if r["assignment_id"] == visit]
        return str(row["payload"])


@pytest.fixture
def world(hc: Homecare) -> Served:
    return Served(hc)


@pytest.mark.parametrize(
    ("kind", "field"), [("customer", "customer_personnummer"), ("staff", "staff_personnummer")]
)
def test_served_then_culled_then_acknowledged_is_delivered_with_the_marker(
    world: Served, kind: str, field: str
) -> None:
    """The reviewer's repro: fetch --limit 2, cull, fetch --after 2."""
    hc = world.hc
    assert hc.buffer.integration_status(world.served).status is IntegrationStatus.QUEUED
    with hc.buffer.database.engine.connect() as conn:
        assert served_position(conn) == 2  # served, not acknowledged
    assert hc.buffer.delivered_position() == 0
    world.cull(kind)
    # served: kept in place (not withdrawn), the number overwritten; never served: withdrawn
    assert hc.buffer.integration_status(world.served).status is IntegrationStatus.QUEUED
    assert f'"{field}":"{CULLED.text}"' in world.payload(world.served)
    assert pnr(0) not in world.payload(world.served)
    assert hc.buffer.integration_status(world.later).status is IntegrationStatus.WITHDRAWN
    rest = hc.buffer.fetch(world.cursor).items  # acknowledges 1 and 2
    # a culled staff member's cull leaves the customer's pause message; nothing else follows
    assert [m.kind for m in rest] == ([] if kind == "customer" else ["customer_pause"])
    found = hc.buffer.integration_status(world.served)
    assert found.status is IntegrationStatus.DELIVERED  # R4: the city holds it
    assert found.delivered_at is not None
    assert hc.buffer.integration_status(world.other).status is IntegrationStatus.DELIVERED
    march = {i.assignment_id: i.status for i in hc.buffer.month(2026, 3)}
    assert march == {world.later: ItemStatus.WITHDRAWN}  # R4: nothing else undelivered
    total = hc.month_close.report(2026, 3).total  # R14: counted as delivered
    assert (total.visits_confirmed, total.visits_delivered_after_run) == (2, 2)
    assert hc.month_close.deadline(2026, 3, now=local(2026, 4, 1)).not_delivered == 0
    report = audit.verify(hc)
    assert report.identical, report.describe()


def test_a_reconciliation_shows_a_withdrawn_pause_message(world: Served) -> None:
    """R12 after a cull: the culled customer's pause message (never served) is withdrawn;
    the reconciliation runs, for the month and for the customer, and shows it so."""
    hc = world.hc
    world.cull("customer")
    after = local(2026, 5, 1)
    whole = hc.month_close.reconcile_pauses(year=2026, month=4, now=after)
    assert world.a.id in {c.customer for c in whole.customers}
    one = hc.month_close.reconcile_pauses(customer_id=world.a.id, year=2026, month=4, now=after)
    (customer,) = one.customers
    (pause,) = customer.inactivated_pauses
    assert [m.status for m in pause.messages] == ["withdrawn"]
    assert customer.city_holds == []  # a withdrawn message was never sent
    # the days the pause implies differ, because its message was withdrawn (R16)
    assert customer.differences
    withdrawn = [m.message_id for m in pause.messages]
    assert {(d.side, d.cause) for d in customer.differences} == {("missing_at_city", "withdrawn")}
    assert all(d.messages == withdrawn for d in customer.differences)
    report = audit.verify(hc)
    assert report.identical, report.describe()


def test_an_item_served_after_the_record_and_withdrawn_does_not_break_the_cursor(
    world: Served,
) -> None:
    """The race (docs/privacy.md, "Culling"): the record is written with the served mark,
    a fetch serves the subject's item before the buffer has projected the record, the
    projection then withdraws it. The city's acknowledgement of it is accepted, its cursor
    chains, and the item is never shown as delivered nor served again."""
    hc = world.hc
    hc.app.record_culling(
        world.a.id,
        subject_kind="customer",
        reason="on_demand",
        legal_basis="test",
        fetched_up_to=2,
        actor="arkivarie",
        at=world.s.tick(),
    )
    raced = hc.buffer.fetch(world.cursor)  # before the projection: `later` served in full
    assert [m.customer for m in raced.items] == [world.a.id, world.a.id]  # later, the pause
    done = world.cull("customer")  # finds the record, destroys the key, projects
    assert done.recorded is False
    assert hc.buffer.integration_status(world.later).status is IntegrationStatus.WITHDRAWN
    newer = world.s.visit(world.b, world.kept, day=date(2026, 3, 5))
    hc.catch_up()
    following = hc.buffer.fetch(raced.cursor)  # acknowledges the withdrawn ones: no error
    assert [getattr(m, "assignment_id", None) for m in following.items] == [newer]
    assert hc.buffer.fetch(following.cursor).items == []
    status = hc.buffer.integration_status(world.later)
    assert status.status is IntegrationStatus.WITHDRAWN  # never counted as delivered
    report = audit.verify(hc)
    assert report.identical, report.describe()
