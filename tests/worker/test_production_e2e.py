"""Issue 13's acceptance, with real processes on PostgreSQL: `db init`, `worker`, `serve`
(without --catch-up-on-fetch) and `poll`; a host confirms visits through the facade; the
poller receives them within seconds; SIGTERM to each; nothing lost; /metrics shows it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import select

from homecare.bootstrap import connect
from homecare.outbox import tables as t
from tests.scenario import Scenario

pytestmark = pytest.mark.postgres

HOMECARE = str(Path(sys.executable).with_name("homecare"))
TOKEN = "e2e-city-token-0123456789abcdef"


@pytest.fixture
def database(postgres_database: str) -> Iterator[str]:
    """A database of this test's own (every process connects to it)."""
    admin = postgres_database.replace("postgresql+psycopg://", "postgresql://")
    name = f"homecare_e2e_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_database.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HOMECARE_")}
    return clean | {"HOMECARE_API_TOKENS": f"city={TOKEN}:drain", "PYTHONUNBUFFERED": "1"}


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(args, env=_env(), stdout=handle, stderr=subprocess.STDOUT)


def _received(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line.split()[0] for line in path.read_text().splitlines() if line.strip()]


def _metric(port: int, name: str) -> float | None:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def _wait(condition: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_db_init_worker_serve_poll_then_sigterm_nothing_lost(database: str, tmp_path: Path) -> None:
    init = subprocess.run(
        [HOMECARE, "--db", database, "db", "init"], env=_env(), capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr
    port = _free_port()
    received = tmp_path / "received.txt"
    procs = {
        "worker": _start(
            [HOMECARE, "--db", database, "worker", "--log-format", "json"],
            tmp_path / "worker.log",
        ),
        "serve": _start(
            [HOMECARE, "serve", "--db", database, "--port", str(port), "--log-format", "json"],
            tmp_path / "serve.log",
        ),
        "poll": _start(
            [
                HOMECARE,
                "poll",
                "--url",
                f"http://127.0.0.1:{port}",
                "--token",
                TOKEN,
                "--every",
                "0.2",
                "--state",
                str(tmp_path / "state.json"),
                "--received",
                str(received),
                "--backoff",
                "0.2",
                "--backoff-max",
                "1",
            ],
            tmp_path / "poll.log",
        ),
    }
    try:
        with connect(database) as hc:
            world = Scenario(hc.app)
            staff = world.staff()
            visits = [world.visit(world.customer(), staff) for _ in range(25)]
            _wait(lambda: len(set(_received(received))) >= 25, "the poller to receive 25 items")
            with hc.database.engine.connect() as conn:
                released = conn.execute(
                    select(t.items.c.message_id, t.items.c.assignment_id).where(
                        t.items.c.position.is_not(None)
                    )
                ).all()
            assert {r.assignment_id for r in released} == set(visits)
            assert set(_received(received)) == {str(r.message_id) for r in released}
            _wait(
                lambda: _metric(port, 'homecare_buffer_items{status="delivered"}') == 25,
                "/metrics to count 25 delivered items",
            )
            assert _metric(port, 'homecare_city_items_served_total{token="city"}') == 25
            assert _metric(port, 'homecare_buffer_items{status="queued"}') == 0
            assert (
                _metric(port, 'homecare_projection_lag_events{projection="integration_buffer"}')
                == 0
            )
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        codes = {name: proc.wait(timeout=30) for name, proc in procs.items()}
    logs = {name: (tmp_path / f"{name}.log").read_text() for name in procs}
    assert codes == {"worker": 0, "serve": 0, "poll": 0}, logs
    assert "Traceback" not in "".join(logs.values())
    for name in ("worker", "serve"):  # --log-format json: one object per line
        entries = [json.loads(line) for line in logs[name].splitlines() if line.strip()]
        assert entries, name
        assert all({"ts", "level", "logger", "message"} <= set(e) for e in entries)
    assert any(
        e["logger"] == "homecare.worker" for e in map(json.loads, logs["worker"].split("\n")[:-1])
    )
