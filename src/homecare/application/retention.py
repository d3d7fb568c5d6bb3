"""Who is due for culling under the retention policy (R16), read from the log.

A subject's last entry is the Stockholm day of the last event that concerns
them: a customer's own events and those of their contracts, orders, pauses
and visits; a staff member's own events and those of the visits they were
planned for. Culling records (`Culling.Recorded`) are not entries. The rule
itself (`homecare.domain.retention.due`) is pure; this module only gathers
each subject's last entry and birth day (from the personnummer: a staff member
without one, or a culled number, has none) in one pass over the log, in pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from homecare._es.log import Log
from homecare.domain.common import stockholm_day
from homecare.domain.culling import Culling
from homecare.domain.customer import Customer
from homecare.domain.fields import require_day
from homecare.domain.privacy import SubjectKind
from homecare.domain.retention import Due, RetentionPolicy, due
from homecare.domain.staff import Staff

__all__ = ["DueSubject", "due_subjects"]


@dataclass(frozen=True)
class DueSubject:
    """A subject due for culling on the day asked: why (`due.reason`), since and by when."""

    subject_id: UUID
    kind: SubjectKind
    last_entry: date
    due: Due


@dataclass
class _Subject:
    kind: SubjectKind
    last_entry: date
    birth_day: int | None = None


def due_subjects(
    log: Log, policy: RetentionPolicy, today: date, *, culled: set[UUID], page_size: int = 5000
) -> list[DueSubject]:
    """Every subject not in `culled` whose culling is due on `today`, by kind, then id.
    Empty when the policy is off (the caller says so). `today` is a Stockholm calendar
    day (a `date`, not a datetime, 1900-2199), else InvalidInputError, policy on or off."""
    today = require_day(today, "today")
    if not policy.enabled:
        return []
    subjects: dict[UUID, _Subject] = {}
    owners: dict[UUID, tuple[UUID | None, UUID | None]] = {}  # aggregate -> customer, staff
    for page in log.pages(page_size=page_size):
        for _, event in log.decoded(page):
            _note(event, subjects, owners)
    found = []
    for subject_id, subject in subjects.items():
        if subject_id in culled:
            continue
        when = due(subject.last_entry, subject.birth_day, today, policy)
        if when is not None:
            found.append(DueSubject(subject_id, subject.kind, subject.last_entry, when))
    return sorted(found, key=lambda d: (d.kind.value, str(d.subject_id)))


def _note(
    event: Any,
    subjects: dict[UUID, _Subject],
    owners: dict[UUID, tuple[UUID | None, UUID | None]],
) -> None:
    """One event: its day becomes the last entry of every subject it concerns."""
    if isinstance(event, Culling.Recorded):
        return
    day = stockholm_day(event.timestamp)
    origin = event.originator_id
    if isinstance(event, Customer.Event):
        concerned: tuple[UUID | None, UUID | None] = (origin, None)
    elif isinstance(event, Staff.Event):
        concerned = (None, origin)
    else:
        known = owners.get(origin)
        if known is None:
            known = (getattr(event, "customer_id", None), getattr(event, "staff_id", None))
            owners[origin] = known
        concerned = known
    customer_id, staff_id = concerned
    if customer_id is not None:
        _touch(subjects, customer_id, SubjectKind.CUSTOMER, day)
    if staff_id is not None:
        _touch(subjects, staff_id, SubjectKind.STAFF, day)
    if isinstance(event, Customer.Registered | Staff.Registered | Staff.Updated):
        number = getattr(event, "personnummer", None)
        subject = subjects[origin]
        subject.birth_day = None if number is None else number.birth_day


def _touch(subjects: dict[UUID, _Subject], subject_id: UUID, kind: SubjectKind, day: date) -> None:
    found = subjects.get(subject_id)
    if found is None:
        subjects[subject_id] = _Subject(kind, day)
    elif day > found.last_entry:
        found.last_entry = day
