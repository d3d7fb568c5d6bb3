"""`homecare db init | upgrade | check | current`: the only commands that create or alter tables.

Why apart from every other command: a role with only DML rights runs all the
rest; these need DDL rights (CREATE on the database or schema) and are run by
whoever installs or upgrades homecare (see docs/operations.md).
"""

from __future__ import annotations

from typing import Annotated

import typer

from homecare import schema
from homecare._sql.database import Database
from homecare.bootstrap import connect, open_database
from homecare.cli.output import State, console
from homecare.errors import StoreNotInitialisedError
from homecare.settings import Settings

__all__ = ["app"]

app = typer.Typer(
    help="Create or upgrade the store's tables (needs DDL rights).", no_args_is_help=True
)


def _open(ctx: typer.Context, *, must_exist: bool) -> tuple[Settings, Database]:
    state = ctx.obj if isinstance(ctx.obj, State) else State(None)
    settings = Settings.load(database_url=state.database_url)
    database = open_database(settings, must_exist=must_exist)
    path = database.sqlite_path
    if must_exist and path is not None and not path.is_file():
        database.dispose()
        raise StoreNotInitialisedError(
            f"No homecare store at {settings.redacted_url} (no such file): create one with "
            f"`homecare --db {settings.redacted_url} db init`."
        )
    return settings, database


@app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the store (every table, at this release's schema); a no-op on a current one."""
    settings, database = _open(ctx, must_exist=False)
    try:
        before, after = schema.upgrade(database)
    finally:
        database.dispose()
    if before.current == after.current:
        console().print(f"The store at {settings.redacted_url} is already at schema {after.head}.")
        return
    console().print(f"Created the store at {settings.redacted_url} (schema {after.current}).")


@app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Option(help="Upgrade to this revision.")] = "head",
) -> None:
    """Bring an existing store to this release's schema; rebuild projections whose version
    changed from the log (D6)."""
    settings, database = _open(ctx, must_exist=True)
    try:
        before, after = schema.upgrade(database, revision)
    finally:
        database.dispose()
    out = console()
    out.print(
        f"The store at {settings.redacted_url}: schema {before.current or 'of release 0.1'} "
        f"-> {after.current}."
    )
    if after.state is not schema.SchemaState.CURRENT:
        return
    with connect(settings=settings) as hc:
        stale = [runner.name for runner in hc.runners if runner.stale()]
        events = hc.catch_up()
    if stale:
        out.print(f"Rebuilt from the log: {', '.join(stale)} ({events} events).")


@app.command("check")
def check(ctx: typer.Context) -> None:
    """Exit 0 when the store is at this release's schema and its tables match; else 1."""
    settings, database = _open(ctx, must_exist=True)
    try:
        schema.require_current(database, settings.redacted_url)
        found = schema.differences(database)
    finally:
        database.dispose()
    if found:
        shown = "; ".join(str(d)[:120] for d in found[:3])
        console(stderr=True).print(
            f"homecare: error: schema_drift: the tables at {settings.redacted_url} differ "
            f"from schema {schema.head()}: {shown}"
        )
        raise typer.Exit(1)
    console().print(f"The store at {settings.redacted_url} is at schema {schema.head()}.")


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the store's schema revision and this release's (head)."""
    _, database = _open(ctx, must_exist=True)
    try:
        found = schema.status(database)
    finally:
        database.dispose()
    console().print(f"{found.current or 'none'} (this release: {found.head}; {found.state.value})")
