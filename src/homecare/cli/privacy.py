"""`homecare privacy ...`: the access log (R17), its monthly review (logguppföljning),
and the register of culled subjects (R16).

`privacy culled` lists the culled subjects; `privacy cull` culls one subject on
demand, or lists (`--dry-run`) or culls (`--yes`) those the retention policy
makes due (R16, docs/privacy.md).
Reading the log is not itself logged: it holds no personal data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from homecare._sql.subject_keys import SubjectKeys
from homecare.application.retention import DueSubject
from homecare.application.shredding import CullResult
from homecare.bootstrap import Homecare
from homecare.cli import privacy_subjects as subjects
from homecare.cli.output import JsonOption, console, emit_json, local_time, store, table
from homecare.cli.privacy_scrub import culled as scrubbed_as
from homecare.cli.privacy_scrub import scrub_notes, warn_unscrubbed
from homecare.domain.common import stockholm_day
from homecare.domain.month import Month
from homecare.errors import InvalidInputError, RuleViolationError
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
    chosen = Month.parse(month) if month is not None else None
    with store(ctx, catch_up=False) as hc:
        subject_id = None if subject is None else subjects.subject(hc, subject, None, "subject").id
        entries = hc.access.entries(subject=subject_id, month=chosen)
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
        found = hc.access.review(chosen, threshold=threshold, factor=factor)
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


@app.command("cull")
def cull(
    ctx: typer.Context,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Cull this customer now (on demand).")
    ] = None,
    staff: Annotated[
        str | None, typer.Option("--staff", help="Cull this staff member now (on demand).")
    ] = None,
    actor: Annotated[str, typer.Option(help="Who culls (recorded, D1).")] = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what is due and why; cull nothing.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Cull every subject due (the policy's batch).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """R16: cull one subject on demand (--customer/--staff ID), or list (--dry-run) or cull
    (--yes) every subject the retention policy makes due. Irreversible (docs/privacy.md)."""
    if dry_run and yes:  # contradictory: culling cannot be undone, so neither wins
        raise InvalidInputError(
            "Give --dry-run (list, cull nothing) or --yes (cull every subject due), not both."
        )
    chosen = subjects.chosen(customer, staff, batch=yes)
    now = datetime.now(UTC)
    if chosen is None and not dry_run and not yes:
        raise InvalidInputError(
            "Give --dry-run to list the subjects due, or --yes to cull them all "
            "(culling cannot be undone)."
        )
    if not dry_run and not actor.strip():
        raise InvalidInputError("Give --actor: who culls is recorded (D1).")
    with store(ctx, catch_up=False) as hc, scrub_notes():
        if chosen is not None:
            found = subjects.subject(hc, chosen[0], chosen[1], chosen[1].value)
            if dry_run:
                subjects.say_one(hc, found, as_json)
                return
            results = [hc.cull(found.id, kind=found.kind, actor=actor, at=now)]
        else:
            due = _due(hc, now, dry_run=dry_run)
            if dry_run or due is None:
                _show_due(due, as_json)
                return
            results = [
                hc.cull(d.subject_id, kind=d.kind, reason="retention", actor=actor, at=now,
                        scrub=False)
                for d in due
            ]  # fmt: skip
            results = scrubbed_as(results, not results or hc.scrub())
        _show_culled(results, as_json)


POLICY_OFF = (
    "The retention policy is off (HOMECARE_RETENTION_YEARS is not set): nothing is due (R16). "
    "`homecare privacy cull --customer ID` culls one customer on demand."
)


def _due(hc: Homecare, now: datetime, *, dry_run: bool) -> list[DueSubject] | None:
    """The subjects due today (Stockholm); None when the policy is off and this is a dry
    run (the caller says so); RuleViolationError when it is off and this would cull."""
    if not hc.settings.retention_policy().enabled:
        if dry_run:
            return None
        raise RuleViolationError(POLICY_OFF)
    return hc.due_for_culling(stockholm_day(now))


def _show_due(due: list[DueSubject] | None, as_json: bool) -> None:
    """The subjects due; with the policy off (None) its note, and with `--json` the
    JSON of nobody due (`[]`) on stdout and the note as a warning line on stderr."""
    if due is None and as_json:
        emit_json([])
        typer.echo(f"homecare: warning: {POLICY_OFF}", err=True)
        return
    if due is None:
        console().print(POLICY_OFF)
        return
    if as_json:
        emit_json([_due_json(d) for d in due])
        return
    console().print(
        table(
            f"Due for culling ({len(due)}; dry run: nothing culled)",
            ["subject", "kind", "last entry", "due since", "deadline", "why"],
            ([d.subject_id, d.kind, d.last_entry, d.due.since, d.due.deadline, d.due.reason]
             for d in due),
        )
    )  # fmt: skip


def _due_json(d: DueSubject) -> dict[str, Any]:
    return {
        "subject_id": str(d.subject_id),
        "kind": d.kind.value,
        "last_entry": d.last_entry.isoformat(),
        "since": d.due.since.isoformat(),
        "deadline": d.due.deadline.isoformat(),
        "reason": d.due.reason,
        "legal_basis": d.due.legal_basis,
    }


def _show_culled(results: list[CullResult], as_json: bool) -> None:
    """The results (JSON or a table), then one warning line if a scrub did not finish."""
    if as_json:
        emit_json(results)
        warn_unscrubbed(results)
        return
    console().print(
        table(
            f"Culled ({len(results)}; keep `homecare privacy culled --json` outside backups)",
            ["subject", "kind", "reason", "recorded at", "this run"],
            ([r.subject_id, r.kind, r.reason, local_time(r.culled_at),
              "culled" if r.recorded or r.key_destroyed else "finished before"]
             for r in results),
        )
    )  # fmt: skip
    warn_unscrubbed(results)


@app.command("cull-again")
def cull_again(
    ctx: typer.Context,
    register: Annotated[
        Path, typer.Argument(help="The register kept outside backups (`privacy culled --json`).")
    ],
    actor: Annotated[str, typer.Option(help="Who culls (recorded, D1).")],
    as_json: JsonOption = False,
) -> None:
    """R16, after restoring a backup: cull again every subject of the register that this
    store does not list as culled (reason `restore`); one not in this store is skipped."""
    wanted = subjects.read_register(register)
    if not actor.strip():
        raise InvalidInputError("Give --actor: who culls is recorded (D1).")
    now = datetime.now(UTC)
    with store(ctx, catch_up=False) as hc, scrub_notes():
        results = [
            hc.cull(s.id, kind=s.kind, reason="restore", actor=actor, at=now, scrub=False)
            for s in subjects.cull_again_due(hc, wanted)
        ]
        results = scrubbed_as(results, not results or hc.scrub())
        _show_culled(results, as_json)
