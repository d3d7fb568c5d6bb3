"""`homecare privacy export --customer ID [--out FILE]`: everything stored about a
customer as JSON (GDPR art. 15; `homecare.privacy.export`, docs/privacy.md).

The export is recorded in the access log (what `export`, channel `cli`; the
reader and purpose as for every command, `homecare.cli.output.who`: the global
`--reader`/`--purpose`, or this command's own, the same choice given after the
command; the purpose defaults to "art. 15 request: export"). Written to FILE or
stdout: FILE is written whole and owner-only (mode 0600: it holds the full
personnummer), also over an existing file, through a temporary file in its folder
renamed over it (`homecare._files.write_private`). The customer is resolved first
(`homecare.privacy.resolve_subject`: another kind's id or an unknown one is
`not_found`), and a FILE in no folder, a folder or a symbolic link (never followed)
is refused before anything is read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from homecare._files import UnsafeTargetError, check_target, write_private
from homecare.cli.output import parse_uuid, store, who
from homecare.errors import InvalidInputError
from homecare.privacy import Channel, export

__all__ = ["EXPORT_PURPOSE", "export_command"]

EXPORT_PURPOSE = "art. 15 request: export"
"""The export's purpose in the access log when neither --purpose is given."""


def export_command(
    ctx: typer.Context,
    customer: Annotated[str, typer.Option("--customer", help="The customer's id.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON here (default: stdout).")
    ] = None,
    reader: Annotated[
        str | None,
        typer.Option("--reader", help="As the global --reader (giving both differently: error)."),
    ] = None,
    purpose: Annotated[
        str | None,
        typer.Option(
            "--purpose",
            help="As the global --purpose (default: 'art. 15 request: export').",
        ),
    ] = None,
) -> None:
    """GDPR art. 15: everything stored about a customer, as JSON (events opened, read-model
    and buffer rows, access-log entries, key status); recorded in the access log."""
    customer_id = parse_uuid(customer, "customer")
    reader, purpose = who(
        ctx, "privacy export", reader=reader, purpose=purpose, default_purpose=EXPORT_PURPOSE
    )
    if out is not None:
        _check(out)
    with store(ctx) as hc:
        found = export(
            hc,
            customer_id,
            reader=reader,
            purpose=purpose,
            channel=Channel.CLI,
        )
    text = json.dumps(found, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        write_private(out, text)
    except UnsafeTargetError as error:
        raise _unwritable(out, str(error)) from None
    except OSError as error:
        raise _unwritable(out, error.strerror or type(error).__name__) from None
    typer.echo(f"Exported customer {customer_id} to {out}.", err=True)


def _check(out: Path) -> None:
    """A FILE the export cannot be written to, refused before anything is read."""
    try:
        check_target(out)
    except UnsafeTargetError as error:
        raise _unwritable(out, str(error)) from None


def _unwritable(out: Path, why: str) -> InvalidInputError:
    return InvalidInputError(f"Cannot write the export to {str(out)[:80]!r}: {why}.")
