"""R14: the payment run as the buffer's deadline: what of a month is at risk, and why.

A month's items are the buffer items whose `business_date` lies in it (as R4's
month view), plus the visits performed in it that are not confirmed yet
(they are not in the buffer, but they will not be paid either). Every one not
yet delivered to the city is *at risk* before the month's payment run and
*late* after it. They are grouped by reason, each with its fix, easiest first
(`EFFORT`). A withdrawn item (R16: its customer or staff member was culled
before the city fetched it) is not at risk: it will never be sent; nor is a
culled subject's unconfirmed visit (confirming it would withdraw it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, select

from homecare.domain.citydays import STOCKHOLM
from homecare.domain.month import Month
from homecare.domain.payment_run import PaymentRun
from homecare.outbox import tables as t
from homecare.outbox.culled import culled_among
from homecare.outbox.item_status import ItemStatus
from homecare.outbox.store import Buffer
from homecare.outbox.validation import REASONS, Reason

__all__ = [
    "EFFORT",
    "AtRiskGroup",
    "AtRiskItem",
    "DeadlineReport",
    "MetricSample",
    "deadline_metrics",
    "deadline_report",
]

QUEUED, NOT_CONFIRMED = "queued", "not_confirmed"

# Easiest fix first: nothing to do but wait for the city, then the operator's own steps,
# then what needs another person (a decision), then what waits on another item.
EFFORT: dict[str, tuple[str, str]] = {
    QUEUED: (
        "the city has not fetched it yet",
        "Nothing to do while the city fetches every five minutes (R3); if it has stopped, "
        "check the server and the city's poller.",
    ),
    NOT_CONFIRMED: (
        "performed but not confirmed",
        "Attest and confirm the visit, or its work shift (R1: app.attest_assignments, "
        "app.confirm_assignments, app.confirm_shift).",
    ),
    **{
        reason.value: REASONS[reason]
        for reason in (
            Reason.STAFF_MISSING_SD_NUMBER,
            Reason.STAFF_MISSING_PERSONNUMMER,
            Reason.ACTIVITY_NOT_GRANTED,
            Reason.NO_VALID_DECISION,
            Reason.WAITING_FOR_EARLIER_ITEM,
        )
    },
}


class AtRiskItem(BaseModel):
    """One item (or unconfirmed visit) of the month not delivered to the city."""

    model_config = ConfigDict(frozen=True)

    kind: str
    status: Literal["queued", "held", "not_confirmed"]
    customer: UUID
    business_date: date
    reasons: list[str]
    message_id: UUID | None
    assignment_id: UUID | None
    staff_id: UUID | None


class AtRiskGroup(BaseModel):
    """Items that share a reason, with the fix; `effort` 1 is the easiest."""

    model_config = ConfigDict(frozen=True)

    reason: str
    effort: int
    text: str
    fix: str
    items: list[AtRiskItem]


class DeadlineReport(BaseModel):
    """R14 for one month: the run, the time left, and what is not delivered.

    `run_at` is Stockholm time; `seconds_left` is negative once the run has
    passed. `status`: `clear` (everything delivered), `at_risk` (something not
    delivered, before the run) or `late` (something not delivered, after it).
    `not_delivered` counts distinct items; an item with two reasons is in two groups.
    `in_pause` lists the month's performed visits that lie in a pause (R7): they
    cannot be confirmed, so nothing is paid for them and they are not at risk;
    if a visit did take place, correct the pause's period (R8) and confirm it.
    """

    model_config = ConfigDict(frozen=True)

    month: str
    run_at: datetime
    run_on_holiday: bool
    run_day: str
    now: datetime
    seconds_left: int
    status: Literal["clear", "at_risk", "late"]
    not_delivered: int
    groups: list[AtRiskGroup]
    in_pause: list[AtRiskItem] = []


def deadline_report(
    buffer: Buffer,
    run: PaymentRun,
    now: datetime,
    pause_covering: Callable[[UUID], UUID | None] | None = None,
) -> DeadlineReport:
    """R14: the deadline report of `run`'s month at `now` (timezone-aware).

    `pause_covering(assignment_id)` names a pause an unconfirmed visit lies in (R7);
    such visits go to `in_pause` instead of being at risk."""
    with buffer.database.engine.connect() as conn:
        unconfirmed = _unconfirmed_visits(conn, run)
        gone = culled_among(
            conn, buffer.sealer, {v.customer for v in unconfirmed} | _staff_of(unconfirmed)
        )
    unconfirmed = [v for v in unconfirmed if not {v.customer, v.staff_id} & gone]
    paused = {
        v.assignment_id
        for v in unconfirmed
        if pause_covering is not None
        and v.assignment_id is not None
        and pause_covering(v.assignment_id) is not None
    }
    in_pause = [v for v in unconfirmed if v.assignment_id in paused]
    items = _undelivered_items(buffer, run) + [
        v for v in unconfirmed if v.assignment_id not in paused
    ]
    groups: dict[str, list[AtRiskItem]] = defaultdict(list)
    for item in items:
        for reason in item.reasons or [QUEUED]:
            groups[reason].append(item)
    order = list(EFFORT)
    left = int((run.at - now).total_seconds())
    status: Literal["clear", "at_risk", "late"] = (
        "clear" if not items else "at_risk" if left > 0 else "late"
    )
    return DeadlineReport(
        month=run.label,
        run_at=run.at,
        run_on_holiday=run.holiday,
        run_day=run.why,
        now=now.astimezone(STOCKHOLM),
        seconds_left=left,
        status=status,
        not_delivered=len(items),
        in_pause=in_pause,
        groups=[
            AtRiskGroup(
                reason=reason,
                effort=order.index(reason) + 1,
                text=EFFORT[reason][0],
                fix=EFFORT[reason][1],
                items=groups[reason],
            )
            for reason in sorted(groups, key=order.index)
        ],
    )


class MetricSample(BaseModel):
    """One gauge sample for a metrics endpoint (Prometheus naming: base units, seconds)."""

    model_config = ConfigDict(frozen=True)

    name: str
    help: str
    labels: dict[str, str]
    value: float


def deadline_metrics(report: DeadlineReport) -> list[MetricSample]:
    """R14 as gauges: the run's time (Unix seconds), the seconds left (negative after it),
    the items not delivered, and those per reason (an item with two reasons counts in
    both). Labelled with the month paid; a reason with no items is reported as 0."""
    month = {"month": report.month}
    per_reason = {reason: 0 for reason in EFFORT} | {g.reason: len(g.items) for g in report.groups}
    return [
        MetricSample(
            name="homecare_payment_run_timestamp_seconds",
            help="When the payment run of the month due next is (Unix time).",
            labels=month,
            value=report.run_at.timestamp(),
        ),
        MetricSample(
            name="homecare_payment_run_seconds_left",
            help="Seconds until the payment run; negative once it has passed.",
            labels=month,
            value=float(report.seconds_left),
        ),
        MetricSample(
            name="homecare_payment_run_items_not_delivered",
            help="Items of the month not yet delivered to the city (at risk before the run).",
            labels=month,
            value=float(report.not_delivered),
        ),
        *(
            MetricSample(
                name="homecare_payment_run_items_not_delivered_by_reason",
                help="Items of the month not yet delivered, by reason.",
                labels=month | {"reason": reason},
                value=float(count),
            )
            for reason, count in per_reason.items()
        ),
    ]


def _undelivered_items(buffer: Buffer, run: PaymentRun) -> list[AtRiskItem]:
    """The month's items not delivered; not the withdrawn ones (R16: never sent, nothing
    to do: their customer or staff member was culled)."""
    return [
        AtRiskItem(
            kind=i.kind,
            status="queued" if i.status.value == "queued" else "held",
            customer=i.customer,
            business_date=i.business_date,
            reasons=i.reasons,
            message_id=i.message_id,
            assignment_id=i.assignment_id,
            staff_id=i.staff_id,
        )
        for i in buffer.month(run.year, run.month)
        if i.status is not ItemStatus.WITHDRAWN
    ]


def _staff_of(items: list[AtRiskItem]) -> set[UUID]:
    return {i.staff_id for i in items if i.staff_id is not None}


def _unconfirmed_visits(conn: Connection, run: PaymentRun) -> list[AtRiskItem]:
    """Visits performed in the month (Stockholm days) whose latest version is not confirmed."""
    a = t.assignments
    first, after = Month(run.year, run.month).instants()
    rows = conn.execute(
        select(a.c.assignment_id, a.c.customer_id, a.c.staff_id, a.c.performed_start)
        .where(
            a.c.confirmed.is_(False),
            a.c.performed_start >= first,
            a.c.performed_start < after,
        )
        .order_by(a.c.performed_start, a.c.assignment_id)
    )
    return [
        AtRiskItem(
            kind="visit_report",
            status="not_confirmed",
            customer=r.customer_id,
            business_date=r.performed_start.astimezone(STOCKHOLM).date(),
            reasons=[NOT_CONFIRMED],
            message_id=None,
            assignment_id=r.assignment_id,
            staff_id=r.staff_id,
        )
        for r in rows
    ]
