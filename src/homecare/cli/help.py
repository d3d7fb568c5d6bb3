"""Help a person reads with ease: value names instead of type placeholders, text shown as written.

Typer 0.29 prints a type placeholder beside every parameter (`<str>`,
`<bool>`, `<float range>`) and renders help text as Rich markup, so a
`[default: now]` inside a help text vanishes and leaves a stray " .". This
module walks the finished command tree once (from the root group's
constructor, so it covers every command, present and future) and

- names each option's value after what it is (`--db URL`, `--from
  YYYY-MM-DD`, `--limit N`), falling back on the type (TEXT, N, NUMBER,
  PATH) and nothing at all for a flag;
- shows no type for an argument, whose name already says what it is;
- escapes help texts, so brackets are printed as written.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape

__all__ = ["humanize"]

VALUE_NAMES = {
    "--db": "URL",
    "--url": "URL",
    "--from": "YYYY-MM-DD",
    "--to": "YYYY-MM-DD",
    "--today": "YYYY-MM-DD",
    "--now": "TIME",
    "--at": "TIME",
    "--customer": "ID",
    "--staff": "ID",
    "--organisation": "NAME",
    "--token": "SECRET",
    "--state": "FILE",
    "--received": "FILE",
    "--after": "CURSOR",
    "--host": "HOST",
    "--port": "PORT",
    "--seed": "N",
}


def _value_name(param: Any) -> str:
    for opt in param.opts:
        if opt in VALUE_NAMES:
            return str(VALUE_NAMES[opt])
    described = getattr(param, "type_descriptor", None)  # Typer 0.29 and later
    if described is not None:
        if described.is_choice and described.choices:
            return "|".join(str(getattr(c, "value", c)) for c in described.choices)
        if described.is_path:
            return "PATH"
        if described.is_datetime:
            return "TIME"
        name = described.ranged_type_name if described.is_ranged else param.bare_type()
    else:  # older Typer: click's own parameter types
        choices = getattr(param.type, "choices", None)
        if choices:
            return "|".join(str(getattr(c, "value", c)) for c in choices)
        name = str(getattr(param.type, "name", ""))
    name = str(name).lower()
    if name.startswith("int"):
        return "N"
    if name.startswith("float"):
        return "NUMBER"
    if name in {"path", "filename", "file"}:
        return "PATH"
    if name == "datetime":
        return "TIME"
    return "TEXT"


def _no_type(ctx: Any) -> None:
    return None


def _flag_help_option(command: Any) -> None:
    """`--help` is made on demand by each command; give it no value name either."""
    make = getattr(command, "get_help_option", None)
    if make is None:
        return

    def get_help_option(ctx: Any) -> Any:
        option = make(ctx)
        if option is not None and getattr(option, "metavar", None) is None:
            option.metavar = ""
        return option

    object.__setattr__(command, "get_help_option", get_help_option)


def _one_line_summary(text: str) -> str:
    """Join the first paragraph's lines: a group's Commands list prints it as written
    (in Rich mode), so a docstring wrapped at 100 columns broke its row mid-sentence."""
    first, sep, rest = text.partition("\n\n")
    if first.startswith("\b"):
        return text
    return " ".join(line.strip() for line in first.splitlines()) + sep + rest


def humanize(command: Any) -> None:
    """Rewrite `command` (a click or Typer command) and everything under it, in place.

    Duck-typed: Typer 0.29 carries its own copy of click (`typer._click`), older
    Typer uses click itself; both have the attributes read here.
    """
    if getattr(command, "_homecare_humanized", False):
        return
    command._homecare_humanized = True
    # Only where help is read as Rich markup (Typer's default from 0.15 on) are
    # brackets escaped; older Typer prints the text as it is.
    markup = getattr(command, "rich_markup_mode", None) == "rich"
    if getattr(command, "help", None):
        command.help = _one_line_summary(command.help)
    if markup and getattr(command, "help", None):
        command.help = escape(command.help)
    if markup and getattr(command, "short_help", None):
        command.short_help = escape(command.short_help)
    _flag_help_option(command)
    for param in getattr(command, "params", ()):
        if markup and getattr(param, "help", None):
            param.help = escape(param.help)
        if param.default is None and param.show_default is True:
            param.show_default = False  # "[default: None]" says nothing
        kind = getattr(param, "param_type_name", None)
        if kind == "option" and param.metavar is None:
            param.metavar = "" if param.is_flag else _value_name(param)
        elif kind == "argument":
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()
            # Typer prints a type beside every argument whatever its metavar says.
            object.__setattr__(param, "display_type_rich", _no_type)
    for sub in (getattr(command, "commands", None) or {}).values():
        humanize(sub)
