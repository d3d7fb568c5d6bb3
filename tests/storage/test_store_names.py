"""Every message naming a store names its PostgreSQL schema when one is set, and the
command it suggests reaches that store; `db current` on a place with no store fails as
every other command does.

The reviewer's example: with `HOMECARE_DB_SCHEMA=zz`, `homecare --db $PG status` said
"No homecare store at postgresql+psycopg://.../fixf: create one with `homecare --db ...
db init`", while a store stood in `public`, and the command, run as shown, would have
made another one there; `db init` said "Created the store at URL"; `db current` printed
`none (...; missing)`, exit 0, where a missing file or database was
`store_not_initialised`, exit 1.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import Result

from homecare import schema
from homecare.bootstrap import Homecare
from homecare.cli.app import app as cli_app
from homecare.errors import StoreNotInitialisedError
from tests.cli.conftest import assert_one_line_error, separate_streams_runner
from tests.storage.conftest import Fresh


def _run(fresh: Fresh, *args: str, url: str | None = None) -> Result:
    runner = separate_streams_runner(fresh.env)
    return runner.invoke(cli_app, ["--db", url or fresh.url, *args])


def _named(fresh: Fresh) -> str:
    """How the store is named: `URL (PostgreSQL schema NAME)`, or the URL alone."""
    return f"{fresh.url} (PostgreSQL schema {fresh.schema})" if fresh.schema else fresh.url


def _hint(fresh: Fresh) -> str:
    command = f"homecare --db {fresh.url}"
    return f"HOMECARE_DB_SCHEMA={fresh.schema} {command}" if fresh.schema else command


def _empty_place(fresh: Fresh) -> None:
    """No store, but the place is there: an empty file, or an empty schema."""
    if fresh.path is not None:
        fresh.path.touch()
        return
    database = fresh.database()
    try:
        with database.engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{fresh.schema}"')
    finally:
        database.dispose()


@pytest.mark.parametrize("command", [("status",), ("db", "current"), ("db", "check")])
def test_a_place_with_no_store_is_named_with_its_schema_and_the_fix_reaches_it(
    fresh: Fresh, command: tuple[str, ...]
) -> None:
    _empty_place(fresh)
    refused = _run(fresh, *command)
    assert_one_line_error(
        refused, "store_not_initialised", f"No homecare store at {_named(fresh)}:"
    )
    hint = re.search(r"`([^`]*)`", refused.stderr)
    assert hint is not None
    assert hint.group(1) == f"{_hint(fresh)} db init"
    words = shlex.split(hint.group(1))
    env = dict(word.split("=", 1) for word in words if "=" in word and "://" not in word)
    args = [word for word in words if word not in {f"{k}={v}" for k, v in env.items()}]
    assert args[0] == "homecare"
    made = separate_streams_runner(env).invoke(cli_app, args[1:])
    assert made.exit_code == 0, (made.stdout, made.stderr)
    assert made.stdout == f"Created the store at {_named(fresh)}: schema {schema.head()}.\n"
    current = _run(fresh, "db", "current")
    assert current.stdout == f"{schema.head()} (this release: {schema.head()}; current)\n"


def test_db_current_where_there_is_no_file_fails_as_every_command(fresh: Fresh) -> None:
    """No file, or no PostgreSQL schema at all: `store_not_initialised`, exit 1."""
    for command in (("db", "current"), ("status",)):
        assert_one_line_error(
            _run(fresh, *command), "store_not_initialised", _named(fresh), "db init"
        )


def test_every_line_of_db_names_the_schema(fresh: Fresh) -> None:
    named = _named(fresh)
    assert _run(fresh, "db", "init").stdout.startswith(f"Created the store at {named}:")
    again = _run(fresh, "db", "init").stdout
    assert again == f"The store at {named} is already at schema {schema.head()}.\n"
    upgraded = _run(fresh, "db", "upgrade").stdout
    assert upgraded.startswith(f"The store at {named}: schema {schema.head()} -> ")
    checked = _run(fresh, "db", "check").stdout
    assert checked == f"The store at {named} is at schema {schema.head()}.\n"
    database = fresh.database(must_exist=True)
    try:
        with database.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE homecare_zzz (x integer)")
    finally:
        database.dispose()
    drift = _run(fresh, "db", "check")
    assert_one_line_error(drift, "schema_drift", f"The tables at {named} differ")


def test_connect_names_the_schema_too(fresh: Fresh) -> None:
    with pytest.raises(StoreNotInitialisedError) as caught:
        Homecare(fresh.settings)
    assert f"No homecare store at {_named(fresh)}" in str(caught.value)
    assert f"`{_hint(fresh)} db init`" in str(caught.value)


@pytest.mark.postgres
def test_a_database_the_server_lacks_is_named_with_the_schema(postgres_database: str) -> None:
    url = postgres_database.rsplit("/", 1)[0] + "/homecare_no_such_database"
    fresh = Fresh(url, "zz", None)
    refused = _run(fresh, "status")
    assert_one_line_error(
        refused,
        "store_not_initialised",
        f"No homecare store at {url} (PostgreSQL schema zz): the server has no database",
        f"`HOMECARE_DB_SCHEMA=zz homecare --db {url} db init`",
    )


def test_db_current_names_the_store_as_given(tmp_path: Path) -> None:
    """It named `sqlite+pysqlite:///...`, the driver's URL, where every command says the
    URL as given."""
    notes = tmp_path / "notes.txt"
    notes.write_text("not a store\n")
    url = f"sqlite:///{notes}"
    result = separate_streams_runner().invoke(cli_app, ["--db", url, "db", "current"])
    assert_one_line_error(result, "storage_error", f"The file of the store at {url} is not")
