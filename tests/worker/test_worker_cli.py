"""`homecare worker` as an operator runs it: stops on SIGINT or SIGTERM with exit 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homecare.cli.app import app as cli_app
from homecare.errors import InvalidInputError
from homecare.worker import WorkerOptions
from tests.cli.conftest import assert_one_line_error
from tests.conftest import init_sqlite

HOMECARE = str(Path(sys.executable).with_name("homecare"))


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_the_worker_stops_cleanly_on_a_signal(tmp_path: Path, stop: signal.Signals) -> None:
    url = init_sqlite(tmp_path / "w.db")
    log = tmp_path / "worker.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMECARE_")}
    with log.open("wb") as out:
        proc = subprocess.Popen([HOMECARE, "--db", url, "worker"], stdout=out, stderr=out, env=env)
    try:
        deadline = time.monotonic() + 60
        while "holding the lease" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the worker did not take the lease"
            time.sleep(0.05)
        proc.send_signal(stop)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "worker stopped" in log.read_text()
    assert "Traceback" not in log.read_text()


def test_a_bad_log_format_is_one_line(tmp_path: Path) -> None:
    url = init_sqlite(tmp_path / "w.db")
    result = CliRunner().invoke(cli_app, ["--db", url, "worker", "--log-format", "xml"])
    assert_one_line_error(result, "invalid_input", "--log-format")


def test_a_wrong_cipher_key_stops_the_worker_before_it_takes_the_lease(tmp_path: Path) -> None:
    """D8: a worker that cannot open the events must not hold the lease (and block the
    right one) while failing on every event; it says so in one line and exits 1."""
    url = f"sqlite:///{tmp_path}/sealed.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMECARE_")}
    made = subprocess.run(
        [HOMECARE, "--db", url, "demo", "--customers", "2", "--days", "1", "--no-drain"],
        env={**env, "HOMECARE_CIPHER_KEY": "A" * 43 + "="},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    proc = subprocess.Popen(
        [HOMECARE, "--db", url, "worker"],
        env={**env, "HOMECARE_CIPHER_KEY": "B" * 43 + "="},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1
    assert "wrong_cipher_key: Stored events cannot be read: the cipher key is wrong" in err
    assert "holding the lease" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("option", "value"),
    [("--retry-max", "0"), ("--retry-max", "-1"), ("--retry-max", "0.05"), ("--idle-max", "0")],
)
def test_a_wait_out_of_range_is_refused_not_clamped(
    tmp_path: Path, option: str, value: str
) -> None:
    """`--retry-max 0` was taken as 0.1 without a word, while `--idle-max 0` was refused."""
    url = init_sqlite(tmp_path / "w.db")
    result = CliRunner().invoke(cli_app, ["--db", url, "worker", option, value])
    assert_one_line_error(result, "invalid_input", option)


@pytest.mark.parametrize(
    "waits",
    [
        {"retry_max": 0},
        {"idle_max": float("nan")},
        {"lease_poll": float("inf")},
        {"renew_every": -5.0},
        {"idle_min": 2.0},  # above idle_max
        {"retry_initial": 60.0},  # above retry_max
    ],
)
def test_worker_options_refuse_waits_that_are_not_seconds(waits: dict[str, float]) -> None:
    with pytest.raises(InvalidInputError, match="WorkerOptions"):
        WorkerOptions(**waits)
