"""What each console page shows, read from the store: plain data, no HTML, nothing written.

Every function here only reads (the buffer's and the overview's queries, the
facade's `get`, the audit history); the routes turn the result into a page.
Personal data (names, personnummer) is masked unless `personal` is true; the
caller records each unmasked view (R17: the hook, by default the access log).
Aggregates are loaded through the page's `Reading`, which records nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from homecare.application.reads import Reading
from homecare.audit import HistoryEntry, history
from homecare.bootstrap import Homecare
from homecare.domain.assignment import Assignment
from homecare.domain.customer import Customer, Decision
from homecare.domain.identity import PersonalIdentityNumber, mask
from homecare.domain.month import Month
from homecare.domain.payment_run import FIRST_YEAR, LAST_YEAR, has_payment_run
from homecare.domain.privacy import CULLED, Culled
from homecare.domain.staff import Staff
from homecare.outbox.month_report import MonthReport
from homecare.outbox.reconcile import DayRange
from homecare.outbox.store import AssignmentIntegration, ItemView, ProblemGroup
from homecare.outbox.validation import Reason
from homecare.projections.pause_overview import PauseRow

__all__ = [
    "CustomerPage",
    "DayCalendar",
    "Deadline",
    "PauseFilters",
    "StaffPage",
    "VisitPage",
    "calendars",
    "customer_page",
    "deadline",
    "fix_link",
    "month_link",
    "pause_rows",
    "staff_page",
    "visit_page",
]

_STAFF_REASONS = {Reason.STAFF_MISSING_PERSONNUMMER.value, Reason.STAFF_MISSING_SD_NUMBER.value}


def month_link(year: int, month: int, by: int) -> str | None:
    """YYYY-MM of the month `by` months after (before, if negative) year-month, or None
    past the months the console shows (FIRST_YEAR-01 to LAST_YEAR-12): no link there."""
    step = Month(year, month).step(by)
    return str(step) if FIRST_YEAR <= step.year <= LAST_YEAR else None


def fix_link(reason: str, item: ItemView) -> tuple[str, UUID] | None:
    """R6: the record where a held item is fixed: ("staff"|"visits"|"customers", id)."""
    if reason in _STAFF_REASONS and item.staff_id is not None:
        return "staff", item.staff_id
    if reason == Reason.ACTIVITY_NOT_GRANTED.value and item.assignment_id is not None:
        return "visits", item.assignment_id
    return "customers", item.customer


@dataclass(frozen=True)
class Deadline:
    """R14: the payment run that pays the month, the time left, and once it has passed,
    what of the month reached the city in time (the month report's totals)."""

    at: datetime
    holiday: bool
    why: str
    left: timedelta
    report: MonthReport | None

    @property
    def passed(self) -> bool:
        return self.left <= timedelta(0)


def deadline(hc: Homecare, year: int, month: int, now: datetime) -> Deadline | None:
    if not has_payment_run(year, month):  # the page says its run cannot be told (R14)
        return None
    run = hc.month_close.payment_run(year, month)
    left = run.at - now
    report = hc.month_close.report(year, month) if left <= timedelta(0) else None
    return Deadline(run.at, run.holiday, run.why, left, report)


def problem_groups(hc: Homecare) -> list[ProblemGroup]:
    """R5: held items grouped by reason (the buffer's own grouping)."""
    return hc.buffer.problems()


# -- pauses (R9, R12) -----------------------------------------------------------


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


def pause_rows(hc: Homecare, filters: PauseFilters, now: datetime) -> list[PauseRow]:
    return hc.pauses.list(
        period_from=filters.period_from,
        period_to=filters.period_to,
        now=now,
        customer_id=filters.customer,
        organisation=filters.organisation,
        level=filters.level,
        status=filters.status,
        include_inactive=filters.ended,
    )


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


# -- records ----------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A name and personnummer as shown: in full only for a viewer allowed personal data.
    A culled field is `CULLED` (R16), which the templates show as "culled"/"gallrad"."""

    name: str | Culled | None
    personnummer: str | Culled | None
    unmasked: bool


def _person(
    name: str, number: PersonalIdentityNumber | None, personal: bool, culled: bool
) -> Person:
    """R16: `culled` (the subject's key is destroyed) turns its fields into the marker."""
    shown_number: str | Culled | None = None
    if number is not None:
        shown_number = (
            CULLED if number.is_culled else (number.value if personal else mask(number.value))
        )
    if personal:
        return Person(CULLED if culled else name, shown_number, True)
    return Person(None, shown_number, False)


def _culled(hc: Homecare, subject_id: UUID, number: PersonalIdentityNumber | None) -> bool:
    """A culled number is exact; without one, the register of cullings says (R16)."""
    if number is not None:
        return number.is_culled
    return any(s.subject_id == subject_id for s in hc.subject_keys.culled())


@dataclass(frozen=True)
class VisitPage:
    """R2: a visit, its integration status and where it stands."""

    assignment: Assignment
    integration: AssignmentIntegration | None


def visit_page(hc: Homecare, read: Reading, assignment_id: UUID) -> VisitPage:
    """Raises NotFoundError for an id that is not a visit; loaded through `read`."""
    assignment = read.get(Assignment, assignment_id)
    found = hc.buffer.integration_statuses(assignment_ids=[assignment_id])
    return VisitPage(assignment, found[0] if found else None)


@dataclass(frozen=True)
class CustomerPage:
    """A customer: who (masked unless allowed), decisions, visits, pauses, history (D6)."""

    customer_id: UUID
    organisation: str
    person: Person
    decisions: list[Decision]
    visits: list[AssignmentIntegration]
    held: list[ItemView]
    history: list[HistoryEntry]


def customer_page(
    hc: Homecare, read: Reading, customer_id: UUID, *, personal: bool
) -> CustomerPage:
    """Raises NotFoundError for an id that is not a customer; loaded through `read`."""
    customer = read.get(Customer, customer_id)
    visits = [s for s in hc.buffer.integration_statuses() if s.customer == customer_id]
    held = _held_items(hc, lambda item: item.customer == customer_id)
    return CustomerPage(
        customer_id=customer_id,
        organisation=customer.organisation,
        person=_person(
            customer.name,
            customer.personnummer,
            personal,
            _culled(hc, customer_id, customer.personnummer),
        ),
        decisions=sorted(customer.decisions, key=lambda d: d.valid_from),
        visits=visits,
        held=held,
        history=history(hc, customer_id, within=read),
    )


@dataclass(frozen=True)
class StaffPage:
    """A staff account as R5 needs it: reportable or not, and the visits it holds back."""

    staff_id: UUID
    person: Person
    has_personnummer: bool
    sd_number: str | None
    held: list[ItemView] = field(default_factory=list)


def staff_page(hc: Homecare, read: Reading, staff_id: UUID, *, personal: bool) -> StaffPage:
    """Raises NotFoundError for an id that is not a staff account; loaded through `read`."""
    staff = read.get(Staff, staff_id)
    return StaffPage(
        staff_id=staff_id,
        person=_person(
            staff.name, staff.personnummer, personal, _culled(hc, staff_id, staff.personnummer)
        ),
        has_personnummer=staff.personnummer is not None,
        sd_number=staff.sd_number,
        held=_held_items(hc, lambda item: item.staff_id == staff_id),
    )


def _held_items(hc: Homecare, keep: Callable[[ItemView], bool]) -> list[ItemView]:
    unique: dict[UUID, ItemView] = {}
    for group in hc.buffer.problems():
        for item in group.items:
            if keep(item):
                unique[item.message_id] = item
    return sorted(unique.values(), key=lambda i: (i.business_date, str(i.message_id)))
