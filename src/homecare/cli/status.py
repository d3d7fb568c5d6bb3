"""`homecare status`: the figures `/metrics` and `/health/ready` report, for an operator."""

from __future__ import annotations

import typer

from homecare.cli.output import JsonOption, console, emit_json, local_time, store, table
from homecare.status import StoreFigures, figures, readiness

__all__ = ["status"]


def status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Projection lag, the buffer (queued, held by reason, delivered), the city's fetches,
    the worker's lease, and whether the store is ready (the same as /health/ready)."""
    with store(ctx, catch_up=False) as hc:
        found = figures(hc)
        problems = readiness(
            found,
            lag_threshold=hc.settings.lag_threshold,
            stall_seconds=hc.settings.stall_seconds,
        )
    if as_json:
        emit_json(found.model_dump(mode="json") | {"ready": not problems, "problems": problems})
        return
    _print(found, problems)


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.0f} s"


def _ago(value: float | None) -> str:
    """`12 s ago`, or `never` (not `never ago`) when it has not happened."""
    return "never" if value is None else f"{value:.0f} s ago"


def _print(found: StoreFigures, problems: list[str]) -> None:
    out = console()
    out.print(
        table(
            f"Projections (log at {found.log_position})",
            ["projection", "position", "lag (events)", "lag (s)", "rebuild pending"],
            (
                [p.name, p.position, p.lag_events, f"{p.lag_seconds:.0f}", "yes" if p.stale else ""]
                for p in found.projections
            ),
        )
    )
    out.print(
        table(
            "Buffer",
            ["", "items"],
            [
                ["queued (not yet fetched)", found.queued],
                ["held (R5)", found.held],
                *([f"  {reason}", count] for reason, count in found.held_by_reason.items()),
                ["delivered", found.delivered],
                ["oldest not delivered", _seconds(found.oldest_undelivered_seconds)],
            ],
        )
    )
    out.print(
        table(
            f"The city's fetches (last: {_ago(found.seconds_since_last_fetch)})",
            ["token", "fetches", "items served", "last fetch (Stockholm)"],
            ([f.token, f.fetches, f.items, local_time(f.last_fetch)] for f in found.fetches),
        )
    )
    if found.lease_epoch is None:
        out.print("Worker: none has run on this store yet.")
    else:
        out.print(
            f"Worker: lease epoch {found.lease_epoch}, renewed "
            f"{_ago(found.lease_renewed_seconds_ago)}."
        )
    out.print("Ready." if not problems else "Not ready: " + "; ".join(problems))
