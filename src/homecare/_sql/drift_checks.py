"""What Alembic's comparison of a store with the migrations leaves out, compared here:
primary keys, check constraints, the sequences behind serial columns, triggers (and
PostgreSQL rules) on homecare's tables, and tables named like homecare's that no
migration made.

Why: `compare_metadata` compares columns, types, nullability, indexes, unique and foreign
keys (server defaults when asked: `revisions.context`), but never a primary key nor a
check constraint, and only the tables it is given. A store whose event table had lost its
primary key (the optimistic concurrency of eventsourcing: two writers of one aggregate
version) or whose tracking table had (exactly once, D2) passed `homecare db check`, which
the restore runbook relies on (docs/operations.md, backup and restore).

Read through SQLAlchemy's inspector on both stores; triggers and rules from the
catalogues (SQLite `sqlite_master`; PostgreSQL `pg_trigger` without the internal ones
behind foreign keys, and `pg_rules`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import CheckConstraint, Connection, Table, inspect, text
from sqlalchemy.engine import Inspector

__all__ = ["PREFIX", "SERIAL", "beyond_alembic"]

PREFIX = "homecare_"
"""Every table homecare makes is named so (but SQLite's event table, `stored_events`)."""
SERIAL = "serial"
"""`Column.info` key: a column the migrations give a sequence (PostgreSQL `bigserial`)
that is not its table's autoincrementing primary key (the event table's notification id)."""

_NEXTVAL = re.compile(r"^nextval\(")


def beyond_alembic(
    conn: Connection, schema: str | None, tables: Sequence[Table], *, owned: Iterable[str] = ()
) -> list[str]:
    """What differs in `tables` (those present; a missing one is Alembic's to say) beyond
    what Alembic compares, in words; with `owned` (the names of every table homecare
    makes), also every other table whose name starts with `PREFIX`."""
    inspector = inspect(conn)
    present = set(inspector.get_table_names(schema=schema))
    found = [table for table in tables if table.name in present]
    said: list[str] = []
    for table in found:
        said += _primary_key(inspector, table, schema)
        said += _checks(inspector, table, schema)
        if conn.dialect.name == "postgresql":
            said += _serials(inspector, table, schema)
    said += _triggers(conn, schema, {table.name for table in found})
    if owned:
        strays = sorted(name for name in present - set(owned) if name.startswith(PREFIX))
        said += [f"table {name} is not this release's" for name in strays]
    return said


def _primary_key(inspector: Inspector, table: Table, schema: str | None) -> list[str]:
    wanted = [column.name for column in table.primary_key.columns]
    found = list(inspector.get_pk_constraint(table.name, schema=schema)["constrained_columns"])
    if found == wanted:
        return []
    if not found:
        return [f"primary key on {table.name} is missing"]
    return [f"primary key on {table.name} is ({', '.join(found)}), not ({', '.join(wanted)})"]


def _checks(inspector: Inspector, table: Table, schema: str | None) -> list[str]:
    """Check constraints by name (SQLite may reflect one unnamed: counted as such)."""
    declared = (c for c in table.constraints if isinstance(c, CheckConstraint))
    wanted = Counter(str(c.name) if c.name else None for c in declared)
    found = Counter(check["name"] for check in inspector.get_check_constraints(table.name, schema))
    said = [(name, "is not this release's") for name in (found - wanted).elements()]
    said += [(name, "is missing") for name in (wanted - found).elements()]
    return [
        f"check constraint {name or '(unnamed)'} on {table.name} {state}" for name, state in said
    ]


def _serials(inspector: Inspector, table: Table, schema: str | None) -> list[str]:
    """PostgreSQL: each serial column still draws from a sequence (Alembic leaves a serial
    primary key's default alone, and never sees one dropped: neither side declares one)."""
    auto = table._autoincrement_column  # the name Alembic reads, in every SQLAlchemy 2.x
    wanted = {column.name for column in table.columns if column.info.get(SERIAL)}
    wanted |= {auto.name} if auto is not None else set()
    said = []
    for column in inspector.get_columns(table.name, schema=schema):
        if column["name"] not in wanted or _is_serial(column):
            continue
        default = column.get("default") or "none"
        said.append(
            f"column {table.name}.{column['name']}: default is {default}, not its sequence's "
            "next value"
        )
    return said


def _is_serial(column: Any) -> bool:
    return bool(column.get("identity")) or bool(_NEXTVAL.match(column.get("default") or ""))


def _triggers(conn: Connection, schema: str | None, tables: set[str]) -> list[str]:
    if conn.dialect.name == "sqlite":
        query = "SELECT tbl_name, name, 'trigger' FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT c.relname, t.tgname, 'trigger' FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = coalesce(:schema, current_schema()) "
            "UNION ALL SELECT tablename, rulename, 'rule' FROM pg_rules "
            "WHERE schemaname = coalesce(:schema, current_schema())"
        )
    rows = conn.execute(text(query), {"schema": schema} if "schema" in query else {})
    return [
        f"{kind} {name} on {table} is not this release's"
        for table, name, kind in sorted(tuple(row) for row in rows)
        if table in tables
    ]
