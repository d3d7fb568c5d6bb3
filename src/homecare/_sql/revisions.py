"""Alembic's side of `homecare.schema`: the shipped migrations, their revisions, which
tables are homecare's (for a host's autogenerate too), and a store's tables compared with
what the migrations make, in words an operator reads.

Why the comparison covers more than `metadata`: the event table (eventsourcing's, never
mapped by SQLAlchemy; `event_tables`) and the version table hold what no projection can
rebuild, and a store that had lost either passed `homecare db check`. Why more than
Alembic compares (server defaults asked for; primary keys, check constraints, serial
sequences, triggers and stray `homecare_*` tables in `drift_checks`): a store whose event
table had lost its primary key passed it too.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, MetaData, String, Table, inspect

from homecare._sql.database import metadata
from homecare._sql.drift_checks import beyond_alembic
from homecare._sql.event_tables import EVENT_TABLES, EVENT_TYPE, event_table, has_event_type

__all__ = [
    "BASELINE",
    "BASELINE_TABLES",
    "VERSION_TABLE",
    "alembic_include_name",
    "alembic_include_object",
    "ancestors",
    "config",
    "context",
    "describe",
    "differences",
    "head",
    "include_name",
    "known_revisions",
    "owned_tables",
    "target_metadata",
]

VERSION_TABLE = "homecare_alembic_version"
BASELINE = "0001"
"""The schema of release 0.1 (tables created by connect() itself): a store found with
those tables and no version table is stamped at it before upgrading."""
BASELINE_TABLES = frozenset(
    {"homecare_tracking", "homecare_pause_overview_customers", "homecare_pause_overview_pauses"}
    | {f"homecare_buffer_{name}" for name in ("assignments", "city_periods", "customers")}
    | {f"homecare_buffer_{name}" for name in ("delivery", "items", "pauses", "staff")}
    | set(EVENT_TABLES)
)
"""The tables of release 0.1 (migration 0001): a store with only these and no version is 0.1's."""


def target_metadata() -> MetaData:
    """Every table homecare's SQLAlchemy side defines (the migrations' target)."""
    return metadata


def owned_tables() -> frozenset[str]:
    """Names of every table homecare owns in a database (its own, the events', versions)."""
    return frozenset(metadata.tables) | frozenset(EVENT_TABLES) | {VERSION_TABLE}


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


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """For homecare's own migrations: compare homecare's tables only, never a host's."""
    if type_ == "table":
        return name in metadata.tables
    return True


def config(conn: Connection | None = None, schema: str | None = None) -> Config:
    """The migrations' configuration, run on `conn` in `schema` (env.py reads both)."""
    found = Config()
    found.set_main_option("script_location", "homecare:_migrations")
    found.attributes["connection"] = conn
    found.attributes["schema"] = schema
    return found


@cache
def head() -> str:
    """The revision this release of homecare needs."""
    found = ScriptDirectory.from_config(config()).get_current_head()
    assert found is not None
    return found


@cache
def known_revisions() -> frozenset[str]:
    return frozenset(s.revision for s in ScriptDirectory.from_config(config()).walk_revisions())


def ancestors(revision: str) -> frozenset[str]:
    """`revision` and every revision before it."""
    walked = ScriptDirectory.from_config(config()).iterate_revisions(revision, "base")
    return frozenset(script.revision for script in walked)


def context(conn: Connection, schema: str | None, include: Any = include_name) -> MigrationContext:
    return MigrationContext.configure(
        conn,
        opts={
            "version_table": VERSION_TABLE,
            "version_table_schema": schema,
            "include_name": include,
            "compare_type": True,
            "compare_server_default": True,
        },
    )


def differences(
    conn: Connection, schema: str | None, *, tables: bool = True, versioned: bool = True
) -> list[str]:
    """What differs from the head's tables (`tables`: the read models' too, else only the
    event table's, which no migration changes), the version table's (`versioned`)."""
    found = list(compare_metadata(context(conn, schema), metadata)) if tables else []
    events = event_table(conn.dialect.name)

    def only_events(name: str | None, type_: str, parent_names: Any) -> bool:
        return type_ != "table" or name == events.name

    found += compare_metadata(context(conn, schema, include=only_events), events.metadata)
    gone = {d[1].name for d in found if isinstance(d, tuple) and d[0] == "add_table"}
    said = [describe(d) for d in found if not _of_a_missing_table(d, gone)]
    if conn.dialect.name != "sqlite" and not has_event_type(conn, schema):
        said.append(f"type {EVENT_TYPE} is missing")
    if versioned and not inspect(conn).has_table(VERSION_TABLE, schema=schema):
        said.append(f"table {VERSION_TABLE} is missing")
    compared = [*(metadata.sorted_tables if tables else ()), events, _version_table()]
    owned = {table.name for table in compared} if tables else set()
    return said + beyond_alembic(conn, schema, compared, owned=owned)


def _version_table() -> Table:
    """The version table as Alembic makes it (its key: one row per head)."""
    return Table(VERSION_TABLE, MetaData(), Column("version_num", String(32), primary_key=True))


def _of_a_missing_table(difference: Any, gone: set[str]) -> bool:
    """An index or constraint of a table reported missing (said once, with the table)."""
    if not isinstance(difference, tuple) or difference[0] not in ("add_index", "add_constraint"):
        return False
    return bool(difference[1].table.name in gone)


def describe(difference: Any) -> str:
    """One of Alembic's differences (`compare_metadata`) in words."""
    if isinstance(difference, list):  # the changes of one column
        return "; ".join(describe(item) for item in difference)
    kind = difference[0]
    if kind in ("add_table", "remove_table"):
        return f"table {difference[1].name} {_state(kind)}"
    if kind in ("add_column", "remove_column"):
        return f"column {difference[2]}.{difference[3].name} {_state(kind)}"
    if kind in _CONSTRAINTS:
        item = difference[1]
        what = _KINDS.get(type(item).__name__, _CONSTRAINTS[kind])
        named = item.name or f"({', '.join(str(c.name) for c in item.columns)})"
        return f"{what} {named} on {item.table.name} {_state(kind)}"
    if kind == "modify_default":
        _, _, table, column, _, found, wanted = difference
        return f"column {table}.{column}: default is {_default(found)}, not {_default(wanted)}"
    if kind.startswith("modify_"):
        _, _, table, column, _, found, wanted = difference
        return f"column {table}.{column}: {kind[7:]} is {found}, not {wanted}"
    return str(difference)[:120]


_CONSTRAINTS = {
    f"{change}_{kind}": name
    for change in ("add", "remove")
    for kind, name in (("index", "index"), ("constraint", "constraint"), ("fk", "foreign key"))
}


_KINDS = {"UniqueConstraint": "unique constraint", "CheckConstraint": "check constraint"}


def _default(clause: Any) -> str:
    """A server default as SQL shows it (`'performed'`, `0`, `false`), or `none`."""
    arg = getattr(clause, "arg", clause)
    if arg is None:
        return "none"
    if isinstance(arg, str):
        return repr(arg)
    return str(getattr(arg, "text", arg))


def _state(kind: str) -> str:
    return "is missing" if kind.startswith("add") else "is not this release's"
