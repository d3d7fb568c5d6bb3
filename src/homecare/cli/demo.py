"""`homecare demo`: the whole library on synthetic data, ending with the city's summary."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from homecare.cli.output import JsonOption, State, console, emit_json, store, table
from homecare.cli.progress import progress_bar
from homecare.demo import DemoSummary, run_demo
from homecare.outbox.validation import REASONS, Reason

__all__ = ["demo"]


def demo(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option(min=1, max=10_000, help="Customers to create.")] = 40,
    days: Annotated[int, typer.Option(min=1, max=366, help="Days of visits, from 2026-03-25.")] = 7,
    seed: Annotated[int, typer.Option(help="Same seed, same provider and summary.")] = 1,
    no_drain: Annotated[
        bool,
        typer.Option("--no-drain", help="Stop before the city's poller: the buffer stays full."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Build a synthetic provider, confirm its visits and let the city drain the buffer (R1-R13)."""
    started = time.perf_counter()
    with store(ctx, create=True) as hc, progress_bar("Demo", enabled=not as_json) as bar:
        summary = run_demo(
            hc, customers=customers, days=days, seed=seed, drain=not no_drain, progress=bar.phase
        )
        shown = hc.settings.redacted_url  # every secret masked, those in the query too
    if as_json:
        emit_json(summary)
        return
    state = ctx.obj if isinstance(ctx.obj, State) else State(None)
    prefix = f"homecare --db {shown}" if state.database_url else "homecare"
    _print(summary, time.perf_counter() - started, prefix)


def _print(summary: DemoSummary, seconds: float, prefix: str) -> None:
    out = console()
    out.print(
        table(
            f"Demo summary (seed {summary.seed}, {summary.first_day} to {summary.last_day})",
            ["", "count"],
            [
                ["customers", summary.customers],
                ["staff", summary.staff],
                ["visits", summary.visits],
                ["visits confirmed", summary.confirmed],
                ["visits inside a pause, not confirmed", summary.skipped_in_pause],
                ["visits corrected in the shift follow-up", summary.corrected_in_shift],
                ["visits declined by the customer (R15)", summary.declined],
                [
                    "pauses created / changed / cancelled",
                    f"{summary.pauses} / {summary.pause_changes} / {summary.pause_cancellations}",
                ],
                [
                    "fixed at the source (staff / visits)",
                    f"{summary.staff_fixed} / {summary.corrected_after_hold}",
                ],
                ["city polls (every 5 simulated minutes)", summary.polls],
                ["fetches (batches of 20)", summary.fetches],
                ["items delivered to the city", summary.delivered],
                ["items held", summary.held],
            ],
        )
    )
    if summary.held_by_reason:
        out.print(
            table(
                "Held by reason (R5)",
                ["reason", "items", "meaning"],
                (
                    [reason, count, REASONS[Reason(reason)][0]]
                    for reason, count in summary.held_by_reason.items()
                ),
            )
        )
    if not summary.drained:
        out.print("The buffer is full: try `homecare buffer fetch` as the city would.")
    out.print(f"Done in {seconds:.1f} s. Next, try:")
    for command in ("buffer problems", f"buffer month {summary.first_day:%Y-%m}", "audit verify"):
        out.print(f"  {prefix} {command}")
