"""Who creates and changes homecare's tables: Alembic migrations shipped in the package.

Why: `connect()` never creates or alters a table (a host's own migrations, a
role without DDL rights and a release that changes a table all depend on it).
`homecare db init` creates a store, `homecare db upgrade` brings an older one
to this release, both by running the migrations in `homecare/_migrations`;
their version is kept in `homecare_alembic_version`, apart from a host's
`alembic_version`. `connect()` only checks the version and the event table
(`require_current`); `homecare db check` compares every table (`differences`).

Hosts that run Alembic autogenerate over their own metadata in the same
database pass `include_name=homecare.alembic_include_name` (or
`include_object=homecare.alembic_include_object`) to `context.configure`, so
that homecare's tables are neither dropped nor altered by their migrations.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from alembic import command
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError

import homecare._sql.subject_keys
import homecare.outbox.tables
import homecare.privacy.access_log
import homecare.projections.pause_overview  # noqa: F401 - registers its tables
from homecare._es.error_map import opening
from homecare._sql.database import Database
from homecare._sql.event_tables import EVENT_TABLES, event_table
from homecare._sql.revisions import (
    BASELINE,
    BASELINE_TABLES,
    VERSION_TABLE,
    alembic_include_name,
    alembic_include_object,
    ancestors,
    context,
    head,
    include_name,
    known_revisions,
    owned_tables,
    target_metadata,
)
from homecare._sql.revisions import config as _config
from homecare._sql.revisions import differences as _differences
from homecare._sql.store_names import StoreName, no_store
from homecare.errors import (
    InvalidInputError,
    SchemaDriftError,
    SchemaOutdatedError,
    StorageError,
)

__all__ = [
    "BASELINE",
    "EVENT_TABLES",
    "VERSION_TABLE",
    "SchemaState",
    "SchemaStatus",
    "alembic_include_name",
    "alembic_include_object",
    "differences",
    "head",
    "include_name",
    "owned_tables",
    "require_current",
    "status",
    "target_metadata",
    "upgrade",
]

logger = logging.getLogger("homecare.schema")


class SchemaState(StrEnum):
    MISSING = "missing"  # no homecare store here
    UNVERSIONED = "unversioned"  # homecare 0.1 tables, created before migrations
    VERSION_LOST = "version_lost"  # later tables, but no version: db upgrade restores it
    OUTDATED = "outdated"  # an older revision: homecare db upgrade
    CURRENT = "current"
    NEWER = "newer"  # written by a newer release of homecare


@dataclass(frozen=True)
class SchemaStatus:
    state: SchemaState
    current: str | None
    head: str


def _status(conn: Connection, schema: str | None) -> SchemaStatus:
    wanted = head()
    current = context(conn, schema).get_current_revision()
    if current is None:
        found = set(inspect(conn).get_table_names(schema=schema)) & owned_tables()
        if not found:
            state = SchemaState.MISSING
        else:
            baseline = found <= BASELINE_TABLES
            state = SchemaState.UNVERSIONED if baseline else SchemaState.VERSION_LOST
    elif current == wanted:
        state = SchemaState.CURRENT
    elif current in known_revisions():
        state = SchemaState.OUTDATED
    else:
        state = SchemaState.NEWER
    return SchemaStatus(state, current, wanted)


def status(database: Database, shown_url: str | None = None) -> SchemaStatus:
    """Where the store stands against this release (reads only; creates nothing).

    Raises StorageError naming the store (`shown_url`, as the settings show it) when it
    cannot be read (`_opening`)."""
    with _opening(database, _store(database, shown_url)), database.engine.connect() as conn:
        return _status(conn, database.schema)


@contextmanager
def _opening(database: Database, store: StoreName | None = None) -> Iterator[None]:
    """The boundary of this module's public functions (issue 12): any failure that is not a
    HomecareError is a StorageError naming the store, as `connect()` says it; a SQLite file
    that cannot be opened in a folder that cannot be written says why, and what to do."""
    store = store or _store(database)
    with opening(store.url, store.schema):
        try:
            yield
        except SQLAlchemyError as error:
            problem = database.folder_problem()
            if problem is None or "unable to open" not in str(error):
                raise
            raise StorageError(f"Cannot open the store at {store}: {problem}.") from error


def _store(database: Database, shown_url: str | None = None) -> StoreName:
    """How messages name `database` (`shown_url`: its URL as the settings show it)."""
    shown = shown_url or database.url.render_as_string(hide_password=True)
    return StoreName(shown, database.schema)


def require_current(database: Database, shown_url: str, *, every_table: bool = False) -> None:
    """Fail with one line unless the store exists at this release's schema with its event
    table (what every command needs); `every_table` (`homecare db check`): every table
    homecare owns is compared with the migrations' (`differences`).

    Raises StoreNotInitialisedError (no store there: `homecare db init`), SchemaOutdatedError
    (an older one: `homecare db upgrade`; a newer one: upgrade homecare) or SchemaDriftError
    (its version lost, or a table not as the migrations made it: the message lists them).
    """
    store = _store(database, shown_url)
    path = database.sqlite_path
    if path is not None and not path.is_file():
        raise no_store(store, " (no such file)")
    with _opening(database, store), database.engine.connect() as conn:
        found = _status(conn, database.schema)
        current = found.state is SchemaState.CURRENT
        lacking = _lacking(conn, database.schema, every_table) if current else []
    _require(found, store)
    if lacking:
        raise _drift(store, lacking)


def _lacking(conn: Connection, schema: str | None, every_table: bool) -> list[str]:
    if every_table:
        return _differences(conn, schema)
    events = event_table(conn.dialect.name).name
    return [] if inspect(conn).has_table(events, schema=schema) else [f"table {events} is missing"]


def _require(found: SchemaStatus, store: StoreName) -> None:
    hint = store.command
    if found.state is SchemaState.MISSING:
        raise no_store(store)
    if found.state in (SchemaState.UNVERSIONED, SchemaState.OUTDATED):
        raise SchemaOutdatedError(
            f"The store at {store} is at schema {found.current or 'of release 0.1'}, "
            f"this release needs {found.head}: run `{hint} db upgrade`."
        )
    if found.state is SchemaState.VERSION_LOST:
        raise SchemaDriftError(
            f"The store at {store} has lost its schema version ({VERSION_TABLE} is "
            f"missing or empty): run `{hint} db upgrade`, which restores it if the tables "
            "are this release's."
        )
    if found.state is SchemaState.NEWER:
        raise _newer(store, found)


def _newer(store: StoreName, found: SchemaStatus) -> SchemaOutdatedError:
    return SchemaOutdatedError(
        f"The store at {store} is at schema {found.current}, newer than this release of "
        f"homecare knows ({found.head}): upgrade homecare."
    )


def _drift(store: StoreName, found: list[str], *, changed: bool = True) -> SchemaDriftError:
    more = f"; and {len(found) - 3} more" if len(found) > 3 else ""
    done = "" if changed else " Nothing was changed."
    fix = (
        "The event log is gone: restore the store from a backup"
        if {f"table {name} is missing" for name in EVENT_TABLES} & set(found)
        else "Put them back as the migrations made them, e.g. from a backup"
    )
    return SchemaDriftError(
        f"The tables at {store} differ from schema {head()}: {'; '.join(found[:3])}{more}."
        f"{done} {fix} (docs/operations.md, backup and restore)."
    )


def upgrade(
    database: Database, revision: str = "head", *, create: bool = True, shown_url: str | None = None
) -> tuple[SchemaStatus, SchemaStatus]:
    """Create or upgrade the store's tables to `revision`; returns the status before and after.

    One transaction, serialised against concurrent `db init`/`db upgrade` (an
    advisory lock on PostgreSQL, the write lock on SQLite); whatever is refused changes
    nothing. A store of release 0.1 (tables, no version) is first stamped at BASELINE, one
    whose version was lost and whose tables are this release's at the head. The PostgreSQL
    schema is created if missing, unless `create` is False (`homecare db upgrade`): then a
    place with no store is StoreNotInitialisedError. Tables that differ from the migrations'
    afterwards (one dropped by hand) are SchemaDriftError. Needs DDL rights. An unknown
    `revision`, or one older than the store's (never downgraded), is InvalidInputError; a
    store that fails is StorageError naming it (`_opening`). A SQLite file is left in WAL mode.
    """
    store = _store(database, shown_url)
    with _opening(database, store):
        found = _upgrade(database, _target(revision), create=create, store=store)
        database.use_wal()
    logger.info("schema %s -> %s", found[0].current, found[1].current)
    return found


def _target(revision: str) -> str:
    if revision == "head":
        return head()
    if revision not in known_revisions():
        known = ", ".join(sorted(known_revisions()))
        raise InvalidInputError(
            f"Unknown schema revision {revision[:40]!r}: expected head or one of {known}."
        )
    return revision


def _upgrade(
    database: Database, target: str, *, create: bool, store: StoreName
) -> tuple[SchemaStatus, SchemaStatus]:
    if create and database.schema and not database.is_sqlite:
        with database.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"'))
    with database.write_engine.begin() as conn:
        database.lock(conn, "schema")
        before = _status(conn, database.schema)
        _refuse(before, target, create=create, store=store)
        config = _config(conn, database.schema)
        if before.state is SchemaState.UNVERSIONED:
            logger.info("stamping a store of release 0.1 at %s", BASELINE)
            command.stamp(config, BASELINE)
        if before.state is SchemaState.VERSION_LOST:
            if lacking := _differences(conn, database.schema, versioned=False):
                raise _drift(store, lacking, changed=False)
            logger.info("stamping a store whose version was lost at %s", head())
            command.stamp(config, head())
        command.upgrade(config, target)
        after = _status(conn, database.schema)
        at_head = after.state is SchemaState.CURRENT
        if lacking := _differences(conn, database.schema, tables=at_head):
            raise _drift(store, lacking, changed=False)  # rolls the migrations back
    return before, after


def _refuse(before: SchemaStatus, target: str, *, create: bool, store: StoreName) -> None:
    if before.state is SchemaState.MISSING and not create:
        raise no_store(store, " (db upgrade only upgrades one)")
    if before.state is SchemaState.NEWER:
        raise _newer(store, before)
    at = {SchemaState.UNVERSIONED: BASELINE, SchemaState.VERSION_LOST: head()}.get(
        before.state, before.current
    )
    if at is not None and target != at and target in ancestors(at):
        raise InvalidInputError(
            f"The store at {store} is at schema {at}, past {target}: a store is never "
            f"downgraded (restore a backup taken at {target} instead)."
        )


def differences(database: Database) -> list[str]:
    """What differs between the store's tables and this release's, in words (empty: in
    step): the read models' (`metadata`), the event table and the version table."""
    with _opening(database), database.engine.connect() as conn:
        return _differences(conn, database.schema)
