"""`homecare privacy ...`: the access log (R17), its monthly review (logguppföljning),
and the register of culled subjects (R16).

`privacy culled` lists the culled subjects. Culling (`privacy cull`) and the
export (`privacy export`) come with the wiring of issue 15 (docs/privacy.md).
Reading the log is not itself logged: it holds no personal data.
"""

from __future__ import annotations

from typing import Annotated

import typer

from homecare._sql.subject_keys import SubjectKeys
from homecare.cli.output import JsonOption, console, emit_json, local_time, parse_uuid, store, table
from homecare.domain.month import Month
from homecare.privacy import AccessLog
from homecare.privacy.review import DEFAULT_FACTOR, DEFAULT_THRESHOLD, AccessReview

__all__ = ["app"]

app = typer.Typer(help="Privacy (R16, R17): the access log and its monthly review.")

MonthOption = Annotated[
    str | None, typer.Option("--month", help="A Stockholm calendar month, YYYY-MM.")
]


@app.command("access-log")
def access_log(
    ctx: typer.Context,
    subject: Annotated[
        str | None, typer.Option("--subject", help="A customer's or staff member's id.")
    ] = None,
    month: MonthOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every recorded read of personal data, oldest first: who, whom, what, when, why."""
    subject_id = parse_uuid(subject, "subject") if subject else None
    chosen = Month.parse(month) if month else None
    with store(ctx, catch_up=False) as hc:
        entries = AccessLog(hc.database).entries(subject=subject_id, month=chosen)
    if as_json:
        emit_json(entries)
        return
    console().print(
        table(
            f"Access log ({len(entries)} reads; Stockholm time)",
            ["at", "reader", "subject", "kind", "what", "purpose", "channel"],
            (
                [local_time(e.at), e.reader, e.subject_id, e.subject_kind, e.what, e.purpose,
                 e.channel]
                for e in entries
            ),
        )
    )  # fmt: skip


@app.command("review")
def review(
    ctx: typer.Context,
    month: Annotated[str, typer.Option("--month", help="The month reviewed, YYYY-MM.")],
    threshold: Annotated[
        int, typer.Option(min=1, help="Reads in the month that are unusual whatever others do.")
    ] = DEFAULT_THRESHOLD,
    factor: Annotated[
        float, typer.Option(min=1.0, help="Unusual: more than this times the readers' median.")
    ] = DEFAULT_FACTOR,
    as_json: JsonOption = False,
) -> None:
    """The monthly review: reads per reader and subject, and the unusual volumes."""
    chosen = Month.parse(month)
    with store(ctx, catch_up=False) as hc:
        found = AccessLog(hc.database).review(chosen, threshold=threshold, factor=factor)
    if as_json:
        emit_json(found)
        return
    _print(found)


def _print(found: AccessReview) -> None:
    out = console()
    out.print(
        table(
            f"Readers in {found.month} ({found.reads} reads)",
            ["reader", "reads", "subjects", "unusual"],
            ([r.reader, r.reads, r.subjects, r.why or ""] for r in found.readers),
        )
    )
    out.print(
        table(
            "Who read whom",
            ["reader", "subject", "kind", "reads"],
            ([p.reader, p.subject_id, p.subject_kind, p.reads] for p in found.pairs),
        )
    )
    out.print(f"Rule: {found.rule}.")


@app.command("culled")
def culled(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """R16: every culled subject (id, kind, when): the register of cullings to keep
    outside the store's backups and to cull again after a restore (docs/privacy.md)."""
    with store(ctx, catch_up=False) as hc:
        found = SubjectKeys(hc.database, None).culled()  # ids and times: no key needed
    if as_json:
        emit_json(found)
        return
    console().print(
        table(
            f"Culled subjects ({len(found)}; Stockholm time)",
            ["subject", "kind", "culled at"],
            ([c.subject_id, c.kind, local_time(c.culled_at)] for c in found),
        )
    )
