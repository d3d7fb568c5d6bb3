"""The demo's pause scenarios (R7, R8, R11, R12, D5): one per paused customer, in turn.

Each scenario schedules a pause's life on the provider's stage: created, maybe
changed or cancelled, at Stockholm times; two lie over a DST switch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from uuid import UUID

from homecare.bootstrap import Homecare
from homecare.demo.clock import START, local, stamp
from homecare.demo.data import PLANNER, DemoCustomer

__all__ = ["SCENARIOS", "Action", "PauseCounts", "Scenario", "Stage"]

Action = Callable[[datetime], None]
"""Something done at a simulated instant (the clock's, handed in)."""


@dataclass
class PauseCounts:
    """Pauses created (R7, R8), changed (R8, R12) and cancelled (R11)."""

    pauses: int = 0
    pause_changes: int = 0
    pause_cancellations: int = 0


class Stage(Protocol):
    """Where a scenario plays: the store, the pauses' counts, and a schedule of actions."""

    hc: Homecare
    pause_counts: PauseCounts

    def schedule(self, day: date, hour: int, minute: int, action: Action) -> None: ...


Scenario = Callable[[Stage, DemoCustomer], None]


@dataclass
class _PauseScript:
    """One pause's life in the demo: created, maybe changed or cancelled, at scheduled times."""

    stage: Stage
    level: str
    target: UUID
    pause_id: UUID | None = None

    def create(
        self,
        starts_at: datetime,
        ends_at: datetime | None,
        reason: str = "hospital_stay",
        reason_text: str | None = None,
    ) -> Action:
        def create(at: datetime) -> None:
            self.pause_id = self.stage.hc.app.create_pause(
                level=self.level,
                target_id=self.target,
                starts_at=starts_at,
                ends_at=ends_at,
                **stamp(PLANNER, at),
                notified_at=at,  # the planner records it as soon as told
                reason=reason,
                reason_text=reason_text,
            )
            self.stage.pause_counts.pauses += 1

        return create

    def change(self, **fields: datetime | None) -> Action:
        def change(at: datetime) -> None:
            assert self.pause_id is not None
            self.stage.hc.app.change_pause(self.pause_id, **fields, **stamp(PLANNER, at))  # type: ignore[arg-type]
            self.stage.pause_counts.pause_changes += 1

        return change

    def cancel(self, at: datetime) -> None:
        assert self.pause_id is not None
        self.stage.hc.app.cancel_pause(self.pause_id, **stamp(PLANNER, at))
        self.stage.pause_counts.pause_cancellations += 1


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


def _spring_dst(p: Stage, c: DemoCustomer) -> None:
    """A hospital stay of the customer over the night the clocks go forward (D5)."""
    pause = _PauseScript(p, "customer", c.id)
    created = pause.create(local(date(2026, 3, 28), 18), local(date(2026, 3, 30), 10))
    p.schedule(date(2026, 3, 27), 7, 10, created)


def _moved_end(p: Stage, c: DemoCustomer) -> None:
    """A contract pause on the customer's own request whose end is moved (R8: Changed)."""
    pause = _PauseScript(p, "contract", c.contract)
    p.schedule(_day(0), 7, 5, pause.create(local(_day(1), 7), local(_day(2), 7), "own_request"))
    p.schedule(_day(1), 7, 15, pause.change(ends_at=local(_day(3), 7)))


def _cancelled_before_start(p: Stage, c: DemoCustomer) -> None:
    """An order pause for a short-term stay, cancelled before it starts (no effective period)."""
    pause = _PauseScript(p, "order", c.order)
    created = pause.create(local(_day(4), 0), local(_day(6), 0), "short_term_stay")
    p.schedule(_day(0), 7, 20, created)
    p.schedule(_day(2), 9, 0, pause.cancel)


def _open_then_ended(p: Stage, c: DemoCustomer) -> None:
    """An ongoing customer pause with no end; an end is set later, which inactivates it (R12)."""
    pause = _PauseScript(p, "customer", c.id)
    p.schedule(_day(2), 8, 0, pause.create(local(_day(2), 12), None))
    p.schedule(_day(4), 10, 0, pause.change(ends_at=local(_day(4), 12)))


def _autumn_dst(p: Stage, c: DemoCustomer) -> None:
    """An order pause over the night the clocks go back (D5), notified well ahead."""
    pause = _PauseScript(p, "order", c.order)
    created = pause.create(
        local(date(2026, 10, 24), 9), local(date(2026, 10, 26), 9), "other", "Family visit abroad"
    )
    p.schedule(_day(1), 7, 30, created)


def _edited_then_cancelled(p: Stage, c: DemoCustomer) -> None:
    """A contract pause whose start is edited, then cancelled while ongoing (R11)."""
    pause = _PauseScript(p, "contract", c.contract)
    p.schedule(_day(3), 7, 0, pause.create(local(_day(3), 10), local(_day(5), 10), "own_request"))
    p.schedule(_day(3), 9, 30, pause.change(starts_at=local(_day(3), 13)))
    p.schedule(_day(4), 8, 0, pause.cancel)


SCENARIOS: tuple[Scenario, ...] = (
    _spring_dst,
    _moved_end,
    _cancelled_before_start,
    _open_then_ended,
    _autumn_dst,
    _edited_then_cancelled,
)
"""In turn, one per paused customer."""
