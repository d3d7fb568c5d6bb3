"""R16 end to end: culling a customer records it, destroys their key, withdraws what the
city has not fetched and overwrites their personal data in the read models; idempotent;
a replay gives the same rows (audit verify), on both stores."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from homecare import audit
from homecare.bootstrap import Homecare, connect
from homecare.domain.culling import Culling, CullingReason
from homecare.domain.privacy import CULLED
from homecare.domain.retention import DEFAULT_LEGAL_BASIS
from homecare.errors import InvalidInputError, NotFoundError
from homecare.outbox.integration import IntegrationStatus
from homecare.outbox.item_status import ItemStatus
from tests.scenario import ACTOR, Customer, Scenario, local, pnr

REASON_TEXT = "Inlagd på Karolinska, avdelning 54"


class World:
    """Customer A (to be culled): one visit fetched by the city, one queued, one held,
    and a pause with a reason text; customer B: one visit queued."""

    def __init__(self, hc: Homecare) -> None:
        self.hc = hc
        s = self.s = Scenario(hc.app)
        self.a: Customer = s.customer()
        self.b: Customer = s.customer()
        staff = s.staff()
        self.fetched = s.visit(self.a, staff, day=date(2026, 3, 2))
        hc.catch_up()
        first = hc.buffer.fetch()
        self.cursor = hc.buffer.fetch(first.cursor).cursor  # acknowledges the first
        self.queued = s.visit(self.a, staff, day=date(2026, 3, 3))
        self.held = s.visit(self.a, staff, day=date(2026, 3, 4), activities=("laundry",))
        self.other = s.visit(self.b, staff, day=date(2026, 3, 3))
        s.pause("customer", self.a.id, local(2026, 4, 1), reason_text=REASON_TEXT)
        hc.catch_up()

    def cull(self) -> object:
        return self.hc.cull(self.a.id, actor="arkivarie", at=self.s.tick())


@pytest.fixture
def world(hc: Homecare) -> World:
    return World(hc)


def test_culling_withdraws_what_the_city_has_not_fetched(world: World) -> None:
    hc = world.hc
    assert hc.buffer.integration_status(world.queued).status is IntegrationStatus.QUEUED
    result = world.cull()
    assert hc.buffer.integration_status(world.fetched).status is IntegrationStatus.DELIVERED
    for visit in (world.queued, world.held):
        status = hc.buffer.integration_status(visit)
        assert status.status is IntegrationStatus.WITHDRAWN
        assert status.reasons == []
    march = {item.assignment_id: item.status for item in hc.buffer.month(2026, 3)}
    assert march[world.queued] is ItemStatus.WITHDRAWN
    assert march[world.held] is ItemStatus.WITHDRAWN
    assert march[world.other] is ItemStatus.QUEUED
    assert all(i.customer != world.a.id for g in hc.buffer.problems() for i in g.items)
    deadline = hc.month_close.deadline(2026, 3, now=local(2026, 4, 1))  # R14: not at risk
    assert [i.assignment_id for g in deadline.groups for i in g.items] == [world.other]
    served = hc.buffer.fetch(world.cursor).items
    assert [m.customer for m in served] == [world.b.id]  # never the withdrawn ones
    assert result is not None


def test_culling_overwrites_the_personal_data_of_the_read_models(world: World) -> None:
    hc = world.hc
    world.cull()
    dump = hc.buffer.dump()
    (customer,) = [r for r in dump["homecare_buffer_customers"] if r["customer_id"] == world.a.id]
    assert customer["personnummer"] == CULLED.text  # dump opens sealed columns
    items = [r for r in dump["homecare_buffer_items"] if r["customer_id"] == world.a.id]
    payloads = [r["payload"] for r in items if r["payload"]]
    assert len(payloads) == 1  # the fetched one; the withdrawn ones have none
    assert pnr(0) not in payloads[0]
    assert '"customer_personnummer":"culled"' in payloads[0]
    pauses = hc.pauses.list(
        period_from=date(2026, 4, 1), period_to=date(2026, 4, 30), now=world.s.at
    )
    assert [(p.customer_id, p.reason_text) for p in pauses] == [(world.a.id, CULLED.text)]


def test_culling_is_recorded_once_and_again_is_a_no_op(world: World) -> None:
    first = world.cull()
    again = world.cull()
    assert (first.recorded, first.key_destroyed, first.scrubbed) == (True, True, True)
    assert (again.recorded, again.key_destroyed, again.scrubbed) == (False, False, True)
    record = world.hc.app.get(Culling, Culling.id_for(world.a.id))
    assert (record.subject_id, record.reason, record.actor) == (
        world.a.id,
        CullingReason.ON_DEMAND,
        "arkivarie",
    )
    assert record.legal_basis == DEFAULT_LEGAL_BASIS
    assert [c.subject_id for c in world.hc.subject_keys.culled()] == [world.a.id]


def test_a_crash_between_record_and_key_is_finished_by_culling_again(world: World) -> None:
    hc = world.hc
    recorded = hc.app.record_culling(
        world.a.id,
        subject_kind="customer",
        reason="on_demand",
        legal_basis="test",
        fetched_up_to=hc.buffer.delivered_position(),
        actor=ACTOR,
        at=world.s.tick(),
    )
    assert recorded.new
    assert hc.subject_keys.culled() == []  # the crash: the key was not destroyed
    again = world.cull()
    assert (again.recorded, again.key_destroyed) == (False, True)
    assert [c.subject_id for c in hc.subject_keys.culled()] == [world.a.id]


def test_a_replay_gives_the_same_rows_after_a_cull(world: World) -> None:
    world.cull()
    report = audit.verify(world.hc)
    assert report.identical, report.describe()


def test_bad_and_unknown_subjects_are_refused(hc: Homecare) -> None:
    with pytest.raises(InvalidInputError):
        hc.cull("not-a-uuid", actor=ACTOR, at=local(2026, 3, 1))  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        hc.cull(uuid4(), actor=ACTOR, at=local(2026, 3, 1))
    assert hc.subject_keys.culled() == []


def test_the_policy_lists_who_is_due_and_why(store_url: str) -> None:
    with connect(store_url) as hc:
        s = Scenario(hc.app)
        kept = s.customer()
        assert hc.due_for_culling(date(2040, 1, 1)) == []  # the policy is off
    with connect(store_url) as hc:
        hc.settings = hc.settings.model_copy(update={"retention_years": 5})
        due = hc.due_for_culling((s.at + timedelta(days=5 * 366)).date())
        assert {d.subject_id for d in due} == {kept.id}
        assert "5 years after the last entry" in due[0].due.reason


def test_a_visit_confirmed_after_the_cull_is_withdrawn_not_sent(world: World) -> None:
    hc = world.hc
    world.cull()
    later = world.s.visit(world.a, world.s.staff(), day=date(2026, 3, 5))
    hc.catch_up()
    assert hc.buffer.integration_status(later).status is IntegrationStatus.WITHDRAWN
    served = hc.buffer.fetch(world.cursor).items
    assert [m.customer for m in served] == [world.b.id]
    assert audit.verify(hc).identical


def test_culling_a_staff_member_overwrites_their_number_and_withdraws_their_unfetched_visits(
    world: World,
) -> None:
    """R16: the visit reports the city fetched keep their place with the marker; the rest
    are withdrawn (tests/privacy/test_cull_staff.py has the staff member's cases)."""
    hc = world.hc
    (staff,) = {s.staff_id for s in hc.buffer.integration_statuses() if s.staff_id}
    result = hc.cull(staff, kind="staff", actor="arkivarie", at=world.s.tick())
    assert (result.kind, result.recorded, result.key_destroyed) == ("staff", True, True)
    dump = hc.buffer.dump()
    assert [r["personnummer"] for r in dump["homecare_buffer_staff"]] == [CULLED.text]
    payloads = [r["payload"] for r in dump["homecare_buffer_items"] if r["payload"]]
    assert payloads
    assert all(pnr(501) not in p and pnr(501).replace("-", "") not in p for p in payloads)
    reports = [p for p in payloads if '"kind":"visit_report"' in p]
    assert len(reports) == 1  # the fetched one
    assert all('"staff_personnummer":"culled"' in p for p in reports)
    assert hc.buffer.integration_status(world.fetched).status is IntegrationStatus.DELIVERED
    for visit in (world.queued, world.held, world.other):
        assert hc.buffer.integration_status(visit).status is IntegrationStatus.WITHDRAWN
    # the pause message waited behind the held visit (D4): released now, and served
    served = hc.buffer.fetch(world.cursor).items
    assert [(m.customer, m.kind) for m in served] == [(world.a.id, "customer_pause")]
    assert audit.verify(hc).identical
