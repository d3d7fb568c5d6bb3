"""`homecare assignments list`: every visit with its integration status (R2)."""

from __future__ import annotations

from typing import Annotated

import typer

from homecare.cli.output import JsonOption, console, emit_json, parse_uuid, store, table

__all__ = ["app"]

app = typer.Typer(help="Visits and their integration status (R2).", no_args_is_help=True)


@app.command("list")
def list_assignments(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(help="not_confirmed, queued, held or delivered [default: all]."),
    ] = None,
    customer: Annotated[str | None, typer.Option(help="Only this customer (id).")] = None,
    as_json: JsonOption = False,
) -> None:
    """R2: where each visit stands: not confirmed, queued, held (with reasons) or delivered."""
    customer_id = parse_uuid(customer, "customer") if customer else None
    with store(ctx) as hc:
        rows = hc.buffer.integration_statuses(status=status)
    if customer_id is not None:
        rows = [r for r in rows if r.customer == customer_id]
    if as_json:
        emit_json(rows)
        return
    out = console()
    out.print(f"{len(rows)} visits")
    out.print(
        table(
            None,
            ["assignment", "customer", "status", "reasons", "message", "position"],
            (
                [
                    r.assignment_id,
                    r.customer,
                    r.status.value,
                    ", ".join(r.reasons),
                    r.message_id,
                    r.position,
                ]
                for r in rows
            ),
        )
    )
