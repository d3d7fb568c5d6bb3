"""What each console page shows, read from the store: plain data, no HTML, nothing written.

Every function here only reads (the buffer's queries, the facade's `get`, the
audit history); the routes turn the result into a page (the pause overview's:
`pause_views`). What identifies a person is left out unless `personal` is true:
names, personnummer (no part of it: the birth date is the person's too) and SD
numbers; what R5 needs stays (whether the account has them). The rest a page
shows (decisions, visits, history, held items) is still the subject's data: the
caller records every view, masked or not (R17: the hook, by default the access
log). Aggregates are loaded through the page's `Reading`, which records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from homecare.application.reads import Reading
from homecare.audit import HistoryEntry, history
from homecare.bootstrap import Homecare
from homecare.domain.assignment import Assignment
from homecare.domain.customer import Customer, Decision
from homecare.domain.identity import PersonalIdentityNumber
from homecare.domain.month import Month
from homecare.domain.payment_run import FIRST_YEAR, LAST_YEAR, has_payment_run
from homecare.domain.privacy import CULLED, Culled
from homecare.domain.staff import Staff
from homecare.outbox.deadline import DeadlineReport
from homecare.outbox.month_report import MonthReport
from homecare.outbox.store import AssignmentIntegration, ItemView, ProblemGroup
from homecare.outbox.validation import Reason

__all__ = [
    "CustomerPage",
    "Deadline",
    "StaffPage",
    "VisitPage",
    "customer_page",
    "deadline",
    "fix_link",
    "month_link",
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
    """R14: the payment run that pays the month, the time left, what of the month is not
    delivered by reason (`undelivered`: the DeadlineReport `homecare buffer deadline
    --month` prints, performed visits not yet confirmed included), and once the run has
    passed, what of the month reached the city in time (the month report's totals)."""

    at: datetime
    holiday: bool
    why: str
    left: timedelta
    report: MonthReport | None
    undelivered: DeadlineReport

    @property
    def passed(self) -> bool:
        return self.left <= timedelta(0)


def deadline(hc: Homecare, year: int, month: int, now: datetime) -> Deadline | None:
    """The month's payment-run panel, or None when its run cannot be told (R14)."""
    if not has_payment_run(year, month):  # the page says its run cannot be told (R14)
        return None
    run = hc.month_close.payment_run(year, month)
    left = run.at - now
    report = hc.month_close.report(year, month) if left <= timedelta(0) else None
    undelivered = hc.month_close.deadline(year, month, now=now)  # as the CLI's (R14)
    return Deadline(run.at, run.holiday, run.why, left, report, undelivered)


def problem_groups(hc: Homecare) -> list[ProblemGroup]:
    """R5: held items grouped by reason (the buffer's own grouping)."""
    return hc.buffer.problems()


@dataclass(frozen=True)
class Person:
    """A name and personnummer as shown: only to a viewer allowed personal data (None, shown
    as hidden, to others). A culled field is `CULLED` (R16) to everyone, which the templates
    show as "culled"/"gallrad"."""

    name: str | Culled | None
    personnummer: str | Culled | None
    unmasked: bool


def _person(
    name: str, number: PersonalIdentityNumber | None, personal: bool, culled: bool
) -> Person:
    """R16: `culled` (the subject's key is destroyed) turns its fields into the marker."""
    shown_number: str | Culled | None = None
    if number is not None and (personal or number.is_culled):
        shown_number = CULLED if number.is_culled else number.value
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
    """A staff account as R5 needs it: reportable or not, and the visits it holds back.
    `sd_number` only for a viewer allowed personal data (the person's id in the city's
    staff register)."""

    staff_id: UUID
    person: Person
    has_personnummer: bool
    has_sd_number: bool
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
        has_sd_number=bool(staff.sd_number),
        sd_number=staff.sd_number if personal else None,
        held=_held_items(hc, lambda item: item.staff_id == staff_id),
    )


def _held_items(hc: Homecare, keep: Callable[[ItemView], bool]) -> list[ItemView]:
    unique: dict[UUID, ItemView] = {}
    for group in hc.buffer.problems():
        for item in group.items:
            if keep(item):
                unique[item.message_id] = item
    return sorted(unique.values(), key=lambda i: (i.business_date, str(i.message_id)))
