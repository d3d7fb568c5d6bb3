"""A hypothesis state machine over the buffer (R3-R6, D2-D4), against the real store.

Random interleavings of confirmations, staff fixes, decisions, pauses,
projection runs (some crashing mid-page) and fetches by three consumers: one
keeps its cursor, one replays an older cursor, one loses its cursor. After
every step: nothing handed out twice to the consumer that keeps its cursor,
held items never handed out, per-customer order kept, and a replayed cursor
sees exactly what it saw before. At the end, with every cause fixed, nothing
was lost.
"""

from __future__ import annotations

import contextlib
import tempfile
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import select

from homecare.bootstrap import Homecare, connect
from homecare.outbox import tables as t
from homecare.outbox.cursor import parse_cursor
from tests.conftest import ACTOR, init_sqlite
from tests.scenario import Scenario, pnr


class SimulatedCrashError(Exception):
    pass


class BufferMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._dir = tempfile.TemporaryDirectory()
        self.url = init_sqlite(Path(self._dir.name) / "buffer.db")
        self.crash_next = False
        self.hc: Homecare = connect(self.url, fault=self._fault)
        for runner in self.hc.runners:
            runner.page_size = 4
        self.world = Scenario(self.hc.app)
        self.kept_cursor: str | None = None
        self.kept: list[Any] = []
        self.history: list[tuple[str | None, list[UUID]]] = []
        self.confirmations = 0
        self.acked = 0

    def _fault(self, point: str) -> None:
        if self.crash_next and point == "page_written":
            self.crash_next = False
            raise SimulatedCrashError(point)

    @initialize()
    def provider(self) -> None:
        self.customers = [
            self.world.customer(decision=n != 2, activities=("shower", "shopping"))
            for n in range(3)
        ]
        self.staff = [
            self.world.staff(),
            self.world.staff(sd_number=False),
            self.world.staff(personnummer=False),
        ]
        self.staff_fixed = [True, False, False]
        self.decided = [True, True, False]

    @rule(
        c=st.integers(0, 2),
        s=st.integers(0, 2),
        day=st.integers(2, 6),
        activity=st.sampled_from(["shower", "shopping", "cleaning"]),
    )
    def confirm_visit(self, c: int, s: int, day: int, activity: str) -> None:
        customer = self.customers[c]
        if activity == "cleaning":
            self.hc.app.place_order(
                customer.contract, activities=["cleaning"], actor=ACTOR, at=self.world.tick()
            )
        self.world.visit(customer, self.staff[s], day=date(2026, 3, day), activities=(activity,))
        self.confirmations += 1

    @rule(s=st.integers(1, 2))
    def fix_staff(self, s: int) -> None:
        if self.staff_fixed[s]:
            return
        if s == 1:
            self.hc.app.update_staff(
                self.staff[s], sd_number="SD-FIXED", actor=ACTOR, at=self.world.tick()
            )
        else:
            self.hc.app.update_staff(
                self.staff[s], personnummer=pnr(900 + s), actor=ACTOR, at=self.world.tick()
            )
        self.staff_fixed[s] = True

    @rule(c=st.integers(0, 2), cleaning=st.booleans())
    def register_decision(self, c: int, cleaning: bool) -> None:
        activities = ["shower", "shopping", *(["cleaning"] if cleaning else [])]
        self.hc.app.register_decision(
            self.customers[c].id,
            valid_from=date(2026, 1, 1),
            valid_to=None,
            activities=activities,
            actor=ACTOR,
            at=self.world.tick(),
        )
        self.decided[c] = True

    @rule(c=st.integers(0, 2), days=st.integers(1, 4), cancel=st.booleans())
    def pause(self, c: int, days: int, cancel: bool) -> None:
        from datetime import datetime, timedelta

        from homecare.domain.citydays import STOCKHOLM

        start = datetime(2026, 3, 10 + days, 12, tzinfo=STOCKHOLM)
        pause = self.hc.app.create_pause(
            level="customer",
            target_id=self.customers[c].id,
            notified_at=self.world.at,
            reason="own_request",
            starts_at=start,
            ends_at=start + timedelta(days=days),
            actor=ACTOR,
            at=self.world.tick(),
        )
        if cancel:
            self.hc.app.cancel_pause(pause, actor=ACTOR, at=self.world.tick())

    @rule(crash=st.booleans())
    def project(self, crash: bool) -> None:
        self.crash_next = crash
        with contextlib.suppress(SimulatedCrashError):
            self.hc.catch_up()
        self.crash_next = False

    @rule(limit=st.sampled_from([1, 3, 20]))
    def fetch_keeping_cursor(self, limit: int) -> None:
        result = self.hc.buffer.fetch(after=self.kept_cursor, limit=limit)
        self.acked = max(self.acked, parse_cursor(self.kept_cursor).position)
        self.history.append((self.kept_cursor, [i.message_id for i in result.items]))
        self.kept.extend(result.items)
        self.kept_cursor = result.cursor

    @precondition(lambda self: bool(self.history))
    @rule(data=st.data())
    def fetch_replaying_an_old_cursor(self, data: st.DataObject) -> None:
        cursor, seen = data.draw(st.sampled_from(self.history))
        again = self.hc.buffer.fetch(after=cursor, limit=max(1, len(seen)))
        if seen:
            assert [i.message_id for i in again.items] == seen

    @rule()
    def fetch_with_lost_cursor(self) -> None:
        everything = self._drain(None)
        kept_ids = [i.message_id for i in self.kept]
        assert [i.message_id for i in everything][: len(kept_ids)] == kept_ids

    def _drain(self, cursor: str | None) -> list[Any]:
        items: list[Any] = []
        while True:
            result = self.hc.buffer.fetch(after=cursor, limit=500)
            self.acked = max(self.acked, parse_cursor(cursor).position)
            if not result.items:
                return items
            items.extend(result.items)
            cursor = result.cursor

    @invariant()
    def delivered_mark_is_the_highest_acknowledged_cursor(self) -> None:
        assert self.hc.buffer.delivered_position() == self.acked

    @invariant()
    def kept_cursor_never_sees_an_item_twice(self) -> None:
        ids = [i.message_id for i in self.kept]
        assert len(ids) == len(set(ids))

    @invariant()
    def held_items_are_never_handed_out(self) -> None:
        with self.hc.database.engine.connect() as conn:
            states = dict(conn.execute(select(t.items.c.message_id, t.items.c.state)).all())
        assert all(states[i.message_id] == "released" for i in self.kept)

    @invariant()
    def each_customer_hears_its_items_in_event_order(self) -> None:
        with self.hc.database.engine.connect() as conn:
            seq = dict(conn.execute(select(t.items.c.message_id, t.items.c.seq)).all())
        by_customer: dict[UUID, list[int]] = {}
        for item in self.kept:
            by_customer.setdefault(item.customer, []).append(seq[item.message_id])
        assert all(s == sorted(s) for s in by_customer.values())

    def teardown(self) -> None:
        try:
            for s in (1, 2):
                self.fix_staff(s)
            for c in range(3):
                self.register_decision(c, cleaning=True)
            self.hc.catch_up()
            self.kept.extend(self._drain(self.kept_cursor))
            self.each_customer_hears_its_items_in_event_order()
            visits = [i for i in self.kept if i.kind == "visit_report"]
            assert len(visits) == self.confirmations, "a confirmed visit was lost"
            ids = [i.message_id for i in self.kept]
            assert len(ids) == len(set(ids))
            with self.hc.database.engine.connect() as conn:
                released = (
                    conn.execute(select(t.items.c.message_id).where(t.items.c.state == "released"))
                    .scalars()
                    .all()
                )
                pending = (
                    conn.execute(select(t.items.c.message_id).where(t.items.c.state == "pending"))
                    .scalars()
                    .all()
                )
            assert pending == []
            assert set(released) == set(ids)
        finally:
            self.hc.close()
            self._dir.cleanup()


TestBufferStateMachine = BufferMachine.TestCase
TestBufferStateMachine.settings = settings(stateful_step_count=20)  # examples: conftest profile
