"""The pause overview (R9, R12): every pause as a row, built from events alone (D6).

Why a read model: the overview filters all pauses of all customers by period,
customer, organisation, level, status and time state (R9, R12); loading every
Pause aggregate for that would not scale, and the answer must be the same on
SQLite and PostgreSQL. The rows hold each pause's effective period (D5, from
`homecare.domain.pause.effective_period`, the same function the aggregate
uses), so "upcoming / ongoing / ended" is decided in SQL against a `now` the
caller passes in (the library reads no clock).

R12: a pause whose effective period has ended (or that never had one, being
cancelled before it started) is *inactivated*: hidden from the default list,
shown with `include_inactive=True` or `time_state="ended"`, so it can be
reconciled against what was sent to the city.

Writing: `process` gets one page of events inside the runner's transaction,
loads the rows that page touches in one SELECT, applies the events in memory
(dispatch per event type), and writes with one bulk INSERT and one bulk
UPDATE per table. Nothing is ever deleted (R13).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    literal,
    or_,
    select,
)

from homecare._es.topics import topic_of
from homecare._sql.database import Database, UtcDateTime, metadata
from homecare.domain.citydays import STOCKHOLM
from homecare.domain.common import parse_choice, require_aware
from homecare.domain.customer import Customer
from homecare.domain.fields import ACTOR_MAX, ORGANISATION_MAX, require_text
from homecare.domain.month import Month
from homecare.domain.pause import Pause, PauseLevel, PauseReason, PauseStatus, effective_period
from homecare.errors import InvalidInputError

__all__ = [
    "PauseOverview",
    "PauseRow",
    "TimeState",
    "month_bounds",
    "overview_customers",
    "overview_pauses",
    "previous_month",
]


class TimeState(StrEnum):
    """Where a pause's effective period (D5) stands relative to a given instant."""

    UPCOMING = "upcoming"
    ONGOING = "ongoing"
    ENDED = "ended"


# -- tables ------------------------------------------------------------------

overview_customers = Table(
    "homecare_pause_overview_customers",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("organisation", String(ORGANISATION_MAX), nullable=False),
)

overview_pauses = Table(
    "homecare_pause_overview_pauses",
    metadata,
    Column("pause_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("level", String(16), nullable=False),
    Column("target_id", Uuid, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("reason_text", Text, nullable=True),
    Column("notified_at", UtcDateTime, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=True),
    Column("cancelled_at", UtcDateTime, nullable=True),
    # Both NULL: no effective period (cancelled before it started, D5).
    # Start set and end NULL: open-ended (ongoing until someone sets an end, R12).
    Column("effective_start", UtcDateTime, nullable=True),
    Column("effective_end", UtcDateTime, nullable=True),
    Column("created_by", String(ACTOR_MAX), nullable=False),
    Column("changed_by", String(ACTOR_MAX), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_homecare_pause_overview_pauses_starts", "starts_at", "pause_id"),
    Index("ix_homecare_pause_overview_pauses_customer", "customer_id"),
)

_P = overview_pauses.c
_C = overview_customers.c


# -- the rows a query returns ------------------------------------------------


class PauseRow(BaseModel):
    """One pause as the overview shows it (R9), with its time state at the asked `now`."""

    model_config = ConfigDict(frozen=True)

    pause_id: UUID
    customer_id: UUID
    organisation: str | None
    level: PauseLevel
    target_id: UUID
    status: PauseStatus
    reason: PauseReason
    reason_text: str | None
    notified_at: datetime
    starts_at: datetime
    ends_at: datetime | None
    cancelled_at: datetime | None
    effective_start: datetime | None
    effective_end: datetime | None
    time_state: TimeState
    inactive: bool
    created_by: str
    changed_by: str
    version: int


# -- months (R9: "previous month") ---------------------------------------------


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last calendar day of a month, for the overview's period (R9)."""
    return Month(year, month).days


def previous_month(today: date) -> tuple[date, date]:
    """R9's "previous month" step: the first and last day of the month before `today`'s."""
    return Month.before(today).days


# -- the projection ------------------------------------------------------------


@dataclass
class _Page:
    """One page's working set: rows loaded or created, and which must be written."""

    conn: Connection
    pauses: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    new_pauses: set[UUID] = field(default_factory=set)
    changed_pauses: set[UUID] = field(default_factory=set)
    new_customers: dict[UUID, dict[str, Any]] = field(default_factory=dict)

    def load(self, pause_ids: Iterable[UUID]) -> None:
        wanted = sorted(set(pause_ids) - self.pauses.keys())
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.conn.execute(select(overview_pauses).where(_P.pause_id.in_(chunk)))
            for row in rows.mappings():
                self.pauses[row["pause_id"]] = dict(row)

    def touch(self, row: dict[str, Any]) -> None:
        if row["pause_id"] not in self.new_pauses:
            self.changed_pauses.add(row["pause_id"])

    def flush(self) -> None:
        if self.new_customers:
            self.conn.execute(overview_customers.insert(), list(self.new_customers.values()))
        if self.new_pauses:
            self.conn.execute(
                overview_pauses.insert(), [self.pauses[i] for i in sorted(self.new_pauses)]
            )
        if self.changed_pauses:
            updated = [{**self.pauses[i], "key": i} for i in sorted(self.changed_pauses)]
            self.conn.execute(
                overview_pauses.update()
                .where(_P.pause_id == bindparam("key"))
                .values({name: bindparam(name) for name in _MUTABLE}),
                [{name: row[name] for name in (*_MUTABLE, "key")} for row in updated],
            )


_MUTABLE = (
    "status",
    "reason",
    "reason_text",
    "starts_at",
    "ends_at",
    "cancelled_at",
    "effective_start",
    "effective_end",
    "changed_by",
    "version",
)


class PauseOverview:
    """The overview read model: `process` is run by the ProjectionRunner, `list` queries it."""

    name = "pause_overview"
    version = 1
    tables = (overview_customers, overview_pauses)

    def __init__(self, database: Database) -> None:
        self.database = database

    # -- writing -------------------------------------------------------------

    def process(
        self, conn: Connection, events: Sequence[tuple[int, DomainEventProtocol[Any]]]
    ) -> None:
        """Apply one page of events in log order; the runner commits it with the position."""
        page = _Page(conn)
        page.load(
            e.originator_id for _, e in events if isinstance(e, Pause.Changed | Pause.Cancelled)
        )
        for _, event in events:
            self._apply(event, page)
        page.flush()

    @singledispatchmethod
    def _apply(self, event: object, page: _Page) -> None:
        """Every other event: nothing to show (the runner still moves the position)."""

    @_apply.register
    def _registered(self, event: Customer.Registered, page: _Page) -> None:
        page.new_customers[event.originator_id] = {
            "customer_id": event.originator_id,
            "organisation": event.organisation,
        }

    @_apply.register
    def _created(self, event: Pause.Created, page: _Page) -> None:
        row: dict[str, Any] = {
            "pause_id": event.originator_id,
            "customer_id": event.customer_id,
            "level": PauseLevel(event.level).value,
            "target_id": event.target_id,
            "status": PauseStatus.NEW.value,
            "reason": PauseReason(event.reason).value,
            "reason_text": event.reason_text,
            "notified_at": event.notified_at,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "cancelled_at": None,
            "created_by": event.actor,
            "changed_by": event.actor,
            "version": event.originator_version,
        }
        page.pauses[event.originator_id] = row
        page.new_pauses.add(event.originator_id)
        _set_effective(row)

    @_apply.register
    def _changed(self, event: Pause.Changed, page: _Page) -> None:
        row = page.pauses.get(event.originator_id)
        if row is None:  # only if the overview's rows were removed by hand; nothing to update
            return
        row |= {
            "status": PauseStatus.CHANGED.value,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "reason": PauseReason(event.reason).value,
            "reason_text": event.reason_text,
            "changed_by": event.actor,
            "version": event.originator_version,
        }
        _set_effective(row)
        page.touch(row)

    @_apply.register
    def _cancelled(self, event: Pause.Cancelled, page: _Page) -> None:
        row = page.pauses.get(event.originator_id)
        if row is None:
            return
        row |= {
            "status": PauseStatus.CANCELLED.value,
            "cancelled_at": event.timestamp,
            "changed_by": event.actor,
            "version": event.originator_version,
        }
        _set_effective(row)
        page.touch(row)

    topics: tuple[str, ...] = tuple(
        sorted(topic_of(kind) for kind in _apply.dispatcher.registry if kind is not object)
    )
    """The event topics handled above: the runner reads only these from the log."""

    # -- reading -------------------------------------------------------------

    def list(
        self,
        *,
        period_from: date,
        period_to: date,
        now: datetime,
        customer_id: UUID | None = None,
        organisation: str | None = None,
        level: PauseLevel | str | None = None,
        status: PauseStatus | str | None = None,
        time_state: TimeState | str | None = None,
        include_inactive: bool = False,
    ) -> list[PauseRow]:
        """R9, R12: the pauses whose recorded period overlaps the Stockholm days asked for.

        period_from..period_to are Stockholm calendar dates, both included; a
        pause is listed when [starts_at, ends_at or open) overlaps
        [period_from 00:00, period_to + 1 day 00:00) Stockholm time. Ended
        pauses are inactive (R12) and hidden unless `include_inactive` or
        `time_state="ended"`. Sorted by starts_at, then pause_id.
        """
        window_start, window_end = _window(period_from, period_to)
        require_aware(now, "now")
        states = _time_states(now)
        state_column = case(
            (states[TimeState.UPCOMING], literal(TimeState.UPCOMING.value)),
            (states[TimeState.ONGOING], literal(TimeState.ONGOING.value)),
            else_=literal(TimeState.ENDED.value),
        ).label("time_state")
        query = (
            select(overview_pauses, _C.organisation, state_column)
            .select_from(
                overview_pauses.outerjoin(overview_customers, _C.customer_id == _P.customer_id)
            )
            .where(_P.starts_at < window_end, or_(_P.ends_at.is_(None), _P.ends_at > window_start))
            .order_by(_P.starts_at, _P.pause_id)
        )
        if customer_id is not None:
            if not isinstance(customer_id, UUID):
                raise InvalidInputError(f"customer_id must be a UUID, got {customer_id!r}.")
            query = query.where(_P.customer_id == customer_id)
        if organisation is not None:  # the door's rules: no NUL reaches PostgreSQL (D10)
            organisation = require_text(organisation, "organisation", ORGANISATION_MAX)
            query = query.where(_C.organisation == organisation)
        if level is not None:
            query = query.where(_P.level == parse_choice(PauseLevel, level, "level").value)
        if status is not None:
            query = query.where(_P.status == parse_choice(PauseStatus, status, "status").value)
        if time_state is not None:
            query = query.where(states[parse_choice(TimeState, time_state, "time_state")])
        elif not include_inactive:
            query = query.where(~states[TimeState.ENDED])
        with self.database.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            PauseRow.model_validate({**row, "inactive": row["time_state"] == TimeState.ENDED.value})
            for row in rows
        ]

    def dump(self) -> dict[str, builtins.list[dict[str, Any]]]:
        """Every stored row of the overview, by table, sorted by key: compare a rebuild (D6)."""
        with self.database.engine.connect() as conn:
            return {
                overview_customers.name: [
                    dict(r)
                    for r in conn.execute(
                        select(overview_customers).order_by(_C.customer_id)
                    ).mappings()
                ],
                overview_pauses.name: [
                    dict(r)
                    for r in conn.execute(select(overview_pauses).order_by(_P.pause_id)).mappings()
                ],
            }


# -- helpers -------------------------------------------------------------------


def _set_effective(row: dict[str, Any]) -> None:
    """D5 through the domain's own function, so the overview and the aggregate agree."""
    period = effective_period(row["starts_at"], row["ends_at"], row["cancelled_at"])
    row["effective_start"], row["effective_end"] = period if period else (None, None)


def _time_states(now: datetime) -> dict[TimeState, ColumnElement[bool]]:
    """One SQL predicate per time state; together they cover every row exactly once."""
    has_period = _P.effective_start.is_not(None)
    return {
        TimeState.UPCOMING: and_(has_period, _P.effective_start > now),
        TimeState.ONGOING: and_(
            has_period,
            _P.effective_start <= now,
            or_(_P.effective_end.is_(None), _P.effective_end > now),
        ),
        TimeState.ENDED: or_(
            _P.effective_start.is_(None),
            and_(_P.effective_end.is_not(None), _P.effective_end <= now),
        ),
    }


def _window(period_from: date, period_to: date) -> tuple[datetime, datetime]:
    """Stockholm midnight of the first day and of the day after the last (D5: local days)."""
    for name, value in (("period_from", period_from), ("period_to", period_to)):
        if isinstance(value, datetime) or not isinstance(value, date):
            raise InvalidInputError(f"{name} must be a calendar date, got {value!r}.")
    if period_to < period_from:
        raise InvalidInputError(f"The period ends ({period_to}) before it starts ({period_from}).")
    return _utc_midnight(period_from), _utc_midnight(period_to, after=True)


def _utc_midnight(day: date, *, after: bool = False) -> datetime:
    """Stockholm midnight starting `day` (or the day after it) as a UTC instant.

    At the calendar's edges that midnight lies outside what datetime can hold
    (0001-01-01 00:00 Stockholm is still year 0 in UTC; the day after 9999-12-31
    does not exist): there the window is bounded by the first or last instant
    there is, which keeps exactly the same instants in it.
    """
    if after and day == date.max:
        return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC) + timedelta(days=1)
    if after:
        day += timedelta(days=1)
    try:
        return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)
