"""The `homecare` command line: one Typer app, and the one place where errors become a line.

Every command opens the store named by `--db` (default `HOMECARE_DATABASE_URL`,
else `sqlite:///homecare.db`) through `homecare.connect`, like any host: the
environment is read by `homecare.Settings` alone (D9), never by click. A
`HomecareError` is printed as exactly one line on stderr with a non-zero
exit, never a traceback; the library's boundaries (`homecare._es.error_map`,
`homecare.schema` for the `db` commands) raise nothing else, so only a
HomecareError is caught here. Usage errors found by click
before a command runs (an unknown option or command, a missing argument, a
value of the wrong type or range) come out the same way: one line, code
`invalid_input`, exit 1, never typer's boxed panel.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from homecare.cli import (
    assignments,
    audit,
    buffer,
    db,
    demo,
    pauses,
    privacy,
    privacy_export,
    serve,
    status,
    worker,
)
from homecare.cli.help import humanize
from homecare.cli.output import State
from homecare.cli.usage import ClickError, strict_parsing, usage_failed
from homecare.errors import HomecareError
from homecare.settings import DATABASE_URL_VARIABLE, DEFAULT_DATABASE_URL

__all__ = ["app", "run"]

EXIT_ERROR = 1


class _Group(TyperGroup):
    """The root group: translates errors raised by any command into one line on stderr,
    and makes every command's help read as a person writes it (`homecare.cli.help`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        humanize(self)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run non-standalone so that click's usage errors reach us, then exit as click would."""
        strict_parsing(self)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except ClickError as error:
            if type(error).__name__ == "NoArgsIsHelpError":  # click >= 8.2: help already shown
                result = getattr(error, "exit_code", 2)
            else:
                result = usage_failed(error)
        except typer.Abort:
            typer.echo("homecare: error: interrupted: aborted.", err=True)
            result = EXIT_ERROR
        code = result if isinstance(result, int) and not isinstance(result, bool) else 0
        if not standalone_mode:
            return code
        sys.exit(code)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except HomecareError as error:
            _fail(f"{error.code}: {error.message}")
        except (ClickError, typer.Exit, typer.Abort):  # typer's click: its own or vendored
            raise
        except Exception as error:  # a bug: one line, never a traceback (nor its text: D8)
            _fail(
                f"internal_error: an unexpected {type(error).__name__} (a bug in homecare; "
                "nothing more is shown, since its text may hold personal data)."
            )


def _fail(message: str) -> NoReturn:
    typer.echo(f"homecare: error: {' '.join(message.split())}", err=True)
    raise typer.Exit(EXIT_ERROR)


app = typer.Typer(
    name="homecare",
    cls=_Group,
    help="Home care for Stockholm providers: the integration buffer (integrationsbuffert), "
    "visits (uppdrag), pauses (uppehåll) and audits.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"homecare {package_version()}")
        raise typer.Exit()


def package_version() -> str:
    """The installed distribution's version (`0+unknown` when run from a bare source tree)."""
    try:
        return version("homecare")
    except PackageNotFoundError:  # pragma: no cover - not installed
        return "0+unknown"


@app.callback()
def _global(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            show_default=f"${DATABASE_URL_VARIABLE}, else {DEFAULT_DATABASE_URL}",
            help="The store: sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB.",
        ),
    ] = None,
    reader: Annotated[
        str | None,
        typer.Option(
            "--reader",
            metavar="NAME",
            show_default="the operating-system user",
            help="Who reads: recorded in the access log with every read of personal data (R17).",
        ),
    ] = None,
    purpose: Annotated[
        str | None,
        typer.Option(
            "--purpose",
            metavar="TEXT",
            show_default="the command, e.g. 'homecare buffer month'",
            help="Why: recorded in the access log with every read of personal data (R17).",
        ),
    ] = None,
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_print_version,
            help="Print homecare's version and exit.",
        ),
    ] = False,
) -> None:
    ctx.obj = State(db, reader, purpose)


app.command("demo")(demo.demo)
app.add_typer(buffer.app, name="buffer")
app.add_typer(pauses.app, name="pauses")
app.add_typer(assignments.app, name="assignments")
app.add_typer(audit.app, name="audit")
app.add_typer(db.app, name="db")
privacy.app.command("export")(privacy_export.export_command)  # art. 15, its own module
app.add_typer(privacy.app, name="privacy")
serve.register(app)
app.command("worker")(worker.worker)
app.command("status")(status.status)


def run() -> None:
    """The console script's entry point."""
    app(prog_name="homecare")
