"""A store that cannot be opened is one line naming it, the cause and the fix: never the
driver's text (`(psycopg.OperationalError) connection failed: ... FATAL: ...`,
`(sqlite3.DatabaseError) file is not a database`)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from typer.testing import Result

from homecare._es.error_map import opening
from homecare.cli.app import app as cli_app
from homecare.errors import StorageError, StoreNotInitialisedError
from tests.cli.conftest import assert_one_line_error, separate_streams_runner

DRIVER_WORDS = (
    "psycopg",
    "sqlite3",
    "OperationalError",
    "DatabaseError",
    "FATAL",
    "connection failed",
    "unable to open database file",
    "file is not a database",
)
READ = ("buffer", "month", "2026-03")
HOMECARE = str(Path(sys.executable).with_name("homecare"))


def _run(url: str, *args: str) -> Result:
    return separate_streams_runner().invoke(cli_app, ["--db", url, *args])


def _assert_plain(result: Result, *fragments: str) -> None:
    assert_one_line_error(result, *fragments)
    said = result.stderr.replace("postgresql+psycopg://", "postgresql://")  # the URL's scheme
    for word in DRIVER_WORDS:
        assert word not in said, result.stderr


@pytest.mark.parametrize("command", [READ, ("db", "init"), ("db", "current")])
def test_a_directory_is_named_as_one(tmp_path: Path, command: tuple[str, ...]) -> None:
    """`db init` on `sqlite:///.` said sqlite3's "unable to open database file", a read
    command "no such file" (it is a directory)."""
    result = _run(f"sqlite:///{tmp_path}", *command)
    _assert_plain(result, "storage_error", "is a directory", f"sqlite:///{tmp_path}/homecare.db")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [READ, ("db", "init"), ("db", "current"), ("db", "check")])
def test_a_file_that_is_not_a_database_is_named_as_one(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n" * 100, encoding="utf-8")
    result = _run(f"sqlite:///{path}", *command)
    _assert_plain(result, "storage_error", "notes.txt", "is not a SQLite database")
    assert path.read_text(encoding="utf-8") == "not a database\n" * 100


def test_the_hint_to_create_a_store_is_quoted_for_the_shell(tmp_path: Path) -> None:
    result = _run(f"sqlite:///{tmp_path}/my store.db", *READ)
    _assert_plain(result, "store_not_initialised", f"`homecare --db 'sqlite:///{tmp_path}/my ")


@pytest.mark.parametrize(
    ("code", "fragment"),
    [(5, "another program holds"), (11, "damaged"), (14, "cannot open the file"), (99, "SQLITE")],
)
def test_sqlite_is_told_by_its_result_code(code: int, fragment: str) -> None:
    error = sqlite3.OperationalError("the driver's words")
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    error.sqlite_errorname = "SQLITE_SOMETHING"  # type: ignore[attr-defined]
    with pytest.raises(StorageError) as caught, opening("sqlite:///x.db"):
        raise error
    assert fragment in str(caught.value)
    assert "driver's words" not in str(caught.value)
    assert caught.value.__cause__ is error


def test_a_postgres_failure_nobody_recognises_is_named_by_its_kind_only() -> None:
    """A server whose lc_messages is Swedish: not recognised, still no driver text."""
    with pytest.raises(StorageError) as caught, opening("postgresql://u@h:5433/db"):
        raise psycopg.OperationalError('FATAL:  databasen "db" finns inte')
    message = str(caught.value)
    assert message.startswith("Cannot open the store at postgresql://u@h:5433/db: ")
    assert "h:5433" in message
    assert "finns inte" not in message
    assert "FATAL" not in message


# -- on a real server ------------------------------------------------------------


MISSING_DATABASE = ("store_not_initialised", "no database 'fixd_nothere'", "CREATE DATABASE")


@pytest.mark.postgres
@pytest.mark.parametrize("command", [READ, ("db", "init"), ("db", "current")])
def test_a_database_that_does_not_exist_says_create_it_then_db_init(
    postgres_database: str, command: tuple[str, ...]
) -> None:
    url = postgres_database.rsplit("/", 1)[0] + "/fixd_nothere"
    result = _run(url, *command)
    _assert_plain(
        result, *MISSING_DATABASE, f"No homecare store at {url}", f"`homecare --db {url} db init`"
    )


@pytest.mark.postgres
def test_the_worker_says_so_too(postgres_database: str) -> None:
    """In a process of its own: `worker` sets up logging and signal handlers."""
    url = postgres_database.rsplit("/", 1)[0] + "/fixd_nothere"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMECARE_")}
    done = subprocess.run(
        [HOMECARE, "--db", url, "worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("homecare: error: ")
    for fragment in MISSING_DATABASE:
        assert fragment in line
    for word in DRIVER_WORDS:
        assert word not in line.replace("postgresql+psycopg://", "postgresql://")


def test_a_missing_database_is_a_store_not_initialised_error() -> None:
    with pytest.raises(StoreNotInitialisedError), opening("postgresql://u@h/nothere"):
        raise psycopg.OperationalError(
            'connection failed: connection to server at "h", port 5432 failed: '
            'FATAL:  database "nothere" does not exist'
        )


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:1/x", "connection refused"),
        ("postgresql+psycopg://fixd_nosuchrole@127.0.0.1:5432/x", "no role 'fixd_nosuchrole'"),
        ("postgresql+psycopg://postgres@nosuchhost.invalid/x", "'nosuchhost.invalid' is unknown"),
        ("postgresql+psycopg://postgres@/x?host=/nonexistent", "no server socket"),
    ],
)
def test_an_unusable_server_is_one_line_with_the_fix(
    postgres_database: str, url: str, fragment: str
) -> None:
    _assert_plain(_run(url, *READ), "storage_error", "Cannot open the store at", fragment)
