"""`homecare db` on a store that is not as the migrations left it: tables dropped or altered
by hand, a version lost, a place with no store, a target older than the store.

What `db check` compares is every table homecare owns (the event table and the version
table too, not only the read models'), and `db init`/`db upgrade` never claim a store is
current when it is not: they repair what is safe (a lost version over this release's
tables) or refuse in one line, changing nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from homecare import schema
from homecare.bootstrap import Homecare, connect
from homecare.cli.app import app as cli_app
from homecare.errors import SchemaDriftError
from tests.cli.conftest import assert_one_line_error, separate_streams_runner
from tests.scenario import pair
from tests.storage.conftest import Fresh, _plain


def _init(fresh: Fresh) -> None:
    result = fresh.cli("db", "init")
    assert result.exit_code == 0, result.output


def _execute(fresh: Fresh, *statements: str) -> None:
    database = fresh.database(must_exist=True)
    try:
        with database.engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        database.dispose()


def _events(fresh: Fresh) -> str:
    return "stored_events" if fresh.path is not None else "homecare_events"


def _run(fresh: Fresh, *args: str) -> Result:
    runner = separate_streams_runner(fresh.env)
    return runner.invoke(cli_app, ["--db", fresh.url, *args])


# -- the event table, a read model's table, a column -----------------------------------


def test_a_dropped_event_table_fails_db_check_and_every_command_says_so(fresh: Fresh) -> None:
    """The reviewer's example: `DROP TABLE homecare_events` (SQLite: stored_events), then
    `db check` said "at schema 0009", exit 0, and every command failed with a bare
    `storage_error: ... ProgrammingError`; `db init` and `db upgrade` said all was well."""
    _init(fresh)
    _execute(fresh, f"DROP TABLE {_events(fresh)}")
    missing = f"table {_events(fresh)} is missing"
    gone = "The event log is gone: restore the store from a backup"
    assert_one_line_error(_run(fresh, "db", "check"), "schema_drift", missing, gone)
    for command in (("db", "init"), ("db", "upgrade")):
        refused = _run(fresh, *command)
        assert_one_line_error(refused, "schema_drift", missing, "Nothing was changed")
    read = _run(fresh, "buffer", "month", "2026-03")
    assert_one_line_error(read, "schema_drift", missing)
    with pytest.raises(SchemaDriftError, match=missing):
        Homecare(fresh.settings)


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("DROP TABLE homecare_fetches", "table homecare_fetches is missing"),
        (
            "ALTER TABLE homecare_fetches DROP COLUMN last_position",
            "column homecare_fetches.last_position is missing",
        ),
        ("DROP INDEX ix_homecare_fetches_fetched_at", "index ix_homecare_fetches_fetched_at"),
    ],
)
def test_a_read_model_table_changed_by_hand_is_refused_by_init_and_upgrade(
    fresh: Fresh, damage: str, said: str
) -> None:
    """`db check` reported the drift, but `db init`/`db upgrade` said "already at schema
    0009", exit 0. Now both refuse in one line and change nothing."""
    _init(fresh)
    _execute(fresh, damage)
    assert_one_line_error(_run(fresh, "db", "check"), "schema_drift", said, "Put them back")
    for command in (("db", "init"), ("db", "upgrade")):
        refused = _run(fresh, *command)
        assert_one_line_error(refused, "schema_drift", said, "Nothing was changed")
    database = fresh.database(must_exist=True)
    try:
        assert any(said in found for found in schema.differences(database))
    finally:
        database.dispose()


@pytest.mark.postgres
def test_the_event_stores_index_and_type_are_compared_on_postgresql(
    postgres_database: str, tmp_path: Path
) -> None:
    fresh = Fresh(postgres_database, f"hc_drift_{tmp_path.name[-6:].lower()}", None)
    try:
        _init(fresh)
        _execute(
            fresh,
            "DROP INDEX homecare_events_notification_id_idx",
            "ALTER TABLE homecare_events ALTER COLUMN topic TYPE varchar(10)",
        )
        found = _run(fresh, "db", "check")
        assert_one_line_error(
            found,
            "schema_drift",
            "index homecare_events_notification_id_idx on homecare_events is missing",
            "column homecare_events.topic: type",
        )
        _execute(fresh, "DROP TABLE homecare_events", "DROP TYPE stored_event_uuid")
        gone = _run(fresh, "db", "check")
        assert_one_line_error(gone, "schema_drift", "type stored_event_uuid is missing")
    finally:
        with psycopg.connect(_plain(postgres_database), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{fresh.schema}" CASCADE')


# -- the version table -------------------------------------------------------------------


def test_a_lost_version_over_this_releases_tables_is_restored_by_db_upgrade(
    fresh: Fresh,
) -> None:
    """Without a version, a store of this release was taken for one of release 0.1: `db
    upgrade` stamped it at 0001 and failed re-creating its tables."""
    _init(fresh)
    with connect(settings=fresh.settings) as hc:
        pair(hc.app).visit("confirmed")
        hc.catch_up()
    _execute(fresh, f"DROP TABLE {schema.VERSION_TABLE}")
    assert_one_line_error(
        _run(fresh, "db", "check"),
        "schema_drift",
        "lost its schema version",
        "db upgrade",
    )
    upgraded = _run(fresh, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"version was lost) -> {schema.head()}" in upgraded.stdout
    assert _run(fresh, "db", "check").exit_code == 0
    with connect(settings=fresh.settings) as hc:
        assert hc.app.recorder.max_notification_id()


def test_a_lost_version_over_changed_tables_is_refused(fresh: Fresh) -> None:
    _init(fresh)
    _execute(fresh, f"DROP TABLE {schema.VERSION_TABLE}", "DROP TABLE homecare_fetches")
    refused = _run(fresh, "db", "upgrade")
    assert_one_line_error(refused, "schema_drift", "homecare_fetches is missing")
    database = fresh.database(must_exist=True)
    try:
        assert schema.status(database).state is schema.SchemaState.VERSION_LOST
    finally:
        database.dispose()


# -- db upgrade: never creates a store, never goes back ---------------------------------------


def test_db_upgrade_where_there_is_no_store_refuses_and_writes_nothing(fresh: Fresh) -> None:
    """`: > z.db; homecare db upgrade` printed "schema of release 0.1 -> 0009" and left the
    file with every table (PostgreSQL: a whole store made in the empty schema)."""
    if fresh.path is not None:
        fresh.path.touch()
    refused = _run(fresh, "db", "upgrade")
    assert_one_line_error(refused, "store_not_initialised", "db init")
    if fresh.path is not None:
        assert fresh.path.read_bytes() == b""
        assert sorted(p.name for p in fresh.path.parent.iterdir()) == [fresh.path.name]
        return
    with psycopg.connect(_plain(fresh.url), autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (fresh.schema,)
        ).fetchone()
    assert found is None


def test_db_upgrade_of_another_programs_sqlite_file_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE foo (x)")
    before = path.read_bytes()
    result = separate_streams_runner().invoke(
        cli_app, ["--db", f"sqlite:///{path}", "db", "upgrade"]
    )
    assert_one_line_error(result, "store_not_initialised", "db init")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_db_upgrade_to_an_older_revision_is_refused(fresh: Fresh) -> None:
    """`db upgrade --revision 0005` on a store at the head printed "0009 -> 0009", exit 0."""
    _init(fresh)
    refused = _run(fresh, "db", "upgrade", "--revision", "0005")
    assert_one_line_error(
        refused,
        "invalid_input",
        f"at schema {schema.head()}, past 0005",
        "never downgraded",
    )
    same = _run(fresh, "db", "upgrade", "--revision", schema.head())
    assert same.exit_code == 0, same.output


# -- a copy in rollback-journal mode (VACUUM INTO, a standard backup) -------------------------


def _rollback_journal_copy(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    with connect(url, create=True) as hc:
        pair(hc.app).visit("confirmed")
        hc.catch_up()
        pair(hc.app).visit("confirmed")  # events nobody projected yet
    copy = tmp_path / "vac2.db"
    with sqlite3.connect(tmp_path / "demo.db") as source:
        source.execute(f"VACUUM INTO '{copy}'")
    with sqlite3.connect(copy) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    return copy


def test_db_upgrade_of_a_rollback_journal_copy_switches_it_to_wal(tmp_path: Path) -> None:
    """It printed "schema 0009 -> 0009." then `internal_error: an unexpected
    OperationalError` (database is locked), every time."""
    copy = _rollback_journal_copy(tmp_path)
    result = separate_streams_runner().invoke(
        cli_app, ["--db", f"sqlite:///{copy}", "db", "upgrade"]
    )
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert result.stderr == ""
    with sqlite3.connect(copy) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_connect_and_catch_up_on_a_rollback_journal_copy(tmp_path: Path) -> None:
    """The same lock, outside `db`: the worker's catch-up on a restored copy."""
    copy = _rollback_journal_copy(tmp_path)
    with connect(f"sqlite:///{copy}") as hc:
        assert hc.catch_up() > 0
    result = CliRunner().invoke(cli_app, ["--db", f"sqlite:///{copy}", "db", "check"])
    assert result.exit_code == 0, result.output
