"""Events in, rows changed: one handler per event type the buffer reads (R2-R6, R10, R15).

- `AssignmentConfirmed` adds a visit report, checked against R5;
- each pause event re-plans the customer's whole-day periods at the city
  (`homecare.outbox.city`);
- a fix at the source (staff updated, decision registered, visit corrected)
  re-checks the waiting items it concerns (R6);
- a culling withdraws the subject's unfetched items and overwrites their
  personal data with the culled marker (R16, `homecare.outbox.culled`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from homecare._sql.rows import Row
from homecare.domain.assignment import Assignment
from homecare.domain.citydays import STOCKHOLM
from homecare.domain.culling import Culling
from homecare.domain.customer import Customer
from homecare.domain.pause import Pause
from homecare.domain.staff import Staff
from homecare.outbox.culled import culled, stored_personnummer
from homecare.outbox.facts import decision_fact
from homecare.outbox.items import ItemState
from homecare.outbox.messages import MessageKind
from homecare.outbox.page import Page

__all__ = ["HANDLERS", "Handler"]

Handler = Callable[[Page, int, Any], None]
"""(page, the event's log position, the event)."""


def _customer_registered(page: Page, _position: int, event: Customer.Registered) -> None:
    page.new_customer(event.originator_id)
    page.facts.customers.add(
        {
            "customer_id": event.originator_id,
            "personnummer": page.sealer.seal(stored_personnummer(event.personnummer)),
            "decisions": [],
        }
    )


def _decision_registered(page: Page, _position: int, event: Customer.DecisionRegistered) -> None:
    """R6: a new decision may release the customer's held visit reports."""
    customer = page.facts.customers.get(event.originator_id)
    assert customer is not None
    customer["decisions"] = [
        *customer["decisions"],
        decision_fact(event.decision_id, event.valid_from, event.valid_to, event.activities),
    ]
    page.facts.customers.changed(customer)
    page.recheck(page.items.pending_of(event.originator_id))
    page.items.release_in_order(event.originator_id)


def _staff_registered(page: Page, _position: int, event: Staff.Registered) -> None:
    page.facts.staff.add({"staff_id": event.originator_id, **_staff_facts(page, event)})


def _staff_updated(page: Page, _position: int, event: Staff.Updated) -> None:
    """R6: a completed staff account may release held visit reports of many customers."""
    row = page.facts.staff.get(event.originator_id)
    assert row is not None
    facts = _staff_facts(page, event)
    if page.staff_culled(event.originator_id):
        del facts["personnummer"]  # R16: an update after the cull (SD number) keeps the marker
    row.update(facts)
    page.facts.staff.changed(row)
    items = page.items.pending_of_staff(event.originator_id)
    page.recheck(items)
    for customer_id in sorted({item["customer_id"] for item in items}):
        page.items.release_in_order(customer_id)


def _staff_facts(page: Page, event: Staff.Registered | Staff.Updated) -> Row:
    """R5's staff facts; a number read after the key was destroyed is KEY_DESTROYED (R16)."""
    number = event.personnummer
    return {
        "personnummer": None if number is None else page.sealer.seal(stored_personnummer(number)),
        "sd_number": event.sd_number,
    }


def _assignment_planned(page: Page, _position: int, event: Assignment.Planned) -> None:
    page.facts.assignments.add(
        {
            "assignment_id": event.originator_id,
            "customer_id": event.customer_id,
            "staff_id": event.staff_id,
            "performed_start": None,
            "performed_end": None,
            "activities": [],
            "outcome": "performed",
            "confirmed": False,
            "revision": 0,
            "item_seq": None,
        }
    )


_DECLINED = (Assignment.Declined, Assignment.DeclineCorrected)
"""Both declined events, since the aggregate's event classes do not inherit from each other."""
_CORRECTIONS = (Assignment.Corrected, Assignment.DeclineCorrected)
"""A report's corrections: they withdraw the visit's held report (R6)."""


def _visit_reported(
    page: Page,
    _position: int,
    event: Assignment.Performed | Assignment.Declined | Assignment.DeclineCorrected,
) -> None:
    """A performed visit, or R15: a declined one, reported with the planned time and no
    activities. A correction withdraws the visit's held report (R6); a first report
    only sets the row's report columns, without reading the row where it is not held
    (`RowCache.patch`, `Page.prefetch`)."""
    if isinstance(event, _DECLINED):
        report: Row = {
            "performed_start": event.planned_start,
            "performed_end": event.planned_end,
            "activities": [],
            "outcome": "declined",
        }
    else:
        report = {
            "performed_start": event.performed_start,
            "performed_end": event.performed_end,
            "activities": list(event.activities),
            "outcome": "performed",
        }
    report["confirmed"] = False
    if not isinstance(event, _CORRECTIONS):
        page.facts.assignments.patch(event.originator_id, report)
        return
    row = page.facts.assignments.get(event.originator_id)
    assert row is not None
    row.update(report)
    page.facts.assignments.changed(row)
    _withdraw_held_report(page, row)


def _withdraw_held_report(page: Page, row: Row) -> None:
    """R6: a corrected visit's held report is superseded by its next confirmation."""
    if row["item_seq"] is None:
        return
    item = page.items.rows.get(row["item_seq"])
    if item is not None and item["state"] == ItemState.PENDING:
        page.items.supersede(item)
        page.items.release_in_order(row["customer_id"])


def _assignment_confirmed(page: Page, position: int, event: Assignment.Confirmed) -> None:
    """R2: a confirmed visit becomes a visit report, held if R5 finds a reason."""
    row = page.facts.assignments.get(event.originator_id)
    assert row is not None
    assert row["performed_start"] is not None
    start: datetime = row["performed_start"]
    day = start.astimezone(STOCKHOLM).date()
    row["confirmed"] = True
    row["revision"] += 1
    item = page.items.add(
        event=event,
        index=0,
        position=position,
        kind=MessageKind.VISIT_REPORT,
        customer_id=row["customer_id"],
        business_date=day,
        facts={
            "assignment_id": str(row["assignment_id"]),
            "revision": row["revision"],
            "performed_start": start.isoformat(),
            "performed_end": row["performed_end"].isoformat(),
            "activities": list(row["activities"]),
            # R15: only a declined visit says so; performed reports keep their old shape
            **({"outcome": "declined"} if row["outcome"] == "declined" else {}),
        },
        reasons=page.facts.visit_reasons(
            staff_id=row["staff_id"],
            customer_id=row["customer_id"],
            day=day,
            activities=row["activities"],
        ),
        assignment_id=row["assignment_id"],
        staff_id=row["staff_id"],
    )
    row["item_seq"] = item["seq"]
    page.facts.assignments.changed(row)
    page.items.release_in_order(row["customer_id"])


def _pause_created(page: Page, position: int, event: Pause.Created) -> None:
    page.city.add_pause(
        {
            "pause_id": event.originator_id,
            "customer_id": event.customer_id,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "cancelled_at": None,
        }
    )
    page.city.replan_city(event.customer_id, position, event)


def _pause_changed(page: Page, position: int, event: Pause.Changed | Pause.Cancelled) -> None:
    """A pause's period changed, or it was cancelled (R8, R10)."""
    row = page.city.pauses.get(event.originator_id)
    assert row is not None
    if isinstance(event, Pause.Cancelled):
        row["cancelled_at"] = event.timestamp
    else:
        row.update(starts_at=event.starts_at, ends_at=event.ends_at)
    page.city.pauses.changed(row)
    page.city.replan_city(row["customer_id"], position, event)


HANDLERS: dict[type[Any], Handler] = {
    Culling.Recorded: culled,
    Customer.Registered: _customer_registered,
    Customer.DecisionRegistered: _decision_registered,
    Staff.Registered: _staff_registered,
    Staff.Updated: _staff_updated,
    Assignment.Planned: _assignment_planned,
    Assignment.Performed: _visit_reported,
    Assignment.Corrected: _visit_reported,
    Assignment.Declined: _visit_reported,
    Assignment.DeclineCorrected: _visit_reported,
    Assignment.Confirmed: _assignment_confirmed,
    Pause.Created: _pause_created,
    Pause.Changed: _pause_changed,
    Pause.Cancelled: _pause_changed,
}
"""The handler of each event type; the buffer reads no other (their topics, `BufferProjection`)."""
