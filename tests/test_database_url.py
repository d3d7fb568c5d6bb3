"""The database URL: what an operator is shown of it, and what it may not say twice.

Every message naming the store shows the URL with its secrets masked, those in the
query (`?password=`, `?sslpassword=`, ...) as well as the user part's; a query option
may not name a part the URL already has (libpq would use the option, and every
message the URL's); an invisible character is refused, never shown as nothing.
"""

from __future__ import annotations

import logging
import threading
import uuid

import psycopg
import pytest
from typer.testing import CliRunner

from homecare import InvalidInputError, Settings
from homecare._es.error_map import opening
from homecare._sql.store_url import parse_url, redact_url
from homecare.bootstrap import connect
from homecare.cli.app import app as cli_app
from homecare.errors import StorageError
from homecare.worker import Worker
from tests.cli.conftest import assert_one_line_error, separate_streams_runner

SECRET = "TOPSECRET"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


@pytest.mark.parametrize(
    "option",
    [
        "password",
        "sslpassword",
        "oauth_client_secret",
        "scram_client_key",
        "scram_server_key",
        "pasword",  # misspelt: libpq refuses it later, but it is shown first
        "a_future_libpq_secret",
    ],
)
def test_every_secret_bearing_query_option_is_masked(option: str) -> None:
    url = f"postgresql+psycopg://u@/db?sslmode=require&{option}={SECRET}&host=/var/run/postgresql"
    shown = Settings(database_url=url).redacted_url
    assert SECRET not in shown
    assert f"{option}=***" in shown
    assert "sslmode=require" in shown
    assert "host=/var/run/postgresql" in shown


def test_the_user_parts_password_and_a_repeated_option_are_masked() -> None:
    shown = Settings(database_url=f"postgresql://u:{SECRET}@h/db?sslpassword={SECRET}")
    assert shown.redacted_url == "postgresql://u:***@h/db?sslpassword=***"
    twice = f"postgresql://u@h/db?password={SECRET}&password={SECRET}"
    assert redact_url(twice) == "postgresql://u@h/db?password=***&password=***"
    with pytest.raises(InvalidInputError, match="repeats the option 'password'") as caught:
        Settings(database_url=twice)
    assert SECRET not in str(caught.value)


def test_a_malformed_url_is_shown_masked_too() -> None:
    with pytest.raises(InvalidInputError, match="Malformed database URL") as caught:
        Settings(database_url=f"postgresql://u:{SECRET}@h:1,h2:2/db?password={SECRET}&a=b")
    assert SECRET not in str(caught.value)
    assert "password=***" in str(caught.value)


def test_opening_masks_a_url_its_caller_did_not() -> None:
    """`homecare.schema` hands `opening` SQLAlchemy's rendering (userinfo password only)."""
    with pytest.raises(StorageError) as caught, opening(f"{PG}/db?sslpassword={SECRET}"):
        raise RuntimeError("no such driver")
    assert SECRET not in str(caught.value)
    assert "sslpassword=***" in str(caught.value)


@pytest.mark.parametrize(
    ("query", "part"),
    [
        ("dbname=other", "database"),
        ("host=elsewhere", "host"),
        ("host=/var/run/postgresql", "host"),
        ("port=5433", "port"),
        ("user=somebody", "user"),
    ],
)
def test_a_query_option_naming_a_part_the_url_has_is_refused(query: str, part: str) -> None:
    with pytest.raises(InvalidInputError, match=f"names its {part} twice") as caught:
        Settings(database_url=f"postgresql+psycopg://postgres@127.0.0.1:5432/db?{query}")
    assert "\n" not in str(caught.value)


def test_the_users_password_twice_is_refused_without_showing_either() -> None:
    with pytest.raises(InvalidInputError, match="names its password twice") as caught:
        Settings(database_url=f"postgresql://u:{SECRET}@h/db?password=other")
    assert SECRET not in str(caught.value)
    assert "other" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://u@/db?host=/var/run/postgresql&port=5433",  # a Unix socket
        "postgresql+psycopg://@h/db?user=u&password=p",
        "postgresql+psycopg://u@db.example/db?hostaddr=192.0.2.1",  # no DNS look-up
    ],
)
def test_a_query_option_for_a_part_the_url_leaves_out_is_taken(url: str) -> None:
    Settings(database_url=url).postgres_connect_kwargs()


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///demo.db ",
        " sqlite:///demo.db",
        "sqlite:/// demo.db",
        "postgresql+psycopg://u@h/db ?sslmode=disable",
        "postgresql+psycopg://u @h/db",
    ],
)
def test_white_space_at_either_end_of_a_part_is_refused(url: str) -> None:
    """`--db "sqlite:///demo.db "` said "No homecare store at sqlite:///demo.db", and its
    `db init` would have created `demo.db ` (space included)."""
    with pytest.raises(InvalidInputError, match="white space"):
        Settings(database_url=url)


@pytest.mark.parametrize("char", ["\x1b", "\n", "\t", "\u200b", "\u2028", "\ufeff"])
def test_an_invisible_or_control_character_is_refused(char: str) -> None:
    with pytest.raises(InvalidInputError, match=f"U\\+{ord(char):04X}"):
        Settings(database_url=f"sqlite:///de{char}mo.db")


def test_a_space_inside_a_file_name_is_taken() -> None:
    assert Settings(database_url="sqlite:///my store.db").url.database == "my store.db"


def test_the_cli_refuses_a_trailing_space_in_one_line(tmp_path: object) -> None:
    result = separate_streams_runner().invoke(
        cli_app, ["--db", "sqlite:///demo.db ", "buffer", "month", "2026-03"]
    )
    assert_one_line_error(result, "invalid_input", "white space", "'sqlite:///demo.db '")


# -- every place the URL is shown, on a real server ------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("option", ["password", "sslpassword"])
def test_the_cli_never_prints_a_query_secret(postgres_database: str, option: str) -> None:
    """The reviewer's examples: a database that does not exist, one with no store."""
    server = postgres_database.rsplit("/", 1)[0]
    missing = separate_streams_runner().invoke(
        cli_app, ["--db", f"{server}/nothere?{option}={SECRET}", "buffer", "month", "2026-03"]
    )
    assert_one_line_error(missing, f"{option}=***")
    assert SECRET not in missing.stderr
    empty = f"fixd_{uuid.uuid4().hex[:8]}"
    admin = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{empty}"')
    try:
        url = f"{server}/{empty}?{option}={SECRET}"
        no_store = separate_streams_runner().invoke(cli_app, ["--db", url, "buffer", "problems"])
        assert_one_line_error(no_store, "store_not_initialised", f"{option}=***", "db init")
        assert SECRET not in no_store.stderr
        created = CliRunner().invoke(cli_app, ["--db", url, "db", "init"])
        assert created.exit_code == 0, created.output
        assert SECRET not in created.output
        assert f"{option}=***" in created.output
        demo = CliRunner().invoke(cli_app, ["--db", url, "demo", "--customers", "2", "--days", "1"])
        assert demo.exit_code == 0, demo.output
        assert SECRET not in demo.output
        assert f"homecare --db {server}/{empty}?{option}=***" in demo.output
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')


@pytest.mark.postgres
def test_the_worker_logs_the_url_masked(
    postgres_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    stop = threading.Event()
    stop.set()
    with (
        caplog.at_level(logging.INFO, logger="homecare.worker"),
        connect(f"{postgres_database}?password={SECRET}") as hc,
    ):
        Worker(hc).run(stop)
    started = [r.getMessage() for r in caplog.records if "worker started" in r.getMessage()]
    assert started
    assert SECRET not in started[0]
    assert "password=***" in started[0]


@pytest.mark.parametrize(
    "text",
    ["postgresql+psycopg://u:se@cret@h/db", "postgres://u@x:pa@ss@h:5432/db?password=p"],
)
def test_a_raw_at_sign_in_the_user_part_never_shows_part_of_the_password(text: str) -> None:
    """Parsers split `u:se@cret@h` at different '@'s: the first took 'cret@h' as the host
    and showed it. Now the whole user part is masked, and the URL is refused (%40)."""
    shown = redact_url(text)
    assert "cret" not in shown
    assert "ss@" not in shown
    with pytest.raises(InvalidInputError, match="%40"):
        parse_url(text)
