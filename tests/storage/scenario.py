"""A small world to run commands against: one customer with an order, one staff member.

Every storage test builds on it through the facade (`hc.app`), on both stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

from homecare.application import HomecareApplication
from tests.domain.pnr import VALID, VALID_STAFF

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ACTOR = "tester"

Stage = Literal["planned", "performed", "attested", "confirmed"]
STAGES: tuple[Stage, ...] = ("planned", "performed", "attested", "confirmed")


@dataclass(frozen=True)
class World:
    app: HomecareApplication
    customer: UUID
    contract: UUID
    order: UUID
    staff: UUID

    def visit(self, stage: Stage, *, start: datetime = T0, actor: str = ACTOR) -> UUID:
        """Plan a one-hour visit in the staff member's shift of `start`'s day, up to `stage`."""
        app = self.app
        visit = app.plan_assignment(
            order_id=self.order,
            staff_id=self.staff,
            planned_start=start,
            planned_end=start + HOUR,
            shift_day=start.date(),
            actor=actor,
            at=start - timedelta(days=1),
        )
        if STAGES.index(stage) >= 1:
            app.record_performance(
                visit,
                start=start,
                end=start + HOUR,
                activities=["shower"],
                actor=actor,
                at=start + HOUR,
            )
        if STAGES.index(stage) >= 2:
            app.attest_assignments([visit], actor=actor, at=start + HOUR)
        if STAGES.index(stage) >= 3:
            app.confirm_assignment(visit, actor=actor, at=start + 2 * HOUR)
        return visit

    def log_length(self) -> int:
        return self.app.recorder.max_notification_id() or 0


def world(app: HomecareApplication, *, at: datetime = T0 - timedelta(days=30)) -> World:
    customer = app.register_customer(
        personnummer=VALID, name="Tolvan Tolvansson", organisation="Team Norr", actor=ACTOR, at=at
    )
    contract = app.open_contract(customer, actor=ACTOR, at=at)
    order = app.place_order(contract, activities=["shower", "shopping"], actor=ACTOR, at=at)
    staff = app.register_staff(
        name="Anna Andersson", personnummer=VALID_STAFF, sd_number="SD-1", actor=ACTOR, at=at
    )
    return World(app, customer, contract, order, staff)
