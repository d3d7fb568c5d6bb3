"""What every command shares: opening the store, reading arguments, printing tables and JSON.

Arguments are read here rather than by click types so that a malformed date,
month, id or timestamp is an `InvalidInputError`, reported as one line by the
app's single error boundary (`homecare.cli.app`).
"""

from __future__ import annotations

import getpass
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from homecare._sql.database import is_read_only_error
from homecare.application.reads import Reading
from homecare.bootstrap import Homecare, connect
from homecare.domain.citydays import STOCKHOLM
from homecare.domain.identity import redacted
from homecare.domain.month import Month
from homecare.domain.wall_clock import stockholm_wall_time
from homecare.errors import HomecareError, InvalidInputError
from homecare.privacy import Channel, subjects_in

__all__ = [
    "JsonOption",
    "State",
    "console",
    "emit_json",
    "local_time",
    "noted",
    "parse_date",
    "parse_instant",
    "parse_month",
    "parse_uuid",
    "reading",
    "store",
    "table",
    "who",
]

_T = TypeVar("_T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@dataclass(frozen=True)
class State:
    """The global options, kept on the click context for every command."""

    database_url: str | None
    reader: str | None = None
    purpose: str | None = None


@contextmanager
def reading(ctx: typer.Context, hc: Homecare, what: str) -> Iterator[Reading]:
    """R17: a command's read of personal data, recorded (channel `cli`) when the block ends.

    `what` is the command (`buffer_month`); the reader is `--reader`, else the
    operating-system user (`getpass.getuser()`); the purpose is `--purpose`,
    else implied by the command ("homecare buffer month"). Note the subjects
    shown with `noted(read, rows)` and print only after the block:
    a read whose entries cannot be written fails (StorageError) and shows nothing.
    """
    reader, purpose = who(ctx, what.replace("_", " ", 1).replace("_", "-"))
    with hc.app.reading(reader=reader, purpose=purpose, what=what, channel=Channel.CLI) as read:
        yield read


def who(
    ctx: typer.Context,
    command: str,
    *,
    reader: str | None = None,
    purpose: str | None = None,
    default_purpose: str | None = None,
) -> tuple[str, str]:
    """The reader and the purpose of a command's reads (R17; see `reading`): the one
    place every command takes them from. The global `--reader`/`--purpose`; a command's
    own option of the same name (`privacy export`) is the same choice given later: both
    given and different is InvalidInputError (neither silently wins). Defaults: the
    operating-system user, and `default_purpose` or "homecare COMMAND"."""
    state = ctx.obj if isinstance(ctx.obj, State) else State(None)
    chosen_reader = _one("--reader", state.reader, reader)
    chosen_purpose = _one("--purpose", state.purpose, purpose)
    return chosen_reader or _os_user(), chosen_purpose or default_purpose or f"homecare {command}"


def _one(option: str, before: str | None, after: str | None) -> str | None:
    if before is not None and after is not None and before != after:
        raise InvalidInputError(
            f"{option} was given twice with different values (before and after the "
            f"command): give it once (R17: one reader and one purpose per read)."
        )
    return after if after is not None else before


def noted(read: Reading, rows: _T) -> _T:
    """`rows`, with the subjects they name noted on `read` (R17)."""
    read.note(subjects_in(rows))
    return rows


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise InvalidInputError(
            "Cannot tell who is reading (no operating-system user name): give --reader NAME "
            "(R17: every read of personal data is logged with its reader)."
        ) from None


@contextmanager
def store(ctx: typer.Context, *, catch_up: bool = True, create: bool = False) -> Iterator[Homecare]:
    """The store named by --db, its read models caught up so that views are current.

    A store that may be read but not written (a read-only file or role) is shown
    as the worker last projected it, with a warning on stderr. A wrong or missing
    cipher key is refused first (CipherKeyError), also when nothing is left to
    catch up. `create`: run the
    migrations first (`homecare demo` on a fresh file, like `db init`).
    """
    state = ctx.obj if isinstance(ctx.obj, State) else State(None)
    with connect(state.database_url, create=create) as hc:
        hc.check_cipher_key()  # D8: a wrong key is one line, never a view with blanks
        if catch_up and not hc.worker_alive():  # a live worker keeps the views current
            try:
                hc.catch_up()
            except HomecareError as error:
                if not is_read_only_error(error.__cause__ or error):
                    raise
                lag = max((runner.lag() for runner in hc.runners), default=0)
                typer.echo(
                    f"homecare: warning: read-only store; views may be {lag} events behind "
                    "(the worker keeps them current).",
                    err=True,
                )
        yield hc


def console(*, stderr: bool = False) -> Console:
    """A rich console without markup (data is never markup); wide (300 columns) when not a
    terminal, so that a table piped to a file or a script keeps every id and time whole."""
    found = Console(highlight=False, markup=False, stderr=stderr)
    if found.is_terminal:
        return found
    return Console(highlight=False, markup=False, stderr=stderr, width=300)


def emit_json(data: BaseModel | Sequence[BaseModel] | dict[str, Any] | list[Any]) -> None:
    """Print JSON on stdout: models in their JSON form, everything else as given."""
    if isinstance(data, BaseModel):
        payload: Any = data.model_dump(mode="json")
    elif isinstance(data, list | tuple) and all(isinstance(d, BaseModel) for d in data):
        payload = [d.model_dump(mode="json") for d in data]
    else:
        payload = data
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


_NO_WRAP = frozenset(
    {"id", "customer", "message", "assignment", "staff", "date", "time", "starts", "ends"}
    | {"cancelled", "performed", "state"}
)
"""Ids and times are never broken over two lines: a person copies and compares them whole."""


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Table:
    shown = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        shown.add_column(column, no_wrap=column in _NO_WRAP)
    for row in rows:
        shown.add_row(*("" if cell is None else str(cell) for cell in row))
    return shown


def local_time(instant: datetime | None) -> str:
    """An instant as Stockholm wall-clock time (D5), the way an operator reads it."""
    if instant is None:
        return ""
    return instant.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def parse_uuid(text: str, what: str) -> UUID:
    try:
        return UUID(text.strip())
    except ValueError:
        raise InvalidInputError(
            f"Malformed {what} id {redacted(text)}: expected a UUID such as "
            "0f8fad5b-d9cb-469f-a165-70867728950e."
        ) from None


def parse_date(text: str, what: str) -> date:
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise InvalidInputError(f"Malformed {what} {redacted(text)}: expected a date YYYY-MM-DD.")


def parse_month(text: str) -> tuple[int, int]:
    """YYYY-MM, 0001-01 to 9999-12 (`Month.parse`): (year, month)."""
    asked = Month.parse(text)
    return asked.year, asked.month


def parse_instant(text: str, what: str) -> datetime:
    """ISO 8601, as an instant in UTC. Without an offset it is Stockholm wall-clock time (a
    bare date: its midnight), and one the clocks skipped or showed twice when summer time
    began or ended is refused, never moved an hour (`stockholm_wall_time`, D5)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            f"Malformed {what} {redacted(text)}: expected an ISO 8601 time such as "
            "2026-03-29T12:00 (Stockholm time) or 2026-03-29T10:00:00+00:00."
        ) from None
    if parsed.tzinfo is None:
        return stockholm_wall_time(parsed, what)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InvalidInputError(
            f"{what} {redacted(text)} lies outside the calendar (years 0001-9999 in UTC)."
        ) from None
