"""`homecare buffer deadline` and `homecare buffer month-report`: the payment run (R14)."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from homecare.cli.output import (
    JsonOption,
    console,
    emit_json,
    local_time,
    noted,
    parse_instant,
    parse_month,
    reading,
    store,
    table,
)
from homecare.errors import InvalidInputError
from homecare.outbox.deadline import DeadlineReport
from homecare.outbox.month_report import MonthReport, OrganisationMonth

__all__ = ["EXIT_AT_RISK", "deadline", "month_report"]

EXIT_AT_RISK = 3
"""Exit status while an item of the month is not delivered (1 is an error, 2 a usage error)."""

Now = Annotated[
    str | None,
    typer.Option(help="Count the time left from this instant [default: now]."),
]


def deadline(
    ctx: typer.Context,
    month: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM", help="The month paid [default: the one due next]."),
    ] = None,
    now: Now = None,
    as_json: JsonOption = False,
) -> None:
    """R14: the month's payment run, the time left, and what is not delivered, easiest fix
    first. Exits 3 while any item of the month is not delivered (for cron and monitoring)."""
    year, number = parse_month(month) if month is not None else (None, None)
    instant = parse_instant(now, "--now time") if now is not None else datetime.now(UTC)
    with store(ctx) as hc, reading(ctx, hc, "buffer_deadline") as read:
        report = noted(read, hc.month_close.deadline(year, number, now=instant))
    if as_json:
        emit_json(report)
    else:
        _show_deadline(report)
    if report.status != "clear":
        raise typer.Exit(EXIT_AT_RISK)


def _show_deadline(report: DeadlineReport) -> None:
    out = console()
    out.print(
        f"Payment run (ersättningskörning) for {report.month}: {local_time(report.run_at)} "
        f"Stockholm time ({report.run_day})"
    )
    left = report.seconds_left
    if left > 0:
        out.print(f"Time left: {left // 86400} d {left % 86400 // 3600} h {left % 3600 // 60} min")
    else:
        out.print("The run has passed: what is not delivered now is late.")
    if report.in_pause:
        out.print(
            f"{len(report.in_pause)} performed visits of {report.month} lie in a pause "
            "(uppehåll, R7): they cannot be confirmed and are not paid; if one took "
            "place, correct the pause's period (R8) and confirm it. Not counted below."
        )
    if report.status == "clear":
        out.print(f"Clear: every item of {report.month} has been delivered to the city.")
        return
    what = "at risk" if report.status == "at_risk" else "late"
    out.print(f"{report.not_delivered} items {what}, easiest fix first:", style="bold")
    for group in report.groups:
        out.print(f"{group.effort}. {group.reason}: {group.text} ({len(group.items)} items)")
        out.print(f"   Fix: {group.fix}")
        out.print(
            table(
                None,
                ["kind", "status", "business date", "customer", "assignment", "message"],
                (
                    [
                        i.kind,
                        i.status,
                        i.business_date,
                        i.customer,
                        i.assignment_id,
                        i.message_id,
                    ]
                    for i in group.items
                ),
            )
        )


def month_report(
    ctx: typer.Context,
    month: Annotated[str, typer.Argument(metavar="YYYY-MM", help="The month paid.")],
    as_json: JsonOption = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV, one organisation a row.")
    ] = False,
) -> None:
    """R14: per organisation, visits confirmed, delivered before and after the payment run,
    still queued or held; pause messages sent; performed hours delivered in time."""
    if as_json and as_csv:
        raise InvalidInputError("Give --json or --csv, not both.")
    year, number = parse_month(month)
    with store(ctx) as hc:
        report = hc.month_close.report(year, number)
    if as_json:
        emit_json(report)
    elif as_csv:
        _csv(report)
    else:
        _show_report(report)


_FIELDS = list(OrganisationMonth.model_fields)


def _csv(report: MonthReport) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["month", *_FIELDS])
    for line in [*report.organisations, report.total]:
        writer.writerow([report.month, *(getattr(line, name) for name in _FIELDS)])


def _show_report(report: MonthReport) -> None:
    out = console()
    out.print(
        f"Month report {report.month}; payment run {local_time(report.run_at)} Stockholm time"
    )
    headers = [
        "organisation",
        "confirmed",
        "before run",
        "after run",
        "queued",
        "held",
        "pause msgs sent",
        "pause msgs waiting",
        "hours in time",
    ]
    out.print(
        table(
            None,
            headers,
            (
                [
                    o.organisation,
                    o.visits_confirmed,
                    o.visits_delivered_before_run,
                    o.visits_delivered_after_run,
                    o.visits_queued,
                    o.visits_held,
                    o.pause_messages_sent,
                    o.pause_messages_waiting,
                    f"{o.performed_hours_in_time:.2f}",
                ]
                for o in [*report.organisations, report.total]
            ),
        )
    )
