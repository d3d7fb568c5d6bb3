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
