"""R16 for a staff member: their visit reports the city has not fetched are withdrawn (as a
culled customer's items are), the fetched ones keep their place with the culled marker, and
a visit of theirs released later is withdrawn at release; a replay gives the same rows
(audit verify), on both stores, with and without a cipher key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

import pytest

from homecare import audit
from homecare.bootstrap import Homecare, connect
from homecare.domain.privacy import CULLED
from homecare.outbox.integration import IntegrationStatus
from homecare.outbox.item_status import ItemStatus
from tests.privacy.conftest import KEY_A
from tests.scenario import ACTOR, Scenario, local, pnr

BEFORE_RUN = local(2026, 4, 1)


class StaffWorld:
    """Staff S (to be culled, `pnr(501)`) and T (kept); customers A and B.

    S: `fetched` (A, fetched by the city), `queued` (B, released), `held` (A, an activity
    not granted), `attested` (B, not confirmed yet). T: `behind` (A, waits behind `held`,
    D4) and `other` (B, released)."""

    def __init__(self, hc: Homecare) -> None:
        self.hc = hc
        s = self.s = Scenario(hc.app)
        self.a, self.b = s.customer(), s.customer()
        self.staff, self.kept = s.staff(), s.staff()
        self.fetched = s.visit(self.a, self.staff, day=date(2026, 3, 2))
        hc.catch_up()
        self.cursor = hc.buffer.fetch(hc.buffer.fetch().cursor).cursor
        self.queued = s.visit(self.b, self.staff, day=date(2026, 3, 3))
        self.held = s.visit(self.a, self.staff, day=date(2026, 3, 4), activities=("laundry",))
        self.behind = s.visit(self.a, self.kept, day=date(2026, 3, 5))
        self.other = s.visit(self.b, self.kept, day=date(2026, 3, 6))
        self.attested = s.visit(self.b, self.staff, day=date(2026, 3, 9), until="attested")
        hc.catch_up()

    def cull(self) -> Any:
        return self.hc.cull(self.staff, kind="staff", actor="arkivarie", at=self.s.tick())

    def status(self, visit: UUID) -> IntegrationStatus:
        return self.hc.buffer.integration_status(visit).status

    def items(self) -> dict[UUID, dict[str, Any]]:
        """The visit reports by visit (the latest), as the dump shows them (opened)."""
        rows = self.hc.buffer.dump()["homecare_buffer_items"]
        return {r["assignment_id"]: r for r in sorted(rows, key=lambda r: r["seq"])}

    def at_risk(self) -> set[UUID | None]:
        """R14: the visits of March at risk before its payment run."""
        deadline = self.hc.month_close.deadline(2026, 3, now=BEFORE_RUN)
        return {i.assignment_id for g in deadline.groups for i in g.items}

    def served(self) -> list[UUID | None]:
        return [getattr(m, "assignment_id", None) for m in self.hc.buffer.fetch(self.cursor).items]


@pytest.fixture(params=[None, KEY_A], ids=["clear", "key"])
def world(store_url: str, request: pytest.FixtureRequest) -> Iterator[StaffWorld]:
    with connect(store_url, cipher_key=request.param) as hc:
        yield StaffWorld(hc)


def test_their_unfetched_visit_reports_are_withdrawn_and_never_fetched(world: StaffWorld) -> None:
    assert world.status(world.queued) is IntegrationStatus.QUEUED  # the check can fail
    assert world.status(world.held) is IntegrationStatus.HELD
    assert world.status(world.behind) is IntegrationStatus.HELD
    assert world.at_risk() == {world.queued, world.held, world.behind, world.other, world.attested}
    world.cull()
    for visit in (world.queued, world.held):
        found = world.hc.buffer.integration_status(visit)
        assert (found.status, found.reasons) == (IntegrationStatus.WITHDRAWN, [])
    # T's visit no longer waits behind S's held one (D4); the city gets T's visits only
    assert world.status(world.behind) is IntegrationStatus.QUEUED
    assert world.served() == [world.other, world.behind]
    march = {i.assignment_id: i.status for i in world.hc.buffer.month(2026, 3)}
    assert march[world.queued] is march[world.held] is ItemStatus.WITHDRAWN
    assert world.hc.buffer.problems() == []
    # R14: a withdrawn item is not at risk (it will never be sent), nor in the month report;
    # nor is their unconfirmed visit (confirming it withdraws it)
    assert world.at_risk() == {world.other, world.behind}
    assert world.hc.month_close.deadline(2026, 3, now=BEFORE_RUN).not_delivered == 2
    total = world.hc.month_close.report(2026, 3).total
    assert (total.visits_confirmed, total.visits_queued, total.visits_held) == (3, 2, 0)
    assert audit.verify(world.hc).identical


def test_the_fetched_ones_keep_their_place_with_the_culled_marker(world: StaffWorld) -> None:
    before = world.items()
    world.cull()
    after = world.items()
    for visit in (world.fetched, world.queued, world.other):  # positions and tags kept (D10)
        assert (after[visit]["position"], after[visit]["history"]) == (
            before[visit]["position"],
            before[visit]["history"],
        )
    fetched = after[world.fetched]["payload"]
    assert '"staff_personnummer":"culled"' in fetched
    assert after[world.queued]["payload"] is None
    assert after[world.held]["payload"] is None
    number = pnr(501).replace("-", "")
    assert not [r for r in after.values() if r["payload"] and number in r["payload"]]
    assert world.status(world.fetched) is IntegrationStatus.DELIVERED
    staff = {r["staff_id"]: r for r in world.hc.buffer.dump()["homecare_buffer_staff"]}
    assert staff[world.staff]["personnummer"] == CULLED.text
    assert staff[world.kept]["personnummer"] == pnr(502).replace("-", "")


def test_their_later_visits_are_withdrawn_at_release(world: StaffWorld) -> None:
    hc, s = world.hc, world.s
    world.cull()
    hc.app.confirm_assignment(world.attested, actor=ACTOR, at=s.tick())
    later = s.visit(world.b, world.staff, day=date(2026, 3, 10))
    end = datetime(2026, 3, 2, 9, 30, tzinfo=local(2026, 3, 2).tzinfo)
    hc.app.correct_assignment(
        world.fetched,
        start=end.replace(minute=0),
        end=end,
        activities=["shopping"],
        actor=ACTOR,
        at=s.tick(),
    )
    hc.app.attest_assignments([world.fetched], actor=ACTOR, at=s.tick())
    hc.app.confirm_assignment(world.fetched, actor=ACTOR, at=s.tick())
    hc.catch_up()
    for visit in (world.attested, later, world.fetched):  # the fetched one's new report
        assert world.status(visit) is IntegrationStatus.WITHDRAWN
    assert world.served() == [world.other, world.behind]
    report = audit.verify(hc)
    assert report.identical, report.describe()


def test_culling_them_again_changes_nothing(world: StaffWorld) -> None:
    world.cull()
    dump = world.hc.buffer.dump()
    again = world.cull()
    assert (again.recorded, again.key_destroyed) == (False, False)
    assert world.hc.buffer.dump() == dump
    assert audit.verify(world.hc).identical


def test_a_staff_member_without_a_number_is_culled_too(world: StaffWorld) -> None:
    """Their held reports (no personnummer, R5) are withdrawn; an SD number set after the
    cull keeps them culled in the buffer, and a later visit of theirs is withdrawn."""
    hc, s = world.hc, world.s
    nameless = s.staff(personnummer=False, sd_number=False)
    held = s.visit(world.a, nameless, day=date(2026, 3, 11))
    hc.catch_up()
    assert world.status(held) is IntegrationStatus.HELD
    hc.cull(nameless, kind="staff", actor="arkivarie", at=s.tick())
    assert world.status(held) is IntegrationStatus.WITHDRAWN
    hc.app.update_staff(nameless, sd_number="SD-9", actor=ACTOR, at=s.tick())
    later = s.visit(world.a, nameless, day=date(2026, 3, 12))
    hc.catch_up()
    assert world.status(later) is IntegrationStatus.WITHDRAWN
    staff = {r["staff_id"]: r for r in hc.buffer.dump()["homecare_buffer_staff"]}
    assert staff[nameless]["personnummer"] == CULLED.text
    assert audit.verify(hc).identical


def test_culling_the_customer_and_the_staff_member_both(world: StaffWorld) -> None:
    hc = world.hc
    hc.cull(world.a.id, actor="arkivarie", at=world.s.tick())
    world.cull()
    for visit in (world.queued, world.held, world.behind):
        assert world.status(visit) is IntegrationStatus.WITHDRAWN
    fetched = world.items()[world.fetched]["payload"]
    assert '"staff_personnummer":"culled"' in fetched
    assert '"customer_personnummer":"culled"' in fetched
    assert world.served() == [world.other]
    assert world.at_risk() == {world.other}
    assert audit.verify(hc).identical
