"""`homecare assignments list`: every visit with its integration status (R2);
`homecare assignments decline`: the customer declined a visit (R15)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from homecare.cli import output

__all__ = ["app"]

_NEVER = datetime.min.replace(tzinfo=UTC)

app = typer.Typer(
    help="Visits (uppdrag, kundbesök) and their integration status (R2).", no_args_is_help=True
)


@app.command("list")
def list_assignments(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(help="not_confirmed, queued, held, delivered or withdrawn [default: all]."),
    ] = None,
    customer: Annotated[str | None, typer.Option(help="Only this customer (id).")] = None,
    as_json: output.JsonOption = False,
) -> None:
    """R2: where each visit (uppdrag) stands, by date: not confirmed, queued, held (with
    reasons) or delivered. Visits not yet performed come last."""
    customer_id = output.parse_uuid(customer, "customer") if customer is not None else None
    with output.store(ctx) as hc, output.reading(ctx, hc, "assignments_list") as read:
        # an id that names no customer is NotFoundError, not "0 visits"
        rows = hc.buffer.integration_statuses(status=status, customer_id=customer_id)
        output.noted(read, rows)
    rows.sort(key=lambda r: (r.started_at is None, r.started_at or _NEVER, str(r.assignment_id)))
    if as_json:
        output.emit_json(rows)
        return
    out = output.console()
    out.print(f"{len(rows)} visits (times in Stockholm)")
    out.print(
        output.table(
            None,
            ["date", "assignment", "staff", "customer", "status", "reasons", "position"],
            (
                [
                    output.local_time(r.started_at) or "not performed",
                    r.assignment_id,
                    r.staff_id,
                    r.customer,
                    r.status.value,
                    ", ".join(r.reasons),
                    r.position,
                ]
                for r in rows
            ),
        )
    )


@app.command("decline")
def decline(
    ctx: typer.Context,
    assignment: Annotated[str, typer.Argument(metavar="ASSIGNMENT_ID", help="The visit.")],
    declined_by: Annotated[
        str, typer.Option("--by", help="Who took the customer's decline (a staff member).")
    ],
    actor: Annotated[str, typer.Option(help="Who records it (D1).")],
    declined_at: Annotated[
        str | None,
        typer.Option("--when", help="When the customer declined [default: now]."),
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why, if the customer said.")] = None,
) -> None:
    """R15: record that the customer declined the visit (avböjt besök); attest and confirm
    it like a performed one. On a visit already performed this is a correction (R6)."""
    assignment_id = output.parse_uuid(assignment, "assignment")
    now = datetime.now(UTC)
    when = output.parse_instant(declined_at, "--when time") if declined_at is not None else now
    with output.store(ctx, catch_up=False) as hc:
        hc.app.record_declined_visit(
            assignment_id,
            declined_at=when,
            declined_by=declined_by,
            reason=reason,
            actor=actor,
            at=now,
        )
    output.console().print(
        f"Visit {assignment_id} recorded as declined; attest and confirm it (R15)."
    )
