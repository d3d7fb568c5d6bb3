"""`homecare db check` on drift Alembic's comparison never saw: a primary key dropped, a
check constraint added, a server default changed, a trigger (or, on PostgreSQL, a rule or
a serial column's sequence), a table named like homecare's that no migration made.

The reviewer's example: `ALTER TABLE homecare_events DROP CONSTRAINT homecare_events_pkey`
(the key that makes two writers of one aggregate version fail: eventsourcing's optimistic
concurrency), then `db check` said "at schema 0009", exit 0, and the restore runbook
relies on it. The same for the tracking table's key (exactly once, D2), the buffer's.
SQLite cannot drop or add a constraint: there each table is made again from its own
CREATE statement, edited (`_rebuild`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import text
from typer.testing import Result

from homecare import schema
from homecare.cli.app import app as cli_app
from tests.cli.conftest import assert_one_line_error, separate_streams_runner
from tests.storage.conftest import Fresh, _plain
from tests.storage.test_schema_drift import _execute


def _run(fresh: Fresh, *args: str) -> Result:
    return separate_streams_runner(fresh.env).invoke(cli_app, ["--db", fresh.url, *args])


def _init(fresh: Fresh) -> None:
    result = _run(fresh, "db", "init")
    assert result.exit_code == 0, (result.stdout, result.stderr)


def _rebuild(fresh: Fresh, table: str, edit: Callable[[str], str]) -> None:
    """SQLite: `table` made again from its CREATE statement as `edit` leaves it (rows and
    indexes kept), since SQLite's ALTER TABLE cannot drop or add a constraint."""
    database = fresh.database(must_exist=True)
    master = "SELECT sql FROM sqlite_master WHERE tbl_name = :name AND type = :type"
    try:
        with database.engine.begin() as conn:
            create = conn.execute(text(master), {"name": table, "type": "table"}).scalar_one()
            indexes = conn.execute(text(master), {"name": table, "type": "index"}).scalars()
            indexes = [sql for sql in indexes if sql]
            assert edit(create) != create, create
            conn.execute(text(f"ALTER TABLE {table} RENAME TO old_table"))
            conn.execute(text(edit(create)))
            conn.execute(text(f"INSERT INTO {table} SELECT * FROM old_table"))
            conn.execute(text("DROP TABLE old_table"))
            for index in indexes:
                conn.execute(text(index))
    finally:
        database.dispose()


def _no_primary_key(create: str) -> str:
    return re.sub(r",\s*PRIMARY KEY \([^)]*\)", "", create)


def _with_check(create: str) -> str:
    return create.rstrip().removesuffix(")") + ", CONSTRAINT ck_zz CHECK (position >= 0))"


@dataclass(frozen=True)
class Damage:
    """One change by hand: `postgres` statements, or `sqlite` (an edit of `table`'s CREATE
    statement, or statements); `said` what `db check` names ({events}: the event table)."""

    table: str
    postgres: tuple[str, ...]
    sqlite: Callable[[str], str] | tuple[str, ...]
    said: str

    def apply(self, fresh: Fresh) -> None:
        if fresh.path is None:
            _execute(fresh, *self.postgres)
        elif isinstance(self.sqlite, tuple):
            _execute(fresh, *self.sqlite)
        else:
            _rebuild(fresh, self.table, self.sqlite)


def _primary_key(table: str) -> Damage:
    drop = f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey"
    return Damage(table, (drop,), _no_primary_key, f"primary key on {table} is missing")


DAMAGES = {
    "events' key": Damage(
        "stored_events",
        ("ALTER TABLE homecare_events DROP CONSTRAINT homecare_events_pkey",),
        _no_primary_key,
        "primary key on {events} is missing",
    ),
    **{
        f"{name}'s key": _primary_key(f"homecare_{name}")
        for name in ("buffer_items", "tracking", "buffer_delivery", "worker_lease")
    },
    "a check": Damage(
        "homecare_tracking",
        ("ALTER TABLE homecare_tracking ADD CONSTRAINT ck_zz CHECK (position >= 0)",),
        _with_check,
        "check constraint ck_zz on homecare_tracking is not this release's",
    ),
    "a default changed": Damage(
        "homecare_buffer_delivery",
        ("ALTER TABLE homecare_buffer_delivery ALTER COLUMN served_position SET DEFAULT 7",),
        lambda create: create.replace("DEFAULT '0'", "DEFAULT 7"),
        "column homecare_buffer_delivery.served_position: default is 7, not '0'",
    ),
    "a default added": Damage(
        "homecare_tracking",
        ("ALTER TABLE homecare_tracking ALTER COLUMN position SET DEFAULT 5",),
        lambda create: create.replace(
            "position BIGINT NOT NULL", "position BIGINT DEFAULT 5 NOT NULL"
        ),
        "column homecare_tracking.position: default is 5, not none",
    ),
    "a unique key": Damage(
        "homecare_buffer_items",
        ("ALTER TABLE homecare_buffer_items DROP CONSTRAINT homecare_buffer_items_position_key",),
        lambda create: create.replace(", \n\tUNIQUE (position)", ""),
        "unique constraint (position) on homecare_buffer_items is missing",
    ),
    "a trigger": Damage(
        "homecare_tracking",
        (
            "CREATE FUNCTION zz() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
            "CREATE TRIGGER zz BEFORE INSERT ON homecare_tracking "
            "FOR EACH ROW EXECUTE FUNCTION zz()",
        ),
        ("CREATE TRIGGER zz AFTER INSERT ON homecare_tracking BEGIN SELECT 1; END",),
        "trigger zz on homecare_tracking is not this release's",
    ),
    "an extra table": Damage(
        "homecare_zzz",
        ("CREATE TABLE homecare_zzz (x integer)",),
        ("CREATE TABLE homecare_zzz (x integer)",),
        "table homecare_zzz is not this release's",
    ),
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_what_alembic_does_not_compare_fails_db_check_init_and_upgrade(
    fresh: Fresh, damage: Damage
) -> None:
    _init(fresh)
    damage.apply(fresh)
    said = damage.said.format(events="stored_events" if fresh.path else "homecare_events")
    assert_one_line_error(_run(fresh, "db", "check"), "schema_drift", said, "Put them back")
    for command in (("db", "init"), ("db", "upgrade")):
        refused = _run(fresh, *command)
        assert_one_line_error(refused, "schema_drift", said, "Nothing was changed")
    database = fresh.database(must_exist=True)
    try:
        assert said in schema.differences(database)
    finally:
        database.dispose()


def test_a_new_store_checks_clean_beside_a_hosts_tables(fresh: Fresh) -> None:
    """The tables that may stand beside homecare's are not reported: a host's own (its
    Alembic version table too, and SQLite's `sqlite_sequence` an AUTOINCREMENT makes)."""
    _init(fresh)
    database = fresh.database(must_exist=True)
    try:
        assert schema.differences(database) == []
    finally:
        database.dispose()
    serial = "SERIAL PRIMARY KEY" if fresh.path is None else "INTEGER PRIMARY KEY AUTOINCREMENT"
    _execute(
        fresh,
        f"CREATE TABLE orders (id {serial}, homecare_ref integer)",
        "INSERT INTO orders (homecare_ref) VALUES (1)",
        "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
    )
    checked = _run(fresh, "db", "check")
    assert checked.exit_code == 0, (checked.stdout, checked.stderr)
    assert schema.head() in checked.stdout


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("statement", "said"),
    [
        (
            "ALTER TABLE homecare_events ALTER COLUMN notification_id DROP DEFAULT",
            "column homecare_events.notification_id: default is none, not its sequence's",
        ),
        (
            "ALTER TABLE homecare_fetches ALTER COLUMN id DROP DEFAULT",
            "column homecare_fetches.id: default is none, not its sequence's",
        ),
        (
            "CREATE RULE zz AS ON DELETE TO homecare_buffer_items DO INSTEAD NOTHING",
            "rule zz on homecare_buffer_items is not this release's",
        ),
    ],
)
def test_a_serial_without_its_sequence_and_a_rule_fail_db_check_on_postgresql(
    postgres_database: str, statement: str, said: str
) -> None:
    """The event table's notification ids come from its sequence (the recorder inserts
    none); Alembic compares no serial column's default, and neither side declared one."""
    fresh = Fresh(postgres_database, f"hc_{uuid.uuid4().hex[:10]}", None)
    try:
        _init(fresh)
        _execute(fresh, statement)
        assert_one_line_error(_run(fresh, "db", "check"), "schema_drift", said)
    finally:
        with psycopg.connect(_plain(postgres_database), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{fresh.schema}" CASCADE')
