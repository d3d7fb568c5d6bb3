"""A hypothesis state machine over pauses (R7, R8, R10-R13, D5), against the real application.

Random pauses on customers, contracts and orders, with starts and ends around
the 2026 DST switches (exact Stockholm midnights, the missing spring hour, the
repeated autumn hour, open ends), changed, cancelled and re-cancelled while the
clock moves forward. A small reference model kept here says what must hold;
after every step the store is asked and must agree:

- R8/R13: each pause's status only moves New -> Changed -> Cancelled; illegal
  commands raise the documented error and store nothing;
- R7/D5: `paused_by` of every order, contract and customer at a few instants
  equals the model's cascade over the model's own effective periods;
- R10/D5: the city. After each pause event, the customer's messages are
  planned with `citydays.plan_city_messages` from what the city holds to the
  whole-day union of the effective periods of *all* that customer's pauses
  (re-loaded from the store); replaying all messages so far through
  `citydays.apply_city_messages` (which rejects any overlap on the way) must
  give exactly the days a brute-force day count of the model gives.
- R9/R12: on request, the pause overview, caught up, lists exactly the model's
  pauses with their status, effective period and time state.

SQLite (a fresh file per example) and PostgreSQL (emptied per example) both
run it; the number of examples comes from the loaded hypothesis profile.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from homecare.bootstrap import Homecare, connect
from homecare.domain import Pause, PauseStatus
from homecare.domain.citydays import (
    STOCKHOLM,
    CityPauseMessage,
    HeldPeriod,
    apply_city_messages,
    city_periods,
    plan_city_messages,
)
from homecare.errors import (
    InvalidInputError,
    InvalidPeriodError,
    PauseCancelledError,
    PauseUnchangedError,
)
from tests.conftest import _empty_postgres, init_sqlite
from tests.scenario import Customer, Scenario

# -- the instants the machine plays with -------------------------------------------


def _grid() -> list[datetime]:
    """UTC instants around both 2026 DST switches, from Stockholm wall times.

    Every local midnight of the days around them, plus times in the missing
    spring hour (read with the winter offset) and both passes of the repeated
    autumn hour.
    """
    instants: set[datetime] = set()
    days = [date(2026, 3, d) for d in range(27, 32)] + [date(2026, 10, d) for d in range(23, 28)]
    for day in days:
        for hour, minute in ((0, 0), (1, 0), (2, 0), (2, 30), (3, 0), (6, 0), (12, 0), (22, 30)):
            for fold in (0, 1):
                wall = datetime(day.year, day.month, day.day, hour, minute, fold=fold)
                instants.add(wall.replace(tzinfo=STOCKHOLM).astimezone(UTC))
    return sorted(instants)


GRID = _grid()
START_OF_TIME = datetime(2026, 3, 27, 11, 0, tzinfo=UTC)
PROBES = [
    datetime(2026, 3, 29, 3, 30, tzinfo=STOCKHOLM).astimezone(UTC),
    datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=STOCKHOLM).astimezone(UTC),
    datetime(2026, 10, 26, 0, 0, tzinfo=STOCKHOLM).astimezone(UTC),
]
LEVELS = ("customer", "contract", "order")
RANK = {PauseStatus.NEW: 0, PauseStatus.CHANGED: 1, PauseStatus.CANCELLED: 2}
TICK = timedelta(seconds=1)
EPSILON = timedelta(microseconds=1)

instants = st.sampled_from(GRID)
ends = st.none() | instants
reasons = st.sampled_from(
    [("hospital_stay", None), ("own_request", None), ("other", "respite"), ("other", None)]
)
as_local = st.booleans()


def shown(instant: datetime, local: bool) -> datetime:
    """The same instant as a host would pass it: UTC, or Stockholm time with a fixed offset.

    Fixed offsets (as the store hands times back), not ZoneInfo: see the report on
    wall-clock comparison of two ZoneInfo times inside the repeated autumn hour.
    """
    if not local:
        return instant
    offset = instant.astimezone(STOCKHOLM).utcoffset()
    assert offset is not None
    return instant.astimezone(timezone(offset))


# -- the reference model ------------------------------------------------------------


@dataclass
class ModelPause:
    pause_id: UUID
    level: str
    family: int
    starts_at: datetime
    ends_at: datetime | None
    reason: str
    reason_text: str | None
    status: PauseStatus = PauseStatus.NEW
    cancelled_at: datetime | None = None

    def effective(self) -> tuple[datetime, datetime | None] | None:
        """D5, written again independently of the domain's `effective_period`."""
        if self.cancelled_at is None:
            return self.starts_at, self.ends_at
        if self.cancelled_at <= self.starts_at:
            return None
        if self.ends_at is not None and self.ends_at < self.cancelled_at:
            return self.starts_at, self.ends_at
        return self.starts_at, self.cancelled_at

    def active_at(self, t: datetime) -> bool:
        period = self.effective()
        return period is not None and period[0] <= t and (period[1] is None or t < period[1])

    def pauses(self, level: str, family: int) -> bool:
        """R7: a customer pause reaches all levels, a contract pause its orders, never upwards."""
        reach = {"customer": LEVELS, "contract": ("contract", "order"), "order": ("order",)}
        return self.family == family and level in reach[self.level]


@dataclass
class Days:
    """A set of Stockholm dates, possibly open from some date on: a brute-force day count."""

    closed: set[date] = field(default_factory=set)
    open_from: date | None = None

    def add_instants(self, start: datetime, end: datetime | None) -> None:
        day = start.astimezone(STOCKHOLM).date()
        if end is None:
            self.open_from = day if self.open_from is None else min(self.open_from, day)
            return
        while True:
            midnight = datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM).astimezone(UTC)
            if midnight >= end:
                return
            self.closed.add(day)
            day += timedelta(days=1)

    def add_days(self, first: date, last: date | None) -> None:
        if last is None:
            self.open_from = first if self.open_from is None else min(self.open_from, first)
            return
        self.closed.update(first + timedelta(days=n) for n in range((last - first).days + 1))

    def normal(self) -> tuple[frozenset[date], date | None]:
        """One form per day set: closed days that run into the open part join it."""
        if self.open_from is None:
            return frozenset(self.closed), None
        open_from = self.open_from
        while open_from - timedelta(days=1) in self.closed:
            open_from -= timedelta(days=1)
        return frozenset(d for d in self.closed if d < open_from), open_from


# -- the machine ---------------------------------------------------------------------


class PauseMachine(RuleBasedStateMachine):
    """One provider with three customers, each with a contract and an order."""

    open_store: Callable[[], tuple[Homecare, Callable[[], None]]]

    def __init__(self) -> None:
        super().__init__()
        self.hc, self._close = self.open_store()
        self.now = START_OF_TIME
        self.world = Scenario(self.hc.app, at=self.now)
        self.pauses: list[ModelPause] = []
        self.seen: dict[UUID, PauseStatus] = {}
        self.messages: dict[int, list[CityPauseMessage]] = {}
        self.next_period: dict[int, int] = {}
        self.touched: ModelPause | None = None
        self.overview_stale = False  # asked only when a pause or the time moved since

    @initialize()
    def provider(self) -> None:
        self.families: list[Customer] = [self.world.customer(f"Team {n % 2}") for n in range(3)]
        self.now = self.world.at

    def tick(self) -> datetime:
        """`at` of the next command: always later than every earlier one."""
        self.now += TICK
        return self.now

    def target(self, level: str, family: int) -> UUID:
        f = self.families[family]
        return {"customer": f.id, "contract": f.contract, "order": f.order}[level]

    # -- commands ----------------------------------------------------------------

    @rule(
        level=st.sampled_from(LEVELS),
        family=st.integers(0, 2),
        start=instants,
        end=ends,
        reason=reasons,
        local=as_local,
    )
    def create(
        self,
        level: str,
        family: int,
        start: datetime,
        end: datetime | None,
        reason: tuple[str, str | None],
        local: bool,
    ) -> None:
        at = self.tick()
        command = dict(
            level=level,
            target_id=self.target(level, family),
            notified_at=at,
            reason=reason[0],
            reason_text=reason[1],
            starts_at=shown(start, local),
            ends_at=None if end is None else shown(end, local),
            actor="planner",
            at=at,
        )
        if end is not None and end <= start:
            with pytest.raises(InvalidPeriodError):
                self.hc.app.create_pause(**command)  # type: ignore[arg-type]
            return
        if reason == ("other", None):
            with pytest.raises(InvalidInputError, match="other"):
                self.hc.app.create_pause(**command)  # type: ignore[arg-type]
            return
        pause_id = self.hc.app.create_pause(**command)  # type: ignore[arg-type]
        pause = ModelPause(pause_id, level, family, start, end, reason[0], reason[1])
        self.pauses.append(pause)
        self.after_pause_event(pause)

    @precondition(lambda self: self.pauses)
    @rule(
        data=st.data(),
        start=st.none() | instants,
        end=st.sampled_from(["keep", "open"]) | instants,
        reason=st.none() | reasons,
        local=as_local,
    )
    def change(
        self,
        data: st.DataObject,
        start: datetime | None,
        end: datetime | str,
        reason: tuple[str, str | None] | None,
        local: bool,
    ) -> None:
        pause = data.draw(st.sampled_from(self.pauses))
        kwargs: dict[str, Any] = {}
        new_start, new_end = pause.starts_at, pause.ends_at
        new_reason = (pause.reason, pause.reason_text)
        if start is not None:
            kwargs["starts_at"] = shown(start, local)
            new_start = start
        if end != "keep":
            new_end = None if end == "open" else end  # type: ignore[assignment]
            kwargs["ends_at"] = None if new_end is None else shown(new_end, local)
        if reason is not None:
            kwargs |= {"reason": reason[0], "reason_text": reason[1]}
            new_reason = reason if reason[0] == "other" else (reason[0], None)
        at = self.tick()

        def call() -> None:
            self.hc.app.change_pause(pause.pause_id, actor="editor", at=at, **kwargs)

        # The domain's guard order: cancelled, then period, then reason, then "no change".
        expected: type[Exception] | None = None
        if pause.status is PauseStatus.CANCELLED:
            expected = PauseCancelledError
        elif new_end is not None and new_end <= new_start:
            expected = InvalidPeriodError
        elif new_reason == ("other", None):
            expected = InvalidInputError
        elif (new_start, new_end, new_reason) == (
            pause.starts_at,
            pause.ends_at,
            (pause.reason, pause.reason_text),
        ):
            expected = PauseUnchangedError
        if expected is not None:
            with pytest.raises(expected):
                call()
            return
        call()
        pause.starts_at, pause.ends_at = new_start, new_end
        pause.reason, pause.reason_text = new_reason
        pause.status = PauseStatus.CHANGED
        self.after_pause_event(pause)

    @precondition(lambda self: self.pauses)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        pause = data.draw(st.sampled_from(self.pauses))
        at = self.tick()
        if pause.status is PauseStatus.CANCELLED:
            with pytest.raises(PauseCancelledError):
                self.hc.app.cancel_pause(pause.pause_id, actor="canceller", at=at)
            return
        self.hc.app.cancel_pause(pause.pause_id, actor="canceller", at=at)
        pause.status = PauseStatus.CANCELLED
        pause.cancelled_at = at
        self.after_pause_event(pause)

    @rule(to=instants)
    def advance_time(self, to: datetime) -> None:
        """Time only moves forward: to a grid instant, or an hour on if that has passed."""
        self.now = to if to > self.now else self.now + timedelta(hours=1)
        self.touched = None
        self.overview_stale = True

    @precondition(lambda self: self.overview_stale)
    @rule()
    def overview_agrees(self) -> None:
        """R9, R12: the caught-up overview lists every pause as the model has it."""
        self.overview_stale = False
        runner = next(r for r in self.hc.runners if r.name == self.hc.pauses.name)
        runner.catch_up()
        rows = self.hc.pauses.list(
            period_from=date(2026, 1, 1),
            period_to=date(2026, 12, 31),
            now=self.now,
            include_inactive=True,
        )
        expected = {}
        for p in self.pauses:
            period = p.effective()
            if period is None or (period[1] is not None and period[1] <= self.now):
                state = "ended"
            elif period[0] > self.now:
                state = "upcoming"
            else:
                state = "ongoing"
            expected[p.pause_id] = (p.status, period, state)
        assert {
            r.pause_id: (
                r.status,
                None if r.effective_start is None else (r.effective_start, r.effective_end),
                r.time_state,
            )
            for r in rows
        } == expected
        assert [(r.starts_at, r.pause_id) for r in rows] == sorted(
            (r.starts_at, r.pause_id) for r in rows
        )
        active = self.hc.pauses.list(
            period_from=date(2026, 1, 1), period_to=date(2026, 12, 31), now=self.now
        )
        assert [r.pause_id for r in active] == [r.pause_id for r in rows if not r.inactive]

    # -- the city (R10, D5) ---------------------------------------------------------

    def after_pause_event(self, pause: ModelPause) -> None:
        """Plan the customer's city messages from all its pauses, as re-loaded from the store."""
        self.touched = pause
        self.overview_stale = True
        family = pause.family
        periods = [
            period
            for p in self.pauses
            if p.family == family
            and (period := self.hc.app.get(Pause, p.pause_id).effective_period) is not None
        ]
        sent = self.messages.setdefault(family, [])
        held = apply_city_messages([], sent)
        first = self.next_period.get(family, 0)
        planned = plan_city_messages(
            held, city_periods(periods), lambda k: f"c{family}-{first + k}"
        )
        self.next_period[family] = first + sum(1 for m in planned if m.action == "new")
        sent.extend(planned)

    # -- what must hold after every step ----------------------------------------------

    @invariant()
    def status_only_moves_forward(self) -> None:
        """R8, R13: New -> Changed -> Cancelled, nothing leaves Cancelled, nothing deleted."""
        for p in self.pauses:
            stored = self.hc.app.get(Pause, p.pause_id).status
            assert stored is p.status
            before = self.seen.get(p.pause_id, PauseStatus.NEW)
            assert RANK[before] <= RANK[stored]
            self.seen[p.pause_id] = stored

    @invariant()
    def paused_by_follows_the_cascade(self) -> None:
        """R7, D5: every level of every customer now; after a pause event, at more instants.

        An answer at a fixed instant changes only when a pause of that customer
        changes, so after a pause event its customer is asked at the fixed probes
        (every level), and at the edges of the touched pause (just before and at
        its start, end and cancel time) through its order, which every level's
        pauses reach (R7).
        """
        checks = [(self.now, f, level) for f in range(len(self.families)) for level in LEVELS]
        if self.touched is not None:
            p = self.touched
            checks += [(t, p.family, level) for t in PROBES for level in LEVELS]
            edges = [e for e in (p.starts_at, p.ends_at, p.cancelled_at) if e is not None]
            checks += [(t, p.family, "order") for e in edges for t in (e - EPSILON, e)]
            self.touched = None
        for t, family, level in checks:
            got = self.hc.app.paused_by(at=t, **{f"{level}_id": self.target(level, family)})
            want = {p.pause_id for p in self.pauses if p.pauses(level, family) and p.active_at(t)}
            assert {p.id for p in got} == want, (level, family, t)

    @invariant()
    def the_city_holds_exactly_the_whole_days(self) -> None:
        """R10, D5: no overlap on the way, no day missing or extra at the end."""
        for family in range(len(self.families)):
            held = apply_city_messages([], self.messages.get(family, []))
            got = Days()
            for h in held:
                got.add_days(h.first_day, h.last_day)
            want = Days()
            for p in self.pauses:
                period = p.effective()
                if p.family == family and period is not None:
                    want.add_instants(*period)
            assert got.normal() == want.normal(), (family, held)
            assert all(isinstance(h, HeldPeriod) for h in held)

    def teardown(self) -> None:
        self._close()


# -- the stores ---------------------------------------------------------------------


def _sqlite_store() -> tuple[Homecare, Callable[[], None]]:
    """A fresh SQLite file per example, in memory-backed /dev/shm where there is one.

    Why: the file and its locking are real, but commits need no disk flush, which
    is most of an example's time on a busy disk.
    """
    shm = Path("/dev/shm")
    folder = tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None)
    hc = connect(init_sqlite(Path(folder.name) / "pauses.db"))

    def close() -> None:
        hc.close()
        folder.cleanup()

    return hc, close


def _postgres_store(url: str) -> Callable[[], tuple[Homecare, Callable[[], None]]]:
    def open_store() -> tuple[Homecare, Callable[[], None]]:
        _empty_postgres(url)
        hc = connect(url)
        return hc, hc.close

    return open_store


def test_pause_state_machine(store_url: str) -> None:
    """R7, R8, R10-R13, D5 under random command sequences, on SQLite and PostgreSQL.

    SQLite runs the profile's full number of examples; PostgreSQL, slower per
    command, a fifth of them (at least 10): the same code, on the production store.
    """
    base = settings()
    if store_url.startswith("sqlite"):
        opener = staticmethod(_sqlite_store)
        examples = base.max_examples
    else:
        opener = staticmethod(_postgres_store(store_url))
        examples = max(10, base.max_examples // 5)
    machine = type("Machine", (PauseMachine,), {"open_store": opener})
    run_state_machine_as_test(
        machine, settings=settings(base, max_examples=examples, stateful_step_count=15)
    )
