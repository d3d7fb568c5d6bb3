"""Reading the pause overview (R9, R12): the filtered list, the time states, a dump.

Why in SQL: "upcoming / ongoing / ended" is decided against a `now` the
caller passes in (the library reads no clock), on SQLite and PostgreSQL alike.
R12: a pause whose effective period has ended (or that never had one, being
cancelled before it started) is *inactivated*: hidden from the default list,
shown with `include_inactive=True` or `time_state="ended"`, so it can be
reconciled against what was sent to the city.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, case, literal, or_, select

from homecare._es.error_map import boundary
from homecare._es.sealing import Sealer
from homecare._sql.database import Database
from homecare.domain.citydays.localdays import utc_midnight
from homecare.domain.common import parse_choice, require_aware
from homecare.domain.fields import ORGANISATION_MAX, require_text
from homecare.domain.identity import redacted
from homecare.domain.month import Month
from homecare.domain.pause import PauseLevel, PauseReason, PauseStatus
from homecare.errors import InvalidInputError
from homecare.projections.pause_overview.tables import (
    SEALED,
    overview_customers,
    overview_pauses,
)

__all__ = ["PauseQueries", "PauseRow", "TimeState", "month_bounds", "previous_month"]

_P = overview_pauses.c
_C = overview_customers.c


class TimeState(StrEnum):
    """Where a pause's effective period (D5) stands relative to a given instant."""

    UPCOMING = "upcoming"
    ONGOING = "ongoing"
    ENDED = "ended"


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


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last calendar day of a month, for the overview's period (R9)."""
    return Month(year, month).days


def previous_month(today: date) -> tuple[date, date]:
    """R9's "previous month" step: the first and last day of the month before `today`'s."""
    return Month.before(today).days


@boundary
class PauseQueries:
    """The overview's queries over `database` (PauseOverview is one)."""

    database: Database
    sealer: Sealer
    require_customer: Callable[[UUID], object] | None = None
    """NotFoundError unless the id names a customer (the composition root sets it)."""

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
        `time_state="ended"`. Sorted by starts_at, then pause_id. A `customer_id` that
        is not a UUID is InvalidInputError; one that names no customer (a staff
        member's, nobody's) NotFoundError, as `require_customer` says; a culled
        customer's is listed (docs/privacy.md).
        """
        window_start, window_end = _window(period_from, period_to)
        require_aware(now, "now")
        if not isinstance(include_inactive, bool):  # "no" would read as True: all shown
            raise InvalidInputError(
                f"include_inactive must be True or False, got {type(include_inactive).__name__}."
            )
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
                raise InvalidInputError(f"customer_id must be a UUID, got {redacted(customer_id)}.")
            if self.require_customer is not None:
                self.require_customer(customer_id)
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
            PauseRow.model_validate(
                {**self._opened(row), "inactive": row["time_state"] == TimeState.ENDED.value}
            )
            for row in rows
        ]

    def _opened(self, row: Mapping[Any, Any]) -> dict[str, Any]:
        """The row with its sealed columns (D8: reason text, actors) opened."""
        return {
            k: self.sealer.open_text(v) if k in SEALED and v is not None else v
            for k, v in row.items()
        }

    def dump(self) -> dict[str, builtins.list[dict[str, Any]]]:
        """Every stored row of the overview, by table, sorted by key: compare a rebuild (D6).
        Sealed columns are opened (the same text seals differently each time)."""
        with self.database.engine.connect() as conn:
            return {
                table.name: [
                    self._opened(r) for r in conn.execute(select(table).order_by(key)).mappings()
                ]
                for table, key in (
                    (overview_customers, _C.customer_id),
                    (overview_pauses, _P.pause_id),
                )
            }


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
            raise InvalidInputError(f"{name} must be a calendar date, got {redacted(value)}.")
    if period_to < period_from:
        raise InvalidInputError(f"The period ends ({period_to}) before it starts ({period_from}).")
    return utc_midnight(period_from), utc_midnight(period_to, after=True)
