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
from homecare._sql.store_names import StoreName, no_store
from homecare.bootstrap import connect, open_database
from homecare.cli.output import State, console
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
        raise no_store(_store(settings), " (no such file)")
    return settings, database


def _store(settings: Settings) -> StoreName:
    """The store as every line here names it: its URL, masked, and its schema if set."""
    return StoreName(settings.redacted_url, settings.db_schema)


def _revision(found: schema.SchemaStatus) -> str:
    if found.state is schema.SchemaState.UNVERSIONED:
        return "of release 0.1"
    if found.state is schema.SchemaState.VERSION_LOST:
        return "unknown (its version was lost)"
    return found.current or "none"


@app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the store (every table, at this release's schema); a no-op on a current one."""
    settings, database = _open(ctx, must_exist=False)
    try:
        before, after = schema.upgrade(database, shown_url=settings.redacted_url)
    finally:
        database.dispose()
    store = _store(settings)
    if before.state is schema.SchemaState.MISSING:
        console().print(f"Created the store at {store}: schema {after.current}.")
    elif before.current == after.current:
        console().print(f"The store at {store} is already at schema {after.head}.")
    else:
        _upgraded(settings, before, after)


@app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Option(help="Upgrade to this revision.")] = "head",
) -> None:
    """Bring an existing store to this release's schema; rebuild projections whose version
    changed from the log (D6). A place with no store, or an older revision, is refused."""
    settings, database = _open(ctx, must_exist=True)
    try:
        before, after = schema.upgrade(
            database, revision, create=False, shown_url=settings.redacted_url
        )
    finally:
        database.dispose()
    _upgraded(settings, before, after)


def _upgraded(settings: Settings, before: schema.SchemaStatus, after: schema.SchemaStatus) -> None:
    out = console()
    out.print(f"The store at {_store(settings)}: schema {_revision(before)} -> {after.current}.")
    if after.state is not schema.SchemaState.CURRENT:
        return
    with connect(settings=settings) as hc:
        stale = [runner.name for runner in hc.runners if runner.stale()]
        events = hc.catch_up()
    if stale:
        out.print(f"Rebuilt from the log: {', '.join(stale)} ({events} events).")


@app.command("check")
def check(ctx: typer.Context) -> None:
    """Exit 0 when the store is at this release's schema and its tables (read models, event
    table, version table) match it; else 1, with one line saying what differs."""
    settings, database = _open(ctx, must_exist=True)
    try:
        schema.require_current(database, settings.redacted_url, every_table=True)
    finally:
        database.dispose()
    console().print(f"The store at {_store(settings)} is at schema {schema.head()}.")


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the store's schema revision, this release's (head) and the state; a place with
    no store (no file, an empty file, database or schema) fails as every command does."""
    settings, database = _open(ctx, must_exist=True)
    try:
        found = schema.status(database, settings.redacted_url)
    finally:
        database.dispose()
    if found.state is schema.SchemaState.MISSING:
        raise no_store(_store(settings))
    console().print(f"{found.current or 'none'} (this release: {found.head}; {found.state.value})")
