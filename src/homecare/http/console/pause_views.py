"""What the console's pause overview shows (R9, R12): the rows, and per customer the days
the city holds beside the days the pauses imply (R10, D5). Plain data, nothing written.

A pause's reason text is free text, often a hospital stay or a diagnosis: a
viewer without `+personal` gets the rows without it (`PauseList.hidden_texts`
says which had one); a culled text (R16) is the marker for everyone. The caller
records the view of every customer shown (R17).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from homecare.bootstrap import Homecare
from homecare.domain.privacy import CULLED
from homecare.outbox.reconcile import DayRange
from homecare.projections.pause_overview import PauseRow

__all__ = ["DayCalendar", "PauseFilters", "PauseList", "calendars", "pause_rows"]


@dataclass(frozen=True)
class PauseFilters:
    """The overview's filters; None means "all"."""

    period_from: date
    period_to: date
    customer: UUID | None = None
    organisation: str | None = None
    level: str | None = None
    status: str | None = None
    ended: bool = False


@dataclass(frozen=True)
class PauseList:
    """The pauses shown, and those whose reason text is left out for this viewer."""

    rows: list[PauseRow]
    hidden_texts: frozenset[UUID] = frozenset()


def pause_rows(hc: Homecare, filters: PauseFilters, now: datetime, *, personal: bool) -> PauseList:
    """The overview's rows (R9, R12); without `personal`, without their reason texts."""
    rows = hc.pauses.list(
        period_from=filters.period_from,
        period_to=filters.period_to,
        now=now,
        customer_id=filters.customer,
        organisation=filters.organisation,
        level=filters.level,
        status=filters.status,
        include_inactive=filters.ended,
    )
    if personal:
        return PauseList(rows)
    hidden = frozenset(r.pause_id for r in rows if r.reason_text and r.reason_text != CULLED.text)
    masked = [
        r.model_copy(update={"reason_text": None}) if r.pause_id in hidden else r for r in rows
    ]
    return PauseList(masked, hidden)


@dataclass(frozen=True)
class DayCalendar:
    """One customer's days in the period: those the city holds beside those the pauses imply
    (R10: whole Stockholm days, D5; R12), and why they differ (`causes`: queued, held, withdrawn,
    not_in_buffer, from the month close's reconciliation). `days` are the period's dates."""

    customer_id: UUID
    days: list[date]
    held: set[date]
    implied: set[date]
    causes: list[str] = field(default_factory=list)

    @property
    def differing(self) -> set[date]:
        return self.held ^ self.implied


def _days_of(periods: Iterable[DayRange], first: date, last: date) -> set[date]:
    found: set[date] = set()
    for period in periods:
        start = max(period.first_day, first)
        end = last if period.last_day is None else min(period.last_day, last)
        while start <= end:
            found.add(start)
            start += timedelta(days=1)
    return found


def calendars(
    hc: Homecare, customer_ids: list[UUID], first: date, last: date, now: datetime
) -> list[DayCalendar]:
    """Per customer, the period's days held by the city (the pause messages it has fetched,
    applied in order) and implied by its pauses of every level, with the causes of the
    differences: one reconciliation (R12, `hc.month_close.reconcile_pauses`) for all."""
    wanted = list(dict.fromkeys(customer_ids))
    if not wanted:
        return []
    found = {
        entry.customer: entry
        for entry in hc.month_close.reconcile_pauses(now=now).customers
        if entry.customer in set(wanted)
    }
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    result: list[DayCalendar] = []
    for customer_id in wanted:
        entry = found.get(customer_id)
        if entry is None:
            result.append(DayCalendar(customer_id, days, set(), set()))
            continue
        held = _days_of(entry.city_holds, first, last)
        implied = _days_of(entry.pauses_imply, first, last)
        causes = sorted({str(d.cause) for d in entry.differences if _days_of([d], first, last)})
        result.append(DayCalendar(customer_id, days, held, implied, causes))
    return result
