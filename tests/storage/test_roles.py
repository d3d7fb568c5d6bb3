"""After `db init`, a role with only DML rights runs everything but the `db` commands;
a read-only role can still run the read commands (PostgreSQL roles; issue 13, issue 11 item 3)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from typer.testing import CliRunner

from homecare import schema
from homecare.bootstrap import Homecare, open_database
from homecare.cli.app import app as cli_app
from homecare.settings import Settings
from homecare.worker import Worker, WorkerOptions
from tests.scenario import HOUR, T0, pair

pytestmark = pytest.mark.postgres


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _as(url: str, role: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{role}@{rest.split('@', 1)[1]}"


@pytest.fixture
def roles(postgres_database: str) -> Iterator[tuple[str, str, str, str]]:
    """(schema, admin URL, DML-only role URL, read-only role URL) on a store made by db init."""
    name = f"hc_{uuid.uuid4().hex[:10]}"
    dml, reader = f"{name}_dml", f"{name}_ro"
    database = open_database(
        Settings(database_url=postgres_database, db_schema=name), must_exist=False
    )
    schema.upgrade(database)
    database.dispose()
    with psycopg.connect(_plain(postgres_database), autocommit=True) as conn:
        for role in (dml, reader):
            conn.execute(f"CREATE ROLE {role} LOGIN")
            conn.execute(f'GRANT USAGE ON SCHEMA "{name}" TO {role}')
        conn.execute(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{name}" TO {dml}'
        )
        conn.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{name}" TO {dml}')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{name}" TO {reader}')
    yield name, postgres_database, _as(postgres_database, dml), _as(postgres_database, reader)
    with psycopg.connect(_plain(postgres_database), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        for role in (dml, reader):
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def _cli(url: str, name: str, *args: str) -> object:
    return CliRunner(env={"HOMECARE_DB_SCHEMA": name}).invoke(cli_app, ["--db", url, *args])


def test_a_dml_only_role_runs_everything_but_the_db_commands(
    roles: tuple[str, str, str, str],
) -> None:
    name, _admin, dml, _reader = roles
    with Homecare(Settings(database_url=dml, db_schema=name)) as hc:
        w = pair(hc.app)
        w.visit("confirmed")
        assert hc.catch_up() > 0
        assert [s.status.value for s in hc.buffer.integration_statuses()] == ["held"]
        hc.buffer.fetch(after=None)
    for command in (("buffer", "month", "2026-03"), ("buffer", "problems"), ("audit", "verify")):
        result = _cli(dml, name, *command)
        assert result.exit_code == 0, (command, result.output)  # type: ignore[attr-defined]
    with Homecare(Settings(database_url=dml, db_schema=name)) as hc:  # the worker too
        pair(hc.app).visit("confirmed", start=T0 + HOUR * 24)
        stop = threading.Event()
        worker = Worker(hc, WorkerOptions(idle_max=0.05))
        thread = threading.Thread(target=worker.run, args=(stop,))
        thread.start()
        deadline = time.monotonic() + 60
        while any(r.lag() for r in hc.runners) and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        thread.join()
        assert worker.stats.events > 0
        assert worker.stats.errors == 0
        assert not any(r.lag() for r in hc.runners)
    refused = _cli(dml, f"{name}_new", "db", "init")  # needs CREATE: refused in one line
    assert refused.exit_code == 1  # type: ignore[attr-defined]
    assert refused.output.count("\n") == 1  # type: ignore[attr-defined]
    assert "storage_error" in refused.output  # type: ignore[attr-defined]


def test_a_read_only_role_can_still_read(roles: tuple[str, str, str, str]) -> None:
    name, _admin, dml, reader = roles
    with Homecare(Settings(database_url=dml, db_schema=name)) as hc:
        pair(hc.app).visit("confirmed")
        hc.catch_up()
        pair(hc.app)  # events the reader cannot project
    result = _cli(reader, name, "buffer", "problems")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "no_valid_decision" in result.stdout  # type: ignore[attr-defined]
    assert "read-only store" in result.stderr  # type: ignore[attr-defined]
    with Homecare(Settings(database_url=reader, db_schema=name)) as hc:
        assert len(hc.buffer.integration_statuses()) == 1
