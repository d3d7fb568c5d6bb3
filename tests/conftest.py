"""Fixtures shared by every test: a fresh store per test, on SQLite and PostgreSQL.

PostgreSQL: `HOMECARE_TEST_POSTGRES_URL` names a server and a database to
connect to for administration (default postgresql://postgres@127.0.0.1:5432/postgres).
Each test session creates its own database there (`db init`: the migrations)
and drops it at the end; each test gets emptied tables. SQLite stores are
copies of one file initialised by the migrations (`init_sqlite`), since
`connect()` never creates a store. Without a reachable server the PostgreSQL
tests are skipped with the reason shown, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg import sql

from homecare import schema
from homecare.bootstrap import Homecare, connect, open_database
from homecare.settings import Settings
from tests import store_counter

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))


def pytest_configure(config: pytest.Config) -> None:
    """The closing `stores:` line (tests/store_counter.py), in serial and parallel runs."""
    store_counter.register(config)


T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ACTOR = "tester"


_TEMPLATE: list[Path] = []


def init_sqlite(path: Path | str) -> str:
    """A URL of a new, initialised (`db init`) SQLite store at `path`: a copy of one
    template made by the migrations once per test session."""
    if not _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="homecare-template-")) / "template.db"
        database = open_database(Settings(database_url=f"sqlite:///{template}"), must_exist=False)
        schema.upgrade(database)
        database.dispose()
        _TEMPLATE.append(template)
    shutil.copyfile(_TEMPLATE[0], path)
    return f"sqlite:///{path}"


def init_store(url: str) -> None:
    """Run the migrations on the store at `url` (as `homecare db init` does)."""
    database = open_database(Settings(database_url=url), must_exist=False)
    try:
        schema.upgrade(database)
    finally:
        database.dispose()


def _admin_url() -> str:
    return os.environ.get("HOMECARE_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)


_CONFIGURED_LOGGERS = ("homecare", "uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture(autouse=True)
def _loggers_as_found() -> Iterator[None]:
    """A command run in-process (`serve`, `worker`) configures logging for a process of
    its own; put the loggers back so that later tests see what a fresh process sees."""
    kept = {
        name: (list(lg.handlers), lg.level, lg.propagate)
        for name in _CONFIGURED_LOGGERS
        if (lg := logging.getLogger(name))
    }
    yield
    for name, (handlers, level, propagate) in kept.items():
        logger = logging.getLogger(name)
        logger.handlers, logger.propagate = handlers, propagate
        logger.setLevel(level)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of this session's own on the PostgreSQL server; dropped at the end."""
    admin = _admin_url()
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        reason = f"PostgreSQL not reachable at {admin}: {str(error).strip().splitlines()[0]}"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    name = f"homecare_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(admin)
    url = (
        f"postgresql+psycopg://{info.get('user', 'postgres')}"
        f"{':' + str(info['password']) if info.get('password') else ''}"
        f"@{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}/{name}"
    )
    init_store(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _empty_postgres(url: str) -> None:
    """Empty every table of the session's store, as after `db init`; a store a test broke
    (a table dropped or altered by hand) is made anew by the migrations."""
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            if r[0] != schema.VERSION_TABLE
        ]
        if not schema.owned_tables() - {schema.VERSION_TABLE, "stored_events"} <= set(tables):
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
            init_store(url)
            return
        if tables:
            conn.execute(
                sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier(t) for t in tables)
                )
            )
        # The rows the migrations put in (as after `db init`).
        conn.execute(
            "INSERT INTO homecare_buffer_delivery (id, delivered_position) VALUES (1, 0) "
            "ON CONFLICT DO NOTHING"
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """A URL of an empty, initialised store; parametrised so each storage test runs on both."""
    if request.param == "sqlite":
        yield init_sqlite(Path(tmp_path) / "homecare.db")
        return
    url = request.getfixturevalue("postgres_database")
    _empty_postgres(url)
    yield url
    _empty_postgres(url)


@pytest.fixture
def hc(store_url: str) -> Iterator[Homecare]:
    """A connected, empty store."""
    with connect(store_url) as homecare:
        yield homecare
