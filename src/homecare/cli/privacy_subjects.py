"""The subjects a `homecare privacy` command names (R16, R17): its id options and the
register that `cull-again` reads.

Every id goes through `homecare.privacy.resolve_subject` before anything is
culled, exported or shown, so each command answers alike: a malformed id is
`invalid_input` naming the option (or the register's entry), an unknown id or
one of another kind `not_found` (a customer's id given as `--staff`, culled or
not). The facade's `hc.cull` and `homecare.privacy.export` resolve the same way.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from homecare.bootstrap import Homecare
from homecare.cli.output import console, emit_json, local_time, parse_uuid
from homecare.domain.privacy import SubjectKind
from homecare.errors import InvalidInputError, NotFoundError
from homecare.privacy import Subject, resolve_subject

__all__ = ["DryRun", "chosen", "cull_again_due", "read_register", "say_one", "subject"]


def chosen(
    customer: str | None, staff: str | None, *, batch: bool
) -> tuple[str, SubjectKind] | None:
    """The subject `privacy cull` names (its id unparsed), None for the policy's batch;
    InvalidInputError for both options, or one with `--yes` (the batch's switch)."""
    if customer is not None and staff is not None:
        raise InvalidInputError("Give --customer or --staff, not both.")
    if customer is None and staff is None:
        return None
    if batch:
        raise InvalidInputError(
            "Give --customer/--staff (cull one subject) or --yes (cull every subject due), "
            "not both."
        )
    if customer is not None:
        return customer, SubjectKind.CUSTOMER
    return str(staff), SubjectKind.STAFF


def subject(hc: Homecare, text: str, kind: SubjectKind | None, option: str) -> Subject:
    """The subject an option's text names (`option`: `customer`, `staff`, `subject`)."""
    return resolve_subject(hc.log, parse_uuid(text, option), kind)


def say_one(hc: Homecare, found: Subject, as_json: bool) -> None:
    """The dry run for one subject: what `privacy cull` would do to them now."""
    finished = found.culled_at is not None and found.id in {
        c.subject_id for c in hc.subject_keys.culled()
    }
    state, said = _state(found.culled_at, finished)
    if as_json:
        emit_json(
            DryRun(subject_id=found.id, kind=found.kind, state=state, culled_at=found.culled_at)
        )
        return
    console().print(f"The {found.kind} {found.id} {said}.")


class DryRun(BaseModel):
    """`privacy cull --dry-run --json` for one subject: `state` is `would_be_culled`,
    `already_culled` (a cull changes nothing) or `unfinished` (a cull finishes it)."""

    subject_id: UUID
    kind: SubjectKind
    state: str
    culled_at: datetime | None


def _state(culled_at: datetime | None, finished: bool) -> tuple[str, str]:
    if culled_at is None:
        return "would_be_culled", "would be culled now (on demand)"
    if finished:
        return "already_culled", f"is already culled (recorded {local_time(culled_at)})"
    return (
        "unfinished",
        f"was culled at {local_time(culled_at)} but not finished: culling again finishes it",
    )


def read_register(path: Path) -> list[tuple[UUID, SubjectKind]]:
    """The (id, kind) pairs of a register (`privacy culled --json`), in order;
    InvalidInputError for a missing or unreadable file (saying which), one not JSON,
    and naming the first entry that is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _not_a_register(path, "no such file") from None
    except OSError as error:
        raise _not_a_register(path, f"it cannot be read ({error.strerror or 'error'})") from None
    except ValueError:  # not UTF-8
        raise _not_a_register(path, "it cannot be read as JSON") from None
    try:
        entries: Any = json.loads(text)
    except (ValueError, RecursionError):
        raise _not_a_register(path, "it cannot be read as JSON") from None
    if not isinstance(entries, list):
        raise _not_a_register(path, "it is not a list")
    return [_entry(path, number, entry) for number, entry in enumerate(entries, 1)]


def _entry(path: Path, number: int, entry: object) -> tuple[UUID, SubjectKind]:
    subject_id = entry.get("subject_id") if isinstance(entry, dict) else None
    kind = entry.get("kind") if isinstance(entry, dict) else None
    if isinstance(subject_id, str) and kind in tuple(SubjectKind):
        try:
            return UUID(subject_id), SubjectKind(kind)
        except ValueError:
            pass
    raise _not_a_register(
        path, f'entry {number} is not {{"subject_id": a UUID, "kind": "customer" or "staff"}}'
    )


def _not_a_register(path: Path, why: str) -> InvalidInputError:
    return InvalidInputError(
        f"Cannot read the register {str(path)[:80]!r}: {why}; expected the JSON of "
        "`homecare privacy culled --json`."
    )


def cull_again_due(hc: Homecare, wanted: list[tuple[UUID, SubjectKind]]) -> list[Subject]:
    """The register's subjects this store has and does not list as culled, every entry
    checked before any is culled: one this store never had is skipped (registered after
    the backup); one of another kind here is InvalidInputError (another store's
    register?), so nothing is half-done."""
    done = {c.subject_id for c in hc.subject_keys.culled()}
    due = []
    for number, (subject_id, kind) in enumerate(wanted, 1):
        try:
            found = resolve_subject(hc.log, subject_id, None)
        except NotFoundError:
            continue
        if found.kind is not kind:
            raise InvalidInputError(
                f"Register entry {number} names {subject_id} as {kind}, but this store has "
                f"them as {found.kind}: is it this store's register? Nothing was culled."
            )
        if subject_id not in done and found not in due:
            due.append(found)
    return due
