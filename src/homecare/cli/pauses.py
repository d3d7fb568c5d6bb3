"""`homecare pauses ...`: the pause overview (R9) and the inactivated pauses (R12)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer

from homecare.cli.month import EXIT_AT_RISK
from homecare.cli.output import (
    JsonOption,
    console,
    emit_json,
    local_time,
    noted,
    parse_date,
    parse_instant,
    parse_month,
    parse_uuid,
    reading,
    store,
    table,
)
from homecare.domain.citydays import STOCKHOLM
from homecare.outbox.reconcile import CustomerReconciliation
from homecare.projections.pause_overview import previous_month

__all__ = ["app"]

app = typer.Typer(help="Pauses (uppehåll): the overview (R9, R12).", no_args_is_help=True)

Customer = Annotated[str | None, typer.Option(help="Only this customer (id).")]
Organisation = Annotated[str | None, typer.Option(help="Only this organisation (unit/team).")]
Level = Annotated[str | None, typer.Option(help="customer, contract or order.")]
Status = Annotated[str | None, typer.Option(help="new, changed or cancelled.")]
Inactive = Annotated[bool, typer.Option(help="Include ended (inactivated) pauses (R12).")]
Now = Annotated[
    str | None,
    typer.Option(help="The instant that decides upcoming/ongoing/ended [default: now]."),
]


_FILTERS: dict[str, tuple[object, object]] = {
    "customer": (Customer, None),
    "organisation": (Organisation, None),
    "level": (Level, None),
    "status": (Status, None),
    "inactive": (Inactive, False),
    "now": (Now, None),
    "as_json": (JsonOption, False),
}
"""The overview's filters, the same options on every command that shows it (R9, R12)."""

Period = Callable[..., tuple[date, date]]


def _overview(name: str) -> Callable[[Period], Period]:
    """Register the command `name`: its own options choose the days (the decorated
    function returns them), then the overview's `_FILTERS` and `_show`."""

    def register(period: Period) -> Period:
        def command(ctx: typer.Context, **options: Any) -> None:
            filters = {key: options.pop(key) for key in _FILTERS}
            _show(ctx, "pauses_" + name.replace("-", "_"), *period(**options), **filters)

        own = inspect.signature(period, eval_str=True).parameters.values()
        shared = (
            inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=value)
            for key, (kind, value) in _FILTERS.items()
        )
        context = inspect.Parameter(
            "ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
        )
        parameters = [context, *own, *shared]
        command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in parameters}
        command.__doc__, command.__name__ = period.__doc__, period.__name__
        app.command(name)(command)
        return period

    return register


@_overview("list")
def list_pauses(
    period_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    period_to: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
) -> tuple[date, date]:
    """R9: pauses whose period overlaps the days asked for (Stockholm days, both included)."""
    return parse_date(period_from, "--from date"), parse_date(period_to, "--to date")


@_overview("previous-month")
def previous_month_pauses(
    today: Annotated[
        str | None, typer.Option(help="Count the month before this day's [default: today].")
    ] = None,
) -> tuple[date, date]:
    """R9: the overview's "previous month" step: the whole month before today's."""
    day = parse_date(today, "--today date") if today is not None else datetime.now(STOCKHOLM).date()
    return previous_month(day)


def _show(
    ctx: typer.Context,
    what: str,
    first: date,
    last: date,
    customer: str | None,
    organisation: str | None,
    level: str | None,
    status: str | None,
    inactive: bool,
    now: str | None,
    as_json: bool,
) -> None:
    instant = parse_instant(now, "--now time") if now is not None else datetime.now(UTC)
    customer_id = parse_uuid(customer, "customer") if customer is not None else None
    with store(ctx) as hc, reading(ctx, hc, what) as read:
        every = hc.pauses.list(
            period_from=first,
            period_to=last,
            now=instant,
            customer_id=customer_id,
            organisation=organisation,
            level=level,
            status=status,
            include_inactive=True,
        )
        rows = noted(read, every if inactive else [r for r in every if not r.inactive])
    if as_json:
        emit_json(rows)
        return
    out = console()
    out.print(f"Pauses {first} to {last} ({len(rows)}; times in Stockholm)")
    hidden = len(every) - len(rows)
    if hidden:
        out.print(
            f"{hidden} ended (inactivated) pause{'s' if hidden != 1 else ''} hidden; "
            "--inactive shows them (R12)."
        )
    out.print(
        table(
            None,
            [
                "id",
                "customer",
                "organisation",
                "level",
                "status",
                "reason",
                "starts",
                "ends",
                "cancelled",
                "state",
            ],
            (
                [
                    r.pause_id,
                    r.customer_id,
                    r.organisation,
                    r.level.value,
                    r.status.value,
                    r.reason.value,
                    local_time(r.starts_at),
                    local_time(r.ends_at) or "open",
                    local_time(r.cancelled_at),
                    f"{r.time_state.value}{' (inactive)' if r.inactive else ''}",
                ]
                for r in rows
            ),
        )
    )


@app.command("reconcile")
def reconcile(
    ctx: typer.Context,
    customer: Customer = None,
    month: Annotated[
        str | None, typer.Option(metavar="YYYY-MM", help="Only the days of this month.")
    ] = None,
    now: Now = None,
    as_json: JsonOption = False,
) -> None:
    """R12: per customer, the whole days the city holds (the pause messages it has fetched)
    beside the days the pauses imply, every difference with its cause; the inactivated
    pauses with the messages sent for each. Exits 3 when there is a difference to act
    on; one whose cause is `withdrawn` (R16: its customer was culled) is shown but is
    not one, since nothing will ever send it."""
    customer_id = parse_uuid(customer, "customer") if customer is not None else None
    year, number = parse_month(month) if month is not None else (None, None)
    instant = parse_instant(now, "--now time") if now is not None else datetime.now(UTC)
    with store(ctx) as hc, reading(ctx, hc, "pauses_reconcile") as read:
        result = noted(  # an id that names no customer: NotFoundError (MonthClose)
            read,
            hc.month_close.reconcile_pauses(
                customer_id=customer_id, year=year, month=number, now=instant
            ),
        )
    if as_json:
        emit_json(result)
    else:
        out = console()
        for entry in result.customers:
            _show_reconciliation(entry)
        verdict = (
            "no differences" if not result.differences else f"{result.differences} differences"
        )
        out.print(f"{len(result.customers)} customers reconciled: {verdict}.")
    if any(d.cause != "withdrawn" for c in result.customers for d in c.differences):
        raise typer.Exit(EXIT_AT_RISK)


def _days(first: date, last: date | None) -> str:
    return f"{first}..{last or 'open'}"


def _show_reconciliation(entry: CustomerReconciliation) -> None:
    out = console()
    out.print(f"Customer {entry.customer} ({entry.organisation or 'unknown organisation'})")
    held = ", ".join(_days(d.first_day, d.last_day) for d in entry.city_holds) or "none"
    implied = ", ".join(_days(d.first_day, d.last_day) for d in entry.pauses_imply) or "none"
    out.print(f"  the city holds:   {held}")
    out.print(f"  the pauses imply: {implied}")
    for d in entry.differences:
        out.print(
            f"  DIFFERENT {_days(d.first_day, d.last_day)}: {d.side.replace('_', ' ')}, "
            f"cause {d.cause} ({len(d.messages)} messages "
            f"{'withdrawn' if d.cause == 'withdrawn' else 'waiting'})"
        )
    for pause in entry.inactivated_pauses:
        sent = ", ".join(
            f"{m.action} {_days(m.first_day, m.last_day)} [{m.status}]" for m in pause.messages
        )
        out.print(f"  inactivated pause {pause.pause_id} ({pause.status}): {sent or 'no messages'}")
