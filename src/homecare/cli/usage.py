"""Usage errors (what click finds before a command runs) in the one error style of the CLI.

Why here and not click's way: typer prints click's usage errors as a boxed
panel with exit 2, beside our own `homecare: error: CODE: message` lines with
exit 1; a script or an operator then has two formats to read. Every bad
option is bad input, so it is one line with code `invalid_input`, exit 1.

A single-valued option given twice (`--after 3 --after 4`) is refused like a
repeated HTTP query parameter: click would silently keep the last value. A number
is given in digits (`--limit 20`, `--every 0.5`), as over HTTP and in the settings
(`homecare.numbers`): click would read `2_0`, `+20` and ` 20` as 20, and take
`inf` and `nan` for seconds.

A value given empty or blank (`--customer ""`, `--month=`, a blank argument) is
refused too, for every option and argument of every command: the commands read
a missing option as "all customers", "the month due next", "the clock" or "the
default store", and an empty shell variable (`--customer "$ID"`) must not turn
a read of one person's data into a read of everyone's. Absent stays absent.
"""

from __future__ import annotations

from typing import Any

import typer

from homecare.errors import InvalidInputError
from homecare.numbers import DECIMAL_TEXT, DIGITS

__all__ = ["ClickError", "strict_parsing", "usage_failed"]

EXIT_ERROR = 1


def _click_class(name: str) -> type[Exception]:
    """A click exception class as typer uses it: typer >= 0.20 vendors click
    (`typer._click`), older typer uses `click`; `typer.BadParameter` derives from it."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


ClickError = _click_class("ClickException")
_UsageError: Any = _click_class("UsageError")


def usage_failed(error: Exception) -> int:
    """Print click's usage error as one line (`homecare: error: invalid_input: ...`)."""
    ctx = getattr(error, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    shown = getattr(error, "format_message", lambda: str(error))()
    message = " ".join(f"{shown}{hint}".split())
    typer.echo(f"homecare: error: {InvalidInputError.code}: {message}", err=True)
    return EXIT_ERROR


def strict_parsing(command: Any) -> None:
    """Make `command` and every subcommand refuse what click would silently take (the
    module doc): a single-valued option given twice, a number not written in digits,
    and an empty or blank value."""
    if getattr(command, "_homecare_refuses_repeats", False):
        return
    original = command.make_parser

    def make_parser(ctx: Any) -> Any:
        parser = original(ctx)
        parse = parser.parse_args

        def parse_args(args: list[str]) -> Any:
            opts, rest, order = parse(args)
            _check_repeats(ctx, order)
            _check_empty(ctx, opts)
            _check_numbers(ctx, opts)
            return opts, rest, order

        parser.parse_args = parse_args
        return parser

    command.make_parser = make_parser
    command._homecare_refuses_repeats = True
    for sub in getattr(command, "commands", {}).values():
        strict_parsing(sub)


def _check_repeats(ctx: Any, order: list[Any]) -> None:
    seen: set[str] = set()
    for param in order:
        if getattr(param, "param_type_name", "") != "option":
            continue
        if getattr(param, "multiple", False) or getattr(param, "count", False):
            continue
        if param.name in seen:
            shown = param.opts[0] if getattr(param, "opts", None) else param.name
            raise _UsageError(f"Option '{shown}' is given more than once; give it once.", ctx)
        seen.add(param.name)


def _values(raw: Any) -> list[Any]:
    return list(raw) if isinstance(raw, list | tuple) else [raw]


def _check_empty(ctx: Any, opts: dict[str, Any]) -> None:
    """No option or argument given empty or blank (the module doc): a flag's value is
    not text, and an option not given is not in `opts` (its default is not checked)."""
    for param in ctx.command.params:
        if any(isinstance(v, str) and not v.strip() for v in _values(opts.get(param.name))):
            leave_out = ", or leave the option out" if param.param_type_name == "option" else ""
            raise typer.BadParameter(f"is empty: give a value{leave_out}", ctx, param)


def _number_kind(param: Any) -> str | None:
    """ "integer" or "float" for a numeric option, else None: click's type name (typer
    on click), or the annotation (typer >= 0.20, which vendors its own parameters)."""
    name = getattr(getattr(param, "type", None), "name", None)
    if name in ("integer", "integer range", "float", "float range"):
        return str(name).split()[0]
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    return (
        {int: "integer", float: "float"}.get(annotation) if isinstance(annotation, type) else None
    )


def _check_numbers(ctx: Any, opts: dict[str, Any]) -> None:
    """Every number given on the command line is written in digits (the module doc)."""
    for param in ctx.command.params:
        kind = _number_kind(param)
        raw = opts.get(param.name)
        if kind is None or raw is None:
            continue
        pattern = DIGITS if kind == "integer" else DECIMAL_TEXT
        for text in _values(raw):
            if isinstance(text, str) and not pattern.fullmatch(text):
                shown = "a whole number" if kind == "integer" else "a number"
                raise typer.BadParameter(f"must be {shown} written in digits", ctx, param)
