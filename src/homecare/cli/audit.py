"""`homecare audit ...`: a customer's history, replay verification (D6) and as-of state."""

from __future__ import annotations

from typing import Annotated

import typer

from homecare import audit as auditing
from homecare.cli.output import (
    JsonOption,
    console,
    emit_json,
    local_time,
    parse_instant,
    parse_uuid,
    store,
    table,
    who,
)
from homecare.cli.progress import progress_bar
from homecare.privacy import Channel

__all__ = ["app"]

app = typer.Typer(help="Audit (granskning): history, replay verification, state as of a time (D6).")

CustomerOption = Annotated[str, typer.Option("--customer", help="The customer's id.")]


@app.command("history")
def history(ctx: typer.Context, customer: CustomerOption, as_json: JsonOption = False) -> None:
    """Every event that touched the customer, its contracts, orders, pauses and visits."""
    customer_id = parse_uuid(customer, "customer")
    reader, purpose = who(ctx, "audit history")
    with store(ctx, catch_up=False) as hc:
        entries = auditing.history(
            hc, customer_id, reader=reader, purpose=purpose, channel=Channel.CLI
        )
    if as_json:
        emit_json(entries)
        return
    console().print(
        table(
            f"History of customer {customer_id} ({len(entries)} events; Stockholm time)",
            ["position", "time", "event", "aggregate", "version", "actor"],
            (
                [e.position, local_time(e.timestamp), e.event, e.aggregate_id, e.version, e.actor]
                for e in entries
            ),
        )
    )


@app.command("verify")
def verify(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """D6: rebuild every projection from the events alone and compare it row by row.

    Exit 0 and "identical" when equal; otherwise the differing rows and exit 1.
    """
    with store(ctx, catch_up=False) as hc, progress_bar("Replaying", enabled=not as_json) as bar:
        report = auditing.verify(hc, progress=bar.replay)
    if as_json:
        emit_json(report)
    else:
        out = console()
        for line in report.describe():
            out.print(line)
    if not report.identical:
        raise typer.Exit(1)


@app.command("as-of")
def as_of(
    ctx: typer.Context,
    timestamp: Annotated[
        str,
        typer.Argument(help="ISO 8601; without an offset it is Stockholm time."),
    ],
    customer: CustomerOption,
    as_json: JsonOption = False,
) -> None:
    """The customer's pauses and visits, with their integration status, as they were then."""
    at = parse_instant(timestamp, "timestamp")
    customer_id = parse_uuid(customer, "customer")
    reader, purpose = who(ctx, "audit as-of")
    with store(ctx, catch_up=False) as hc:
        state = auditing.as_of(
            hc, customer_id, at, reader=reader, purpose=purpose, channel=Channel.CLI
        )
    if as_json:
        emit_json(state)
        return
    out = console()
    out.print(
        f"Customer {state.customer_id} ({state.organisation}) as of {local_time(state.at)} "
        f"Stockholm time (log replayed to position {state.replayed_to})"
    )
    out.print(
        table(
            "Decisions",
            ["id", "valid from", "valid to", "activities"],
            (
                [d.decision_id, d.valid_from, d.valid_to or "open", ", ".join(d.activities)]
                for d in state.decisions
            ),
        )
    )
    out.print(
        table(
            "Pauses",
            ["id", "level", "status", "reason", "starts", "ends", "cancelled", "active then"],
            (
                [
                    p.pause_id,
                    p.level,
                    p.status,
                    p.reason,
                    local_time(p.starts_at),
                    local_time(p.ends_at) or "open",
                    local_time(p.cancelled_at),
                    "yes" if p.active else "no",
                ]
                for p in state.pauses
            ),
        )
    )
    out.print(
        table(
            "Visits",
            ["assignment", "status", "performed", "activities", "integration", "reasons"],
            (
                [
                    a.assignment_id,
                    a.status,
                    local_time(a.performed_start) or f"planned {local_time(a.planned_start)}",
                    ", ".join(a.activities),
                    a.integration_status,
                    ", ".join(a.reasons),
                ]
                for a in state.assignments
            ),
        )
    )
