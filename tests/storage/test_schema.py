"""Schema ownership (issue 13 item 1, issue 11 item 3): only migrations create or alter tables.

Each test gets a store that does not exist yet: a new SQLite file name, or a new
PostgreSQL schema in the session's database (dropped afterwards).
"""

from __future__ import annotations

import sqlite3
import subprocess
import uuid
from base64 import b64encode
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    make_url,
    select,
    text,
    update,
)
from typer.testing import CliRunner

import homecare
from homecare import schema
from homecare._sql.database import Database, tracking
from homecare.bootstrap import Homecare, connect
from homecare.cli.app import app as cli_app
from homecare.domain.customer import Customer
from homecare.errors import SchemaOutdatedError, StorageError, StoreNotInitialisedError
from homecare.privacy import access_log
from homecare.projections.pause_overview import PauseOverview, overview_customers
from homecare.settings import Settings
from tests.cli.conftest import assert_one_line_error
from tests.conftest import init_sqlite
from tests.scenario import pair
from tests.storage.conftest import Fresh


def _init(fresh: Fresh, revision: str = "head") -> None:
    database = fresh.database()
    try:
        schema.upgrade(database, revision)
    finally:
        database.dispose()


# -- reads never create a store (issue 11 item 3) ------------------------------


def test_connect_to_a_missing_store_fails_and_creates_nothing(fresh: Fresh) -> None:
    with pytest.raises(StoreNotInitialisedError, match="db init") as caught:
        Homecare(fresh.settings)
    assert caught.value.code == "store_not_initialised"
    if fresh.path is not None:
        assert not fresh.path.exists()
    else:
        database = fresh.database()
        assert schema.status(database).state is schema.SchemaState.MISSING
        database.dispose()


@pytest.mark.parametrize("command", [("buffer", "month", "2026-03"), ("audit", "verify")])
def test_a_read_command_on_a_typo_fails_in_one_line_and_creates_no_file(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """The issue's example: `homecare --db sqlite:///typo.db buffer month 2026-03`."""
    result = CliRunner().invoke(cli_app, ["--db", f"sqlite:///{tmp_path}/typo.db", *command])
    assert_one_line_error(result, "store_not_initialised", "typo.db", "db init")
    assert list(tmp_path.iterdir()) == []


def test_db_init_in_a_folder_that_does_not_exist_names_the_folder(tmp_path: Path) -> None:
    """One line naming the folder, not sqlite3's "unable to open database file"."""
    url = f"sqlite:///{tmp_path}/nodir/x.db"
    result = CliRunner().invoke(cli_app, ["--db", url, "db", "init"])
    assert_one_line_error(result, "storage_error", "nodir", "does not exist")
    assert "OperationalError" not in result.output
    with pytest.raises(homecare.StorageError, match="does not exist"):
        connect(url, create=True)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_sqlite_file_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    with pytest.raises(StoreNotInitialisedError):
        Homecare(Settings(database_url=f"sqlite:///{tmp_path}/empty.db"))


def test_the_password_is_masked_in_the_message(postgres_database: str) -> None:
    url = postgres_database.replace(
        "postgresql+psycopg://postgres@", "postgresql+psycopg://postgres:s3cret@"
    )
    with pytest.raises(StoreNotInitialisedError) as caught:
        Homecare(Settings(database_url=url, db_schema=f"hc_none_{uuid.uuid4().hex[:6]}"))
    assert "s3cret" not in str(caught.value)
    assert "***" in str(caught.value)


# -- db init, check, current, upgrade -----------------------------------------


def test_db_init_then_every_command_works_and_the_tables_match_the_head(fresh: Fresh) -> None:
    result = fresh.cli("db", "init")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "Created the store" in result.output  # type: ignore[attr-defined]
    again = fresh.cli("db", "init")
    assert "already at schema" in again.output  # type: ignore[attr-defined]
    assert fresh.cli("db", "check").exit_code == 0  # type: ignore[attr-defined]
    assert schema.head() in fresh.cli("db", "current").output  # type: ignore[attr-defined]
    database = fresh.database(must_exist=True)
    try:
        assert schema.differences(database) == []  # a table changed without a migration fails
    finally:
        database.dispose()
    with Homecare(fresh.settings) as hc:
        w = pair(hc.app)
        w.visit("confirmed")
        hc.catch_up()
        assert [s.status.value for s in hc.buffer.integration_statuses()] == ["held"]


def test_a_store_at_an_older_schema_fails_with_one_line_until_db_upgrade(fresh: Fresh) -> None:
    _init(fresh, schema.BASELINE)
    with pytest.raises(SchemaOutdatedError, match="db upgrade") as caught:
        Homecare(fresh.settings)
    assert caught.value.code == "schema_outdated"
    assert_one_line_error(
        fresh.cli("buffer", "month", "2026-03"),  # type: ignore[arg-type]
        "schema_outdated",
        "db upgrade",
    )
    check = fresh.cli("db", "check")
    assert check.exit_code == 1  # type: ignore[attr-defined]
    upgraded = fresh.cli("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output  # type: ignore[attr-defined]
    assert f"{schema.BASELINE} -> {schema.head()}" in upgraded.output  # type: ignore[attr-defined]
    with Homecare(fresh.settings) as hc:
        assert hc.catch_up() == 0


def test_a_store_of_a_newer_release_is_refused(fresh: Fresh) -> None:
    _init(fresh)
    database = fresh.database()
    with database.engine.begin() as conn:
        conn.execute(schema_version_table().update().values(version_num="9999"))
    database.dispose()
    with pytest.raises(SchemaOutdatedError, match="newer"):
        Homecare(fresh.settings)


def schema_version_table() -> Table:
    return Table(schema.VERSION_TABLE, MetaData(), Column("version_num", String(32)))


def test_create_true_runs_the_migrations(fresh: Fresh) -> None:
    with Homecare(fresh.settings, create=True) as hc:
        pair(hc.app)
    with Homecare(fresh.settings) as hc:
        assert hc.app.recorder.max_notification_id()


# -- hosts' own migrations -------------------------------------------------------


def test_a_hosts_autogenerate_proposes_nothing_on_homecares_tables(fresh: Fresh) -> None:
    """A host's metadata (its own table) compared against a database holding homecare."""
    _init(fresh)
    host = MetaData()
    Table("host_orders", host, Column("id", Integer, primary_key=True))
    database = fresh.database()
    try:
        with database.engine.connect() as conn:
            opts = {"include_name": homecare.alembic_include_name}
            by_name = compare_metadata(MigrationContext.configure(conn, opts=opts), host)
            opts2 = {"include_object": homecare.alembic_include_object}
            by_object = compare_metadata(MigrationContext.configure(conn, opts=opts2), host)
            unfiltered = compare_metadata(MigrationContext.configure(conn), host)
    finally:
        database.dispose()
    for diffs in (by_name, by_object):
        assert [(d[0], d[1].name) for d in diffs] == [("add_table", "host_orders")]
    dropped = {d[1].name for d in unfiltered if d[0] == "remove_table"}
    assert "homecare_buffer_items" in dropped  # without the helper, it would drop ours


# -- projections rebuilt when their version changes ---------------------------------


def test_a_projection_whose_version_changed_is_rebuilt_from_the_log(
    fresh: Fresh, monkeypatch: pytest.MonkeyPatch
) -> None:
    _init(fresh)
    with Homecare(fresh.settings) as hc:
        w = pair(hc.app)
        w.visit("confirmed")
        hc.catch_up()
        with hc.database.engine.begin() as conn:  # a row the old version wrote differently
            conn.execute(update(overview_customers).values(organisation="written by v1"))
    monkeypatch.setattr(PauseOverview, "version", PauseOverview.version + 1)
    result = fresh.cli("db", "upgrade")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "Rebuilt from the log: pause_overview" in result.output  # type: ignore[attr-defined]
    with Homecare(fresh.settings) as hc:
        with hc.database.engine.connect() as conn:
            assert conn.execute(select(overview_customers.c.organisation)).scalars().all() == [
                "Team Norr"
            ]
            versions = dict(conn.execute(select(tracking.c.projection, tracking.c.version)).all())
        assert versions == {"pause_overview": PauseOverview.version, "integration_buffer": 1}
        assert not any(runner.stale() for runner in hc.runners)


def test_the_worker_side_catch_up_also_rebuilds_a_changed_projection(
    fresh: Fresh, monkeypatch: pytest.MonkeyPatch
) -> None:
    _init(fresh)
    with Homecare(fresh.settings) as hc:
        pair(hc.app).visit("confirmed")
        hc.catch_up()
        with hc.database.engine.begin() as conn:
            conn.execute(update(overview_customers).values(organisation="stale"))
        monkeypatch.setattr(PauseOverview, "version", PauseOverview.version + 1)
        assert [r.name for r in hc.runners if r.stale()] == ["pause_overview"]
        hc.catch_up()
        with hc.database.engine.connect() as conn:
            assert conn.execute(select(overview_customers.c.organisation)).scalar_one() == (
                "Team Norr"
            )


def test_a_read_only_sqlite_file_can_still_be_read(tmp_path: Path) -> None:
    """Issue 11 item 3: a store that may be read but not written (here an immutable
    file, which stops root too) still answers the read commands, with a warning."""
    url = init_sqlite(tmp_path / "ro.db")
    with connect(url) as hc:
        pair(hc.app).visit("confirmed")
        hc.catch_up()
        pair(hc.app)  # events nobody projected
    path = tmp_path / "ro.db"
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        result = CliRunner().invoke(cli_app, ["--db", url, "buffer", "problems"])
        assert result.exit_code == 0, result.output
        assert "no_valid_decision" in result.stdout
        assert "read-only store" in result.stderr
        assert CliRunner().invoke(cli_app, ["--db", url, "status"]).exit_code == 0
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_the_migrations_head_equals_the_tables_the_code_defines(fresh: Fresh) -> None:
    """A table or column changed in code without a migration fails here (and in CI): add
    one under homecare/_migrations/versions (alembic revision --autogenerate)."""
    _init(fresh)
    database = fresh.database(must_exist=True)
    try:
        assert schema.differences(database) == []
        assert schema.status(database).state is schema.SchemaState.CURRENT
    finally:
        database.dispose()


def test_a_sqlite_file_that_is_not_a_store_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    """Another program's database named by mistake: refused, not a byte changed."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE notes (text TEXT)")
    before = path.read_bytes()
    result = CliRunner().invoke(cli_app, ["--db", f"sqlite:///{path}", "buffer", "problems"])
    assert_one_line_error(result, "store_not_initialised", "db init")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_a_store_of_release_0_1_without_a_version_table_is_adopted_by_db_upgrade(
    fresh: Fresh,
) -> None:
    """Release 0.1 created its tables on connect(), with no version: `db upgrade` stamps
    it at the baseline and upgrades it, data kept."""
    _init(fresh, schema.BASELINE)
    database = fresh.database()
    with database.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {schema.VERSION_TABLE}"))
    assert schema.status(database).state is schema.SchemaState.UNVERSIONED
    database.dispose()
    with pytest.raises(SchemaOutdatedError, match=r"release 0\.1"):
        Homecare(fresh.settings)
    upgraded = fresh.cli("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output  # type: ignore[attr-defined]
    assert f"of release 0.1 -> {schema.head()}" in upgraded.output  # type: ignore[attr-defined]
    with Homecare(fresh.settings) as hc:
        pair(hc.app).visit("confirmed")
        assert hc.catch_up() > 0


def test_the_schema_functions_raise_only_homecare_errors_naming_the_store(
    tmp_path: Path,
) -> None:
    """Issue 12: `schema` is a boundary of its own (the `db` commands call it directly)."""
    missing = tmp_path / "nowhere" / "x.db"
    database = Database(make_url(f"sqlite:///{missing}"), must_exist=True)
    try:
        for call in (schema.status, schema.differences, schema.upgrade):
            with pytest.raises(StorageError, match="Cannot open the store at sqlite:///"):
                call(database)
        for every_table in (False, True):
            with pytest.raises(StorageError, match="store at shown://x"):
                schema.require_current(database, "shown://x", every_table=every_table)
    finally:
        database.dispose()


def test_0007_keeps_the_access_log_rows_and_seals_the_new_ones(fresh: Fresh) -> None:
    """R17, D8: rows written before 0007 (clear, `sealed` false) read back as they were,
    with or without a key; a read recorded after it under a key is sealed."""
    _init(fresh, "0006")
    database = fresh.database()
    old = {"reader": "Karin Äldre", "subject_id": uuid.UUID(int=7), "subject_kind": "customer"}
    old |= {"what": "customer", "purpose": "före 0007", "channel": "facade"}
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    try:
        with database.write_engine.begin() as conn:
            conn.execute(_access_log_0006(database.schema).insert().values(at=at, **old))
    finally:
        database.dispose()
    _init(fresh)
    key = b64encode(bytes(range(32))).decode()
    keyed = Settings(database_url=fresh.url, db_schema=fresh.schema, cipher_key=key)
    with Homecare(keyed) as hc:
        (entry,) = hc.access.entries()
        assert (entry.reader, entry.purpose, entry.at) == ("Karin Äldre", "före 0007", at)
        hc.app.get(Customer, pair(hc.app).customer, reader="Ny Läsare", purpose="efter 0007")
        with hc.database.engine.connect() as conn:
            rows = conn.execute(select(access_log.c.reader, access_log.c.sealed)).all()
        assert rows[0] == ("Karin Äldre", False)
        assert [sealed for _, sealed in rows[1:]] == [True] * (len(rows) - 1)
        assert "Ny Läsare" not in repr(rows)
        assert [e.reader for e in hc.access.entries()][-1] == "Ny Läsare"


def _access_log_0006(db_schema: str | None) -> Table:
    """The access log as 0005 made it (reader, purpose: VARCHAR; no `sealed`)."""
    return Table(
        "homecare_access_log",
        MetaData(schema=db_schema),
        Column("id", Integer, primary_key=True),
        Column("at", DateTime(timezone=True)),
        *(Column(n, String(200)) for n in ("reader", "subject_kind", "what", "purpose")),
        Column("subject_id", Uuid),
        Column("channel", String(16)),
    )


@pytest.mark.postgres
def test_a_schema_name_with_capitals_is_refused_before_anything_is_created(
    postgres_database: str,
) -> None:
    """`HOMECARE_DB_SCHEMA=Upper db init` created an empty schema "Upper" (quoted) and then
    failed (`InvalidSchemaName`: the search path, unquoted, named "upper"); eventsourcing's
    recorder folds the name too, so such a store could never be written: refused, in one line."""
    name = f"Hc_{uuid.uuid4().hex[:8]}"
    runner = CliRunner(env={"HOMECARE_DB_SCHEMA": name})
    try:
        result = runner.invoke(cli_app, ["--db", postgres_database, "db", "init"])
        assert_one_line_error(result, "invalid_input", "HOMECARE_DB_SCHEMA", "lower-case")
        with pytest.raises(homecare.InvalidInputError, match="lower-case"):  # at the setting
            connect(settings=Settings(database_url=postgres_database, db_schema=name))
        with psycopg.connect(postgres_database.replace("+psycopg", ""), autocommit=True) as conn:
            found = conn.execute(
                "SELECT nspname FROM pg_namespace WHERE lower(nspname) = %s", (name.lower(),)
            ).fetchall()
        assert found == []
    finally:
        with psycopg.connect(postgres_database.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
            conn.execute(f'DROP SCHEMA IF EXISTS "{name.lower()}" CASCADE')
