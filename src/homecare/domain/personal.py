"""Which fields of which events are personal data, and whose (R16, D8; docs/privacy.md).

Why one table: the event store seals exactly these fields with the subject's
data key (`homecare._es.personal`), so culling the subject (destroying the
key) erases them everywhere while the log keeps its shape. Every event class
of the domain is listed either in `PERSONAL` or in `NOT_PERSONAL`; a test
walks the domain's aggregates and fails on an event class in neither, so a
new event cannot slip through unsealed.

How the subject is found (`Personal.subject_field`):
- None: the event's aggregate *is* the subject (`Customer.Registered`: the
  customer's own id);
- a field name with `on_creation` False: the event carries the subject's id
  in that field (`Pause.Created.customer_id`);
- a field name with `on_creation` True: the field is on the aggregate's
  creating event (`Pause.Changed` has only the pause's id: its customer is
  `Pause.Created.customer_id`; a decline's is `Assignment.Planned.customer_id`).

What stays clear (decided, docs/privacy.md): ids, times, activities, statuses,
the customer's organisation (the provider's unit or team, shared by many
customers; the pause overview filters on it and keeps it after a cull), the
staff member's SD number (the employer's register id, which the city's visit
reports carry and the buffer keeps after a cull),
the pause reason *code* (a category from a fixed list, which the read models
filter on and the city receives; once the subject's identity is culled it
points at no one), the visit's times, and `actor` (the operator's name, not
the subject's). With a store cipher key every event is encrypted whole as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from homecare.domain.assignment import Assignment
from homecare.domain.contract import Contract
from homecare.domain.culling import Culling
from homecare.domain.customer import Customer
from homecare.domain.order import Order
from homecare.domain.pause import Pause
from homecare.domain.privacy import SubjectKind
from homecare.domain.shift import WorkShift
from homecare.domain.staff import Staff

__all__ = ["NOT_PERSONAL", "PERSONAL", "Personal"]


@dataclass(frozen=True)
class Personal:
    """The personal fields of one event class and how to find their subject (module doc).

    `fields`: text or `PersonalIdentityNumber` fields (None values stay None)."""

    kind: SubjectKind
    fields: tuple[str, ...]
    subject_field: str | None = None
    on_creation: bool = False


_DECLINE = Personal(
    SubjectKind.CUSTOMER, ("declined_by", "reason"), subject_field="customer_id", on_creation=True
)

PERSONAL: Final[dict[type, Personal]] = {
    Customer.Registered: Personal(SubjectKind.CUSTOMER, ("personnummer", "name")),
    Staff.Registered: Personal(SubjectKind.STAFF, ("name", "personnummer")),
    Staff.Updated: Personal(SubjectKind.STAFF, ("personnummer",)),
    Pause.Created: Personal(SubjectKind.CUSTOMER, ("reason_text",), subject_field="customer_id"),
    Pause.Changed: Personal(
        SubjectKind.CUSTOMER, ("reason_text",), subject_field="customer_id", on_creation=True
    ),
    Assignment.Declined: _DECLINE,
    Assignment.DeclineCorrected: _DECLINE,
}
"""Event class -> its personal fields; looked up by the exact class (no inheritance)."""

NOT_PERSONAL: Final[frozenset[type]] = frozenset(
    {
        Customer.DecisionRegistered,  # decision id, period, activities
        Customer.PauseAttached,
        Contract.Opened,
        Contract.PauseAttached,
        Order.Placed,
        Order.PauseAttached,
        Pause.Cancelled,
        Assignment.Planned,  # ids and planned times
        Assignment.Performed,  # times and activities
        Assignment.Corrected,
        Assignment.Attested,
        Assignment.Confirmed,
        WorkShift.Opened,
        WorkShift.AssignmentAdded,
        Culling.Recorded,  # ids, kind, reason code, legal basis: no personal data by design
    }
)
"""Event classes declared to hold no personal data (beyond the operator's `actor`)."""
