"""Who creates and changes homecare's tables: Alembic migrations shipped in the package.

Why: `connect()` never creates or alters a table (a host's own migrations, a
role without DDL rights and a release that changes a table all depend on it).
`homecare db init` creates a store, `homecare db upgrade` brings an older one
to this release, both by running the migrations in `homecare/_migrations`;
their version is kept in `homecare_alembic_version`, apart from a host's
`alembic_version`. `connect()` only checks the version (`require_current`).

Hosts that run Alembic autogenerate over their own metadata in the same
database pass `include_name=homecare.alembic_include_name` (or
`include_object=homecare.alembic_include_object`) to `context.configure`, so
that homecare's tables are neither dropped nor altered by their migrations.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, inspect, text

import homecare._sql.subject_keys
import homecare.outbox.tables
import homecare.privacy.access_log
import homecare.projections.pause_overview  # noqa: F401 - registers its tables
from homecare._es.error_map import opening
from homecare._sql.database import Database, metadata
from homecare.errors import InvalidInputError, SchemaOutdatedError, StoreNotInitialisedError

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

VERSION_TABLE = "homecare_alembic_version"
BASELINE = "0001"
"""The schema of release 0.1 (tables created by connect() itself): a store found with
those tables and no version table is stamped at it before upgrading."""
EVENT_TABLES = ("stored_events", "homecare_events")
"""The event store's tables (SQLite, PostgreSQL); eventsourcing's recorders write them."""
_LEGACY_MARK = "homecare_tracking"


class SchemaState(StrEnum):
    MISSING = "missing"  # no homecare store here
    UNVERSIONED = "unversioned"  # homecare 0.1 tables, created before migrations
    OUTDATED = "outdated"  # an older revision: homecare db upgrade
    CURRENT = "current"
    NEWER = "newer"  # written by a newer release of homecare


@dataclass(frozen=True)
class SchemaStatus:
    state: SchemaState
    current: str | None
    head: str


def target_metadata() -> MetaData:
    """Every table homecare's SQLAlchemy side defines (the migrations' target)."""
    return metadata


def owned_tables() -> frozenset[str]:
    """Names of every table homecare owns in a database (its own, the events', versions)."""
    return frozenset(metadata.tables) | frozenset(EVENT_TABLES) | {VERSION_TABLE}


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """For homecare's own migrations: compare homecare's tables only, never a host's."""
    if type_ == "table":
        return name in metadata.tables
    return True


def alembic_include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """For a host's Alembic `context.configure(include_name=...)`: leave homecare's tables alone.

    Returns False for every table homecare owns (its read models, buffer, event
    store and version table), so that autogenerate proposes no operation on them.
    """
    if type_ == "table":
        return name not in owned_tables()
    return True


def alembic_include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """For a host's Alembic `context.configure(include_object=...)`: the same as
    `alembic_include_name`, for objects (tables and their columns, indexes, constraints)."""
    if type_ == "table":
        return name not in owned_tables()
    table = getattr(obj, "table", None)
    return getattr(table, "name", None) not in owned_tables()


def _config(conn: Connection | None = None, schema: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "homecare:_migrations")
    config.attributes["connection"] = conn
    config.attributes["schema"] = schema
    return config


@cache
def head() -> str:
    """The revision this release of homecare needs."""
    found = ScriptDirectory.from_config(_config()).get_current_head()
    assert found is not None
    return found


@cache
def _known_revisions() -> frozenset[str]:
    return frozenset(s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions())


def _context(conn: Connection, schema: str | None) -> MigrationContext:
    return MigrationContext.configure(
        conn,
        opts={
            "version_table": VERSION_TABLE,
            "version_table_schema": schema,
            "include_name": include_name,
            "compare_type": True,
        },
    )


def _status(conn: Connection, schema: str | None) -> SchemaStatus:
    wanted = head()
    current = _context(conn, schema).get_current_revision()
    if current is None:
        legacy = inspect(conn).has_table(_LEGACY_MARK, schema=schema)
        state = SchemaState.UNVERSIONED if legacy else SchemaState.MISSING
    elif current == wanted:
        state = SchemaState.CURRENT
    elif current in _known_revisions():
        state = SchemaState.OUTDATED
    else:
        state = SchemaState.NEWER
    return SchemaStatus(state, current, wanted)


def status(database: Database) -> SchemaStatus:
    """Where the store stands against this release (reads only; creates nothing).

    Raises StorageError naming the store when it cannot be read (`_opening`)."""
    with _opening(database), database.engine.connect() as conn:
        return _status(conn, database.schema)


def _opening(database: Database) -> Any:
    """The boundary of this module's public functions (issue 12): any failure that is not a
    HomecareError is a StorageError naming the store, as `connect()` says it."""
    return opening(database.url.render_as_string(hide_password=True))


def require_current(database: Database, shown_url: str) -> None:
    """Fail with one line unless the store exists at this release's schema.

    Raises StoreNotInitialisedError (no store there: `homecare db init`) or
    SchemaOutdatedError (an older one: `homecare db upgrade`; a newer one: upgrade homecare).
    """
    with opening(shown_url), database.engine.connect() as conn:
        found = _status(conn, database.schema)
    hint = f"homecare --db {shown_url}"
    if found.state is SchemaState.MISSING:
        raise StoreNotInitialisedError(
            f"No homecare store at {shown_url}: create one with `{hint} db init`."
        )
    if found.state in (SchemaState.UNVERSIONED, SchemaState.OUTDATED):
        raise SchemaOutdatedError(
            f"The store at {shown_url} is at schema {found.current or 'of release 0.1'}, "
            f"this release needs {found.head}: run `{hint} db upgrade`."
        )
    if found.state is SchemaState.NEWER:
        raise SchemaOutdatedError(
            f"The store at {shown_url} is at schema {found.current}, newer than this "
            f"release of homecare knows ({found.head}): upgrade homecare."
        )


def upgrade(database: Database, revision: str = "head") -> tuple[SchemaStatus, SchemaStatus]:
    """Create or upgrade the store's tables to `revision`; returns the status before and after.

    One transaction, serialised against concurrent `db init`/`db upgrade` (an
    advisory lock on PostgreSQL, the write lock on SQLite). A store of release
    0.1 (tables, no version) is first stamped at BASELINE. The PostgreSQL schema
    is created if missing. Needs DDL rights. An unknown `revision` is InvalidInputError;
    a store that fails is StorageError naming it (`_opening`).
    """
    with _opening(database):
        return _upgrade(database, revision)


def _upgrade(database: Database, revision: str) -> tuple[SchemaStatus, SchemaStatus]:
    if revision != "head" and revision not in _known_revisions():
        known = ", ".join(sorted(_known_revisions()))
        raise InvalidInputError(
            f"Unknown schema revision {revision[:40]!r}: expected head or one of {known}."
        )
    if database.schema and not database.is_sqlite:
        with database.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"'))
    with database.write_engine.begin() as conn:
        database.lock(conn, "schema")
        before = _status(conn, database.schema)
        if before.state is SchemaState.NEWER:
            raise SchemaOutdatedError(
                f"The store is at schema {before.current}, newer than this release of "
                f"homecare knows ({before.head}): upgrade homecare."
            )
        config = _config(conn, database.schema)
        if before.state is SchemaState.UNVERSIONED:
            logger.info("stamping a store of release 0.1 at %s", BASELINE)
            command.stamp(config, BASELINE)
        command.upgrade(config, revision)
        after = _status(conn, database.schema)
    logger.info("schema %s -> %s", before.current, after.current)
    return before, after


def differences(database: Database) -> list[Any]:
    """What the store's tables lack against this release's metadata (empty: in step)."""
    with _opening(database), database.engine.connect() as conn:
        return list(compare_metadata(_context(conn, database.schema), metadata))
