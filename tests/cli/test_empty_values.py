"""An option or argument given empty is bad input, never "not given".

Why: `pauses reconcile --customer ""` reconciled every customer and `pauses list
--customer ""` listed (and logged reads of, R17) every customer's pauses: one empty
shell variable widened a read of one person's data to everyone's. `--month ""` fell
back to the month due next or to every month, `--now ""` to the clock, `--db ""` to
the default store. The command line refuses an empty or blank value in the one place
options are parsed (`homecare.cli.usage`), for every option of every command.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer

from homecare.bootstrap import connect
from homecare.cli.app import app
from tests.cli.conftest import MARCH, Cli, assert_one_line_error


def _valued(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(command path, parameter) for every option that takes a value and every argument."""
    for param in command.params:
        if param.param_type_name == "argument" or not param.is_flag:
            yield path, param
    for name, sub in (getattr(command, "commands", None) or {}).items():
        yield from _valued(sub, (*path, name))


EVERY = sorted(
    (
        (path, param.opts[0] if param.param_type_name == "option" else param.name)
        for path, param in _valued(typer.main.get_command(app))
        if param.param_type_name == "option"
    ),
    key=str,
)
ARGUMENTS = sorted(
    (
        (path, param.name)
        for path, param in _valued(typer.main.get_command(app))
        if param.param_type_name == "argument"
    ),
    key=str,
)


def _id(part: object) -> str:
    return " ".join(part) or "homecare" if isinstance(part, tuple) else str(part)


def test_the_walk_finds_the_options_of_the_report() -> None:
    assert (("pauses", "reconcile"), "--customer") in EVERY
    assert (("buffer", "deadline"), "--month") in EVERY
    assert (("privacy", "access-log"), "--month") in EVERY
    assert ((), "--db") in EVERY
    assert (("assignments", "decline"), "assignment") in ARGUMENTS


@pytest.mark.parametrize("value", ["", "  "])
@pytest.mark.parametrize(("path", "option"), EVERY, ids=_id)
def test_every_option_given_empty_is_refused(
    sqlite_cli: Cli, path: tuple[str, ...], option: str, value: str
) -> None:
    for given in ([option, value], [f"{option}={value}"]):
        result = sqlite_cli.runner.invoke(app, [*path, *given])
        assert_one_line_error(result, "invalid_input", f"'{option}'", "empty")


@pytest.mark.parametrize(("path", "argument"), ARGUMENTS, ids=_id)
def test_every_argument_given_empty_is_refused(
    sqlite_cli: Cli, path: tuple[str, ...], argument: str
) -> None:
    result = sqlite_cli(*path, " ")
    assert_one_line_error(result, "invalid_input", "empty")


def _reads(cli: Cli) -> int:
    with connect(cli.url) as hc:
        return len(hc.access.entries())


@pytest.mark.parametrize(
    "args",
    [
        ("pauses", "reconcile", "--customer", ""),
        ("pauses", "list", *MARCH, "--customer", ""),
        ("pauses", "previous-month", "--customer", ""),
        ("assignments", "list", "--customer", ""),
        ("buffer", "deadline", "--month", ""),
        ("buffer", "deadline", "--now", ""),
        ("pauses", "reconcile", "--month", ""),
        ("privacy", "access-log", "--month", ""),
        ("privacy", "access-log", "--subject", ""),
        ("assignments", "decline", "0f8fad5b-d9cb-469f-a165-70867728950e", "--by", "x",
         "--actor", "x", "--when", ""),
    ],
)  # fmt: skip
def test_an_empty_filter_reads_nobody(demo_db: tuple[Cli, dict[str, Any]], args: Any) -> None:
    """The reviewer's cases: each read everyone (exit 0 or 3) and logged it (R17)."""
    cli, _ = demo_db
    before = _reads(cli)
    assert_one_line_error(cli(*args), "invalid_input", "empty")
    assert _reads(cli) == before


def test_an_empty_database_url_is_not_the_default_store(sqlite_cli: Cli) -> None:
    result = sqlite_cli.runner.invoke(app, ["--db", "", "buffer", "problems"])
    assert_one_line_error(result, "invalid_input", "'--db'", "empty")
