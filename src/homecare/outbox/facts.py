"""The facts the buffer keeps for R5, and the holds they decide.

The projection's own memory of staff, customers' decisions and visits, so
that whether an item is held, and why, is a function of the event log alone
(D6). A visit report is checked against them when it is added, and again
when a fix at the source changes them (R6).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from homecare._sql.rows import Row, RowCache
from homecare.domain.customer import Decision
from homecare.outbox import tables as t
from homecare.outbox.validation import check_visit

__all__ = ["PageFacts", "decision_fact"]


class PageFacts:
    """One page's rows of visits (`assignments`), `staff` and `customers`."""

    def __init__(self, conn: Connection, *, lean: bool = True) -> None:
        self.assignments = RowCache(conn, t.assignments, "assignment_id", lean=lean)
        self.staff = RowCache(conn, t.staff, "staff_id", lean=lean)
        self.customers = RowCache(conn, t.customers, "customer_id", lean=lean)
        self._decisions: dict[UUID, tuple[list[Any], list[Decision]]] = {}

    def caches(self) -> tuple[RowCache, RowCache, RowCache]:
        """The visits', staff's and customers' rows, in the order they are written."""
        return self.assignments, self.staff, self.customers

    def visit_reasons(
        self, *, staff_id: UUID, customer_id: UUID, day: date, activities: list[str]
    ) -> list[str]:
        """R5: every reason (`Reason` values) the visit cannot go to the city yet."""
        staff = self.staff.get(staff_id) or {}
        customer = self.customers.get(customer_id) or {"decisions": []}
        return [
            r.value
            for r in check_visit(
                staff_personnummer=staff.get("personnummer"),
                staff_sd_number=staff.get("sd_number"),
                decisions=self._decisions_of(customer_id, customer["decisions"]),
                day=day,
                activities=activities,
            )
        ]

    def _decisions_of(self, customer_id: UUID, stored: list[Any]) -> list[Decision]:
        """The customer's decisions parsed once per page (again when the list is replaced)."""
        held = self._decisions.get(customer_id)
        if held is None or held[0] is not stored:
            held = self._decisions[customer_id] = (stored, [_decision(d) for d in stored])
        return held[1]

    def recheck(self, item: Row) -> None:
        """R6: a pending visit report's reasons, against the facts as they are now."""
        item["reasons"] = self.visit_reasons(
            staff_id=item["staff_id"],
            customer_id=item["customer_id"],
            day=item["business_date"],
            activities=item["facts"]["activities"],
        )


def decision_fact(
    decision_id: UUID, valid_from: date, valid_to: date | None, activities: Any
) -> dict[str, Any]:
    """A customer's decision as the `decisions` column keeps it (JSON)."""
    return {
        "decision_id": str(decision_id),
        "valid_from": valid_from.isoformat(),
        "valid_to": None if valid_to is None else valid_to.isoformat(),
        "activities": list(activities),
    }


_PARSED: dict[Any, tuple[dict[str, Any], Decision]] = {}
_PARSED_KEPT = 16_384
"""Decisions kept parsed, by id, across pages (at most this many; full, emptied): at a
city's scale a customer's row is read again on most pages, and parsing each of their
decisions again was about 4% of a replay (issue 16)."""


def _decision(stored: dict[str, Any]) -> Decision:
    """The stored decision (`decision_fact`'s shape) parsed; the one parsed before if it
    was the same decision, compared by value with a copy of what it was parsed from."""
    key = stored.get("decision_id")
    held = _PARSED.get(key)
    if held is not None and held[0] == stored:
        return held[1]
    decision = Decision(
        decision_id=UUID(stored["decision_id"]),
        valid_from=date.fromisoformat(stored["valid_from"]),
        valid_to=None if stored["valid_to"] is None else date.fromisoformat(stored["valid_to"]),
        activities=frozenset(stored["activities"]),
    )
    if len(_PARSED) >= _PARSED_KEPT:
        _PARSED.clear()
    _PARSED[key] = ({**stored, "activities": list(stored["activities"])}, decision)
    return decision
