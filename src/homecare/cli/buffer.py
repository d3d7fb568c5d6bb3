"""`homecare buffer ...`: the integration buffer as the operator and the city see it (R2-R6)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from homecare.cli import month as month_close
from homecare.cli.output import JsonOption, console, emit_json, noted, reading, store, table
from homecare.domain.month import Month
from homecare.outbox.messages import FetchResult
from homecare.outbox.store import FIRST_BUFFER_MONTH, ItemView
from homecare.privacy.fetched import subjects_served

__all__ = ["app"]

app = typer.Typer(
    help="The integration buffer (integrationsbuffert): R2-R6, R14.", no_args_is_help=True
)
app.command("deadline")(month_close.deadline)
app.command("month-report")(month_close.month_report)


@app.command("month")
def month(
    ctx: typer.Context,
    month: Annotated[str, typer.Argument(metavar="YYYY-MM", help="The month to check.")],
    as_json: JsonOption = False,
) -> None:
    """R4: the month's items not yet delivered (queued or held); empty when all went through."""
    asked = Month.parse(month)
    with store(ctx) as hc, reading(ctx, hc, "buffer_month") as read:
        items = noted(read, hc.buffer.month(asked.year, asked.month))
    if as_json:
        emit_json(items)
        return
    shown = str(asked)
    previous = asked.previous() if asked > FIRST_BUFFER_MONTH else "none"
    following = asked.next() if asked.has_next else "none"
    out = console()
    out.print(f"Buffer {shown} (previous: {previous}, next: {following})")
    if not items:
        out.print(f"Empty: every item of {shown} has been delivered to the city (R4).")
        return
    out.print(_items_table(None, items))
    out.print(f"{len(items)} items not delivered; step back and forth to check the other months.")


@app.command("fetch")
def fetch(
    ctx: typer.Context,
    after: Annotated[
        str | None,
        typer.Option(help="The cursor of the last fetch; acknowledges everything up to it."),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many items (1-500).")] = 20,
) -> None:
    """R3, D3: exactly what the city gets, as JSON, with the same acknowledging effect."""
    with store(ctx) as hc, reading(ctx, hc, "buffer_fetch") as read:
        page = hc.buffer.fetch_page(after=after, limit=limit)
        read.note(subjects_served(page.subjects))  # from the item rows, not the payloads
    result = FetchResult.model_validate_json(page.body)
    typer.echo(result.model_dump_json(indent=2))


@app.command("problems")
def problems(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """R5: held items grouped by reason, each group with its fix hint (R6).

    --json prints the groups exactly as GET /buffer/problems returns them:
    [{reason, text, hint, items: [...]}, ...]; an item held for two reasons is in both.
    """
    with store(ctx) as hc, reading(ctx, hc, "buffer_problems") as read:
        groups = noted(read, hc.buffer.problems())
    if as_json:
        emit_json(groups)
        return
    out = console()
    if not groups:
        out.print("No held items: everything confirmed can go to the city.")
        return
    for group in groups:
        out.print(f"{group.reason}: {group.text} ({len(group.items)} items)", style="bold")
        out.print(f"Fix: {group.hint}")
        out.print(_items_table(None, group.items))


def _items_table(title: str | None, items: list[ItemView]) -> Table:
    return table(
        title,
        ["message", "kind", "business date", "status", "reasons", "customer", "assignment"],
        (
            [
                i.message_id,
                i.kind,
                i.business_date,
                i.status.value,
                ", ".join(i.reasons),
                i.customer,
                i.assignment_id,
            ]
            for i in items
        ),
    )
