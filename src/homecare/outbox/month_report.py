"""R14: what of a month reached the city before its payment run, per organisation.

A visit counts once, by its latest report (revision): delivered before the
run, delivered after it, still queued, or held. An item was delivered before
the run when a fetch at or before the run's time acknowledged it
(`Buffer.delivered_position_at`). Pause messages count by the first day
they carry (`business_date`). Performed hours sum the performed time of the
visits delivered before the run (declined visits have none).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from homecare.domain.month import Month
from homecare.domain.payment_run import PaymentRun
from homecare.outbox import tables as t
from homecare.outbox.item_status import ItemStatus, item_status
from homecare.outbox.items import ItemState
from homecare.outbox.messages import MessageKind
from homecare.outbox.store import Buffer
from homecare.projections.pause_overview import overview_customers

__all__ = ["MonthReport", "OrganisationMonth", "month_report"]

UNKNOWN_ORGANISATION = "(unknown)"


class OrganisationMonth(BaseModel):
    """One organisation's month: its visits, each by its latest report, and pause messages."""

    model_config = ConfigDict(frozen=True)

    organisation: str
    visits_confirmed: int = Field(0, description="The four visit counts after it, summed.")
    visits_delivered_before_run: int = Field(0, description="Paid with the month's run.")
    visits_delivered_after_run: int = Field(0, description="Delivered after the run.")
    visits_queued: int = Field(0, description="Released; the city has not fetched it yet.")
    visits_held: int = Field(0, description="Held (R5), or behind a held item (D4).")
    pause_messages_sent: int = Field(0, description="Pause messages the city fetched.")
    pause_messages_sent_before_run: int = Field(0, description="Of those, before the run.")
    pause_messages_waiting: int = Field(0, description="Queued or held pause messages.")
    performed_hours_in_time: float = Field(
        0.0, description="Performed time of the visits paid with the run (declined: none)."
    )


class MonthReport(BaseModel):
    """R14: per organisation (sorted by name), and the total of all of them."""

    model_config = ConfigDict(frozen=True)

    month: str
    run_at: datetime
    organisations: list[OrganisationMonth]
    total: OrganisationMonth


def month_report(buffer: Buffer, run: PaymentRun) -> MonthReport:
    """R14: the month report of `run`'s month, as the buffer stands now."""
    asked = Month(run.year, run.month)
    i, c = t.items, overview_customers
    with buffer.database.engine.connect() as conn:
        mark = buffer.delivered_position(conn)
        in_time = buffer.delivered_position_at(run.at, conn)
        organisations = dict(conn.execute(select(c.c.customer_id, c.c.organisation)).all())
        rows = conn.execute(
            select(i.c.seq, i.c.kind, i.c.customer_id, i.c.assignment_id, i.c.state)
            .add_columns(i.c.position, i.c.facts)
            .where(
                i.c.business_date >= asked.first_day,
                i.c.business_date <= asked.last_day,
                # R16: a withdrawn item was never sent and never will be: not counted
                i.c.state.not_in([ItemState.SUPERSEDED, ItemState.WITHDRAWN]),
            )
            .order_by(i.c.seq)
        ).mappings()
        latest: dict[UUID, Any] = {}
        tallies: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for row in rows:
            if row["kind"] == MessageKind.VISIT_REPORT:
                latest[row["assignment_id"]] = row  # rows come oldest first
                continue
            tally = tallies[organisations.get(row["customer_id"], UNKNOWN_ORGANISATION)]
            delivered = item_status(row, mark) is ItemStatus.DELIVERED
            tally["pause_messages_sent" if delivered else "pause_messages_waiting"] += 1
            if delivered and row["position"] <= in_time:
                tally["pause_messages_sent_before_run"] += 1
    for row in latest.values():
        _count_visit(
            tallies[organisations.get(row["customer_id"], UNKNOWN_ORGANISATION)], row, mark, in_time
        )
    lines = [_line(name, tallies[name]) for name in sorted(tallies)]
    total: dict[str, float] = defaultdict(float)
    for name in tallies:
        for key, value in tallies[name].items():
            total[key] += value
    return MonthReport(
        month=run.label, run_at=run.at, organisations=lines, total=_line("(all)", total)
    )


def _count_visit(tally: dict[str, float], row: Any, mark: int, in_time: int) -> None:
    tally["visits_confirmed"] += 1
    status = item_status(row, mark)
    if status is ItemStatus.HELD:
        tally["visits_held"] += 1
    elif status is ItemStatus.QUEUED:
        tally["visits_queued"] += 1
    elif row["position"] > in_time:
        tally["visits_delivered_after_run"] += 1
    else:
        tally["visits_delivered_before_run"] += 1
        tally["performed_seconds_in_time"] += _performed_seconds(row["facts"])


def _performed_seconds(facts: dict[str, Any]) -> float:
    if facts.get("outcome", "performed") != "performed":
        return 0.0
    start = datetime.fromisoformat(facts["performed_start"])
    end = datetime.fromisoformat(facts["performed_end"])
    return (end - start).total_seconds()


def _line(organisation: str, tally: dict[str, float]) -> OrganisationMonth:
    counts = {k: int(v) for k, v in tally.items() if k != "performed_seconds_in_time"}
    hours = round(tally.get("performed_seconds_in_time", 0.0) / 3600, 2)
    return OrganisationMonth(organisation=organisation, performed_hours_in_time=hours, **counts)
